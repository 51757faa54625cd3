"""Administrators configure warranty terms, warranties and contracts, checklists, inspection
schedules, products and their releases here. Records with rules of their own are saved
through their service function, which also checks the form: what it refuses is a form error.
Visits, return visits once made and upgrade notices are read here and worked on in the pages
and the API."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import StaffChoiceMixin
from core.admin import InlinesSavedThroughServiceMixin, ReadOnlyInline, ServiceSavedMixin, fields_of
from core.errors import ServiceDeskError
from core.time import desk_today
from customers.models import InstalledProduct
from maintenance import coverage, services
from maintenance.models import (
    Cause,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    InspectionSchedule,
    Product,
    Release,
    ReturnVisit,
    ReturnVisitSchedule,
    Service,
    ServiceContract,
    UpgradeNotice,
    Warranty,
    WarrantyTerms,
)


def _asset_choices(form: forms.ModelForm) -> None:
    """Installed assets named with their project: several projects run the same product."""
    if "asset" in form.fields:
        field = form.fields["asset"]
        field.queryset = InstalledProduct.objects.select_related("project").order_by("project__name", "name")
        field.label_from_instance = lambda asset: f"{asset.project}: {asset}"


# --- warranties and contracts -------------------------------------------------------------


class TermsForm(forms.ModelForm):
    """Covered causes and included services as checkboxes over the JSON lists."""

    covered_causes = forms.MultipleChoiceField(
        label=capfirst(_("causes covered")),
        choices=Cause.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Faults with a cause not ticked are billable."),
    )
    services_included = forms.MultipleChoiceField(
        label=capfirst(_("services included")),
        choices=Service.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Services not ticked are billable."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _asset_choices(self)


@admin.register(WarrantyTerms)
class WarrantyTermsAdmin(ServiceSavedMixin, SimpleHistoryAdmin):
    form = TermsForm
    list_display = ["name", "duration_months", "years", "causes", "services"]
    search_fields = ["name"]
    fields = ["name", "duration_months", "covered_causes", "services_included", "description"]

    def service_save(self, request: HttpRequest, obj: WarrantyTerms, data: dict[str, Any]) -> None:
        services.terms_save(terms=obj, **data)

    @admin.display(description=_("years"))
    def years(self, obj: WarrantyTerms) -> str:
        return f"{obj.duration_months / 12:g}"

    @admin.display(description=_("causes covered"))
    def causes(self, obj: WarrantyTerms) -> str:
        return ", ".join(str(Cause(value).label) for value in obj.covered_causes if value in Cause.values)

    @admin.display(description=_("services included"))
    def services(self, obj: WarrantyTerms) -> str:
        return ", ".join(str(Service(value).label) for value in obj.services_included if value in Service.values)


class WarrantyStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(coverage.STATUS_LABELS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Warranty]) -> QuerySet[Warranty]:
        if self.value() in coverage.STATUS_LABELS:
            return queryset.filter(coverage.status_filter(self.value(), desk_today()))
        return queryset


class WarrantyForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _asset_choices(self)
        self.fields["start_date"].required = False
        self.fields["start_date"].help_text = _("Empty: the project's final acceptance date.")


@admin.register(Warranty)
class WarrantyAdmin(ServiceSavedMixin, SimpleHistoryAdmin):
    """The last day covered follows from the start date and the terms' duration."""

    form = WarrantyForm
    list_display = ["project", "asset", "terms", "start_date", "end_date", "status"]
    list_filter = [WarrantyStatusFilter, "terms", "project__organisation"]
    list_select_related = ["project", "asset", "terms"]
    search_fields = ["project__name", "project__code", "asset__name", "asset__serial_number"]
    autocomplete_fields = ["project", "terms"]
    fields = ["project", "asset", "terms", "start_date", "end_date", "notes"]
    readonly_fields = ["end_date"]
    date_hierarchy = "end_date"

    def service_save(self, request: HttpRequest, obj: Warranty, data: dict[str, Any]) -> None:
        services.warranty_save(warranty=obj, **data)

    @admin.display(description=_("status"))
    def status(self, obj: Warranty) -> str:
        return str(coverage.STATUS_LABELS[coverage.warranty_status(obj, desk_today())])


