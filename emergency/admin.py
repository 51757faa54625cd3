"""Administrators configure the grading matrix, the response plans, the rotas and the risks
here; incidents are read here and worked on in the pages and the API."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from emergency.models import (
    GradingRule,
    Incident,
    IncidentEntry,
    PlanResource,
    ResponsePlan,
    Risk,
    Rota,
    RotaMember,
    RotaOverride,
)


@admin.register(GradingRule)
class GradingRuleAdmin(admin.ModelAdmin):
    list_display = ["severity", "scope", "urgency", "grade"]
    list_editable = ["grade"]
    list_filter = ["severity", "scope", "urgency", "grade"]


class PlanResourceInline(admin.TabularInline):
    model = PlanResource
    extra = 0


@admin.register(ResponsePlan)
class ResponsePlanAdmin(SimpleHistoryAdmin):
    list_display = ["name", "grade", "response_minutes", "recovery_minutes", "calendar"]
    inlines = [PlanResourceInline]


class RotaMemberInline(admin.TabularInline):
    model = RotaMember
    extra = 0
    autocomplete_fields = ["user"]


class RotaOverrideInline(admin.TabularInline):
    model = RotaOverride
    extra = 0
    fields = ["user", "starts_at", "ends_at", "reason"]
    autocomplete_fields = ["user"]


@admin.register(Rota)
class RotaAdmin(SimpleHistoryAdmin):
    list_display = ["name", "shift_days", "handover", "timezone", "starts_on", "is_active"]
    inlines = [RotaMemberInline, RotaOverrideInline]


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    list_display = ["title", "project", "category", "likelihood", "impact", "owner", "review_date", "status"]
    list_filter = ["category", "status", "project__organisation"]
    search_fields = ["title", "project__name"]


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
