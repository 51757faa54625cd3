"""Administrators configure the grading matrix, the response plans, the rotas and the risks
here; incidents are read here and worked on in the pages and the API."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin import InlinesSavedThroughServiceMixin, ReadOnlyInline, ServiceSavedMixin, fields_of
from core.errors import ServiceDeskError
from emergency import admin_links as _links_admin  # noqa: F401  (registers the ticket links' admin)
from emergency import admin_time as _time_admin  # noqa: F401  (registers the incident time entries' admin)
from emergency import rotas, services
from emergency.models import (
    GradingRule,
    Incident,
    IncidentEntry,
    PlanResource,
    ResponsePlan,
    ReviewAction,
    Risk,
    Rota,
    RotaMember,
    RotaOverride,
)


@admin.register(GradingRule)
class GradingRuleAdmin(ServiceSavedMixin, admin.ModelAdmin):
    """One grade per cell of the matrix, changed in the list (``services.grading_rule_save``)."""

    list_display = ["severity", "scope", "urgency", "grade"]
    list_editable = ["grade"]
    list_filter = ["severity", "scope", "urgency", "grade"]
    fields = ["severity", "scope", "urgency", "grade"]
    readonly_fields = ["severity", "scope", "urgency"]

    def has_add_permission(self, request) -> bool:
        return False  # the 27 cells exist (migration, setup_desk)

    def service_save(self, request, obj, data):
        return services.grading_rule_save(rule=obj, grade=data["grade"])


class PlanResourceInline(admin.TabularInline):
    model = PlanResource
    fields = ["position", "kind", "description", "quantity", "part"]
    extra = 0


@admin.register(ResponsePlan)
class ResponsePlanAdmin(InlinesSavedThroughServiceMixin, SimpleHistoryAdmin):
    """Saved by ``services.response_plan_save`` with its resources in the order of their position."""

    list_display = ["name", "grade", "response_minutes", "recovery_minutes", "onsite_minutes", "calendar"]
    fields = list(services.PLAN_FIELDS)
    inlines = [PlanResourceInline]

    def service_save(self, request, obj, data, inlines):
        resources = sorted(inlines["planresource"], key=lambda row: row.get("position") or 0)
        return services.response_plan_save(plan=obj, resources=resources, **fields_of(data, services.PLAN_FIELDS))


class RotaMemberInline(admin.TabularInline):
    model = RotaMember
    extra = 0
    autocomplete_fields = ["user"]


class RotaOverrideInline(ReadOnlyInline):
    """Overrides are added on the rota page or by the API (``rotas.override_add``)."""

    model = RotaOverride
    fields = ["user", "starts_at", "ends_at", "reason", "created_by"]


@admin.register(Rota)
class RotaAdmin(InlinesSavedThroughServiceMixin, SimpleHistoryAdmin):
    """Saved by ``rotas.rota_save`` with its members in the order of their position: a known
    time zone, a first shift within the supported years, staff only."""

    list_display = ["name", "shift_days", "handover", "timezone", "starts_on", "is_active"]
    fields = ["name", "description", "timezone", "handover", "shift_days", "starts_on", "is_active", "projects"]
    filter_horizontal = ["projects"]
    inlines = [RotaMemberInline, RotaOverrideInline]

    def service_save(self, request, obj, data, inlines):
        members = [row["user"] for row in sorted(inlines["rotamember"], key=lambda row: row.get("position") or 0)]
        return rotas.rota_save(rota=obj, members=members, **fields_of(data, self.fields))

    def delete_model(self, request, obj):
        rotas.rota_delete(rota=obj)

    def delete_queryset(self, request, queryset):
        for rota in queryset:
            rotas.rota_delete(rota=rota)


@admin.register(Risk)
class RiskAdmin(ServiceSavedMixin, SimpleHistoryAdmin):
    """Saved by ``services.risk_save``: the owner is staff; the history keeps every version."""

    list_display = ["title", "project", "category", "likelihood", "impact", "owner", "review_date", "status"]
    list_filter = ["category", "status", "project__organisation"]
    search_fields = ["title", "project__name"]

    def service_save(self, request, obj, data):
        return services.risk_save(actor=request.user, risk=obj if obj.pk else None, **data)


class IncidentEntryInline(admin.TabularInline):
    model = IncidentEntry
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "kind", "public", "text"]
    readonly_fields = fields


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Read-only: the response process runs through its services (pages and API)."""

    list_display = ["reference", "title", "organisation", "grade", "status", "reported_at"]
    list_filter = ["status", "grade", "organisation"]
    search_fields = ["reference", "title"]
    inlines = [IncidentEntryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReviewAction)
class ReviewActionAdmin(ServiceSavedMixin, admin.ModelAdmin):
    """Improvement actions of incident reviews, saved by ``services.review_action_create`` and
    ``review_action_update`` (a line on the incident's timeline each); done and reopened by the
    actions of the list. Nothing is deleted."""

    list_display = ["description", "incident", "owner", "due_date", "done_at", "reminded_at", "overdue_reported_at"]
    list_filter = [("done_at", admin.EmptyFieldListFilter), "owner"]
    search_fields = ["description", "incident__reference"]
    raw_id_fields = ["incident"]
    fields = ["incident", "description", "owner", "due_date", "done_at", "reminded_at", "overdue_reported_at"]
    readonly_fields = ["done_at", "reminded_at", "overdue_reported_at"]
    actions = ["mark_done", "reopen"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "incident"] if obj is not None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def service_save(self, request, obj, data):
        fields = {name: data[name] for name in ("description", "owner", "due_date")}
        if obj.pk:
            return services.review_action_update(action_id=obj.pk, actor=request.user, **fields)
        return services.review_action_create(incident_id=data["incident"].pk, actor=request.user, **fields)

    def _each(self, request, queryset, service) -> None:
        for action in queryset:
            try:
                service(action_id=action.pk, actor=request.user)
            except ServiceDeskError as error:
                self.message_user(request, f"{action}: {error.message}", messages.WARNING)

    @admin.action(description=_("Mark done"))
    def mark_done(self, request, queryset):
        self._each(request, queryset.filter(done_at=None), services.review_action_done)

    @admin.action(description=_("Reopen"))
    def reopen(self, request, queryset):
        self._each(request, queryset.exclude(done_at=None), services.review_action_reopen)