@admin.register(ServiceContract)
class ServiceContractAdmin(ServiceSavedMixin, SimpleHistoryAdmin):
    form = TermsForm
    list_display = ["number", "project", "asset", "start_date", "end_date", "service_level"]
    list_filter = ["project__organisation"]
    list_select_related = ["project", "asset"]
    search_fields = ["number", "project__name", "project__code"]
    autocomplete_fields = ["project"]
    fields = [
        "number",
        "project",
        "asset",
        "start_date",
        "end_date",
        "service_level",
        "price_terms",
        "covered_causes",
        "services_included",
        "notes",
    ]
    date_hierarchy = "end_date"

    def service_save(self, request: HttpRequest, obj: ServiceContract, data: dict[str, Any]) -> None:
        services.contract_save(contract=obj, **data)


# --- inspections --------------------------------------------------------------------------


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ["position", "section", "label", "answer_kind", "unit", "guidance"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(InlinesSavedThroughServiceMixin, admin.ModelAdmin):
    """A template is copied into each visit when the visit is created: editing it changes
    the visits to come, not those already planned. Saved by ``services.checklist_save``."""

    list_display = ["name", "item_count", "updated_at"]
    search_fields = ["name"]
    fields = ["name", "description"]
    inlines = [ChecklistItemInline]

    def service_save(self, request, obj, data, inlines):
        items = sorted(inlines["checklistitem"], key=lambda row: row.get("position") or 0)
        return services.checklist_save(
            template=obj, name=data["name"], description=data.get("description", ""), items=items
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ChecklistTemplate]:
        return super().get_queryset(request).annotate(item_total=models.Count("items"))

    @admin.display(description=_("checks"), ordering="item_total")
    def item_count(self, obj: ChecklistTemplate) -> int:
        return obj.item_total


@admin.register(InspectionSchedule)
class InspectionScheduleAdmin(StaffChoiceMixin, ServiceSavedMixin, SimpleHistoryAdmin):
    list_display = ["name", "project", "rule", "first_date", "engineer", "checklist", "lead_days", "is_active"]
    list_filter = ["is_active", "checklist", "project__organisation"]
    list_select_related = ["project", "engineer", "checklist"]
    search_fields = ["name", "project__name", "project__code"]
    autocomplete_fields = ["project", "checklist"]
    staff_fields = ("engineer",)
    fields = ["project", "name", "rule", "first_date", "engineer", "checklist", "lead_days", "is_active"]

    def service_save(self, request: HttpRequest, obj: InspectionSchedule, data: dict[str, Any]) -> None:
        services.schedule_save(schedule=obj, **data)


class AnswerInline(ReadOnlyInline):
    model = InspectionAnswer
    fields = readonly_fields = ["section", "label", "answer_kind", "result", "value", "unit", "note"]


class PhotoInline(ReadOnlyInline):
    model = InspectionPhoto
    fields = readonly_fields = ["photo", "caption", "uploaded_by", "uploaded_at"]

    @admin.display(description=_("photo"))
    def photo(self, obj: InspectionPhoto) -> str:
        """A link to the photo through the page that checks who may see it (media files are
        not served as they are)."""
        link = reverse("maintenance:photo", args=[obj.inspection_id, obj.pk])
        return format_html('<a href="{}">{}</a>', link, obj.image.name.rsplit("/", 1)[-1])


class OverdueFilter(admin.SimpleListFilter):
    title = _("flagged overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Inspection]) -> QuerySet[Inspection]:
        if self.value() in ("yes", "no"):
            return queryset.filter(overdue_at__isnull=self.value() == "no")
        return queryset


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    """Read-only: visits are planned by their schedule or created as health checks, and done
    in the pages and the API, which keep the rules."""

    list_display = [
        "title",
        "project",
        "kind",
        "due_date",
        "engineer",
        "status",
        "overdue_at",
        "completed_at",
        "signed_off_on",
    ]
    list_filter = ["status", "kind", OverdueFilter, "project__organisation"]
    list_select_related = ["project", "engineer"]
    search_fields = ["title", "project__name", "project__code"]
    date_hierarchy = "due_date"
    inlines = [AnswerInline, PhotoInline]
    # the customer's sign-off, given in the portal or the API
    readonly_fields = ["signed_off_name", "signed_off_on", "sign_off_remarks", "signed_off_at", "signed_off_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Inspection | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Inspection | None = None) -> bool:
        return False


# --- return visits ------------------------------------------------------------------------


@admin.register(ReturnVisit)
class ReturnVisitAdmin(StaffChoiceMixin, ServiceSavedMixin, admin.ModelAdmin):
    """Planned return visits can be changed here; what the customer said is recorded in the
    pages, and a visit made or cancelled is read-only."""

    list_display = ["project", "scheduled_for", "staff", "contact_name", "status", "satisfaction", "ticket"]
    list_filter = ["status", "satisfaction", "project__organisation"]
    list_select_related = ["project", "staff", "ticket"]
    search_fields = ["project__name", "project__code", "contact_name", "ticket__reference"]
    autocomplete_fields = ["project", "ticket"]
    staff_fields = ("staff",)
    fields = [
        "project",
        "ticket",
        "scheduled_for",
        "staff",
        "contact_name",
        "notes",
        "status",
        "done_at",
        "satisfaction",
        "suggestions",
    ]
    readonly_fields = ["status", "done_at", "satisfaction", "suggestions"]
    date_hierarchy = "scheduled_for"

    def has_change_permission(self, request: HttpRequest, obj: ReturnVisit | None = None) -> bool:
        planned = obj is None or obj.status == ReturnVisit.Status.PLANNED
        return planned and super().has_change_permission(request, obj)

    def service_save(self, request: HttpRequest, obj: ReturnVisit, data: dict[str, Any]) -> None:
        services.return_visit_save(visit=obj, actor=request.user, **data)


@admin.register(ReturnVisitSchedule)
class ReturnVisitScheduleAdmin(StaffChoiceMixin, ServiceSavedMixin, SimpleHistoryAdmin):
    """Recurring return visits of a project (as inspection schedules), saved by
    ``services.return_visit_schedule_save``; the visits are created by beat."""

    list_display = ["name", "project", "rule", "first_date", "staff", "lead_days", "remind_days", "is_active"]
    list_filter = ["is_active", "project__organisation"]
    list_select_related = ["project", "staff"]
    search_fields = ["name", "project__name", "project__code"]
    autocomplete_fields = ["project"]
    staff_fields = ("staff",)
    fields = ["project", "name", "rule", "first_date", "staff", "lead_days", "remind_days", "is_active"]

    def service_save(self, request: HttpRequest, obj: ReturnVisitSchedule, data: dict[str, Any]) -> ReturnVisitSchedule:
        return services.return_visit_schedule_save(schedule=obj, actor=request.user, **data)


# --- products, releases and upgrades ------------------------------------------------------


class ReleaseInline(ReadOnlyInline):
    """Releases are recorded and published on their own page (the link)."""

    model = Release
    fields = ["version", "released_on", "kind", "security_advisory", "published_at"]
    show_change_link = True


@admin.register(Product)
class ProductAdmin(ServiceSavedMixin, admin.ModelAdmin):
    list_display = ["name", "updated_at"]
    search_fields = ["name"]
    fields = ["name", "description"]
    inlines = [ReleaseInline]

    def service_save(self, request, obj, data):
        return services.product_save(product=obj, **fields_of(data, self.fields))


@admin.register(Release)
class ReleaseAdmin(ServiceSavedMixin, admin.ModelAdmin):
    """Saved by ``services.release_save``; published to the projects that run the product by
    the action (``services.release_publish``)."""

    list_display = ["product", "version", "kind", "security_advisory", "released_on", "published_at"]
    list_filter = ["kind", "security_advisory", "product"]
    list_select_related = ["product"]
    search_fields = ["version", "product__name"]
    autocomplete_fields = ["product"]
    readonly_fields = ["published_at"]
    date_hierarchy = "released_on"
    actions = ["publish"]

    def service_save(self, request, obj, data):
        return services.release_save(release=obj, **data)

    @admin.action(description=_("Publish to the projects that run the product"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        total = 0
        for release in queryset.order_by("pk"):
            try:
                total += services.release_publish(release_id=release.pk, actor=request.user)
            except ServiceDeskError as error:
                self.message_user(request, f"{release}: {error.message}", messages.ERROR)
                return
        self.message_user(
            request,
            ngettext("%(count)d upgrade notice sent.", "%(count)d upgrade notices sent.", total) % {"count": total},
            messages.SUCCESS,
        )


@admin.register(UpgradeNotice)
class UpgradeNoticeAdmin(admin.ModelAdmin):
    """Read-only: the upgrade is tracked (planned, done, declined) in the pages and the API."""

    list_display = ["release", "project", "installed_product", "from_version", "decision", "status", "planned_for"]
    list_filter = ["status", "decision", "release__product", "project__organisation"]
    list_select_related = ["release__product", "project", "installed_product"]
    search_fields = ["project__name", "release__version", "release__product__name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: UpgradeNotice | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: UpgradeNotice | None = None) -> bool:
        return False
