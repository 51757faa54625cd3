"""The admin of time entries on incidents: saved and deleted through ``emergency.services``."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import ServiceSavedMixin
from emergency import services
from emergency.models import IncidentTimeEntry


@admin.register(IncidentTimeEntry)
class IncidentTimeEntryAdmin(ServiceSavedMixin, admin.ModelAdmin):
    list_display = ["incident", "engineer", "minutes", "worked_at", "billable", "note"]
    list_filter = ["billable", "worked_at"]
    search_fields = ["incident__reference", "engineer__username", "note"]
    list_select_related = ["incident", "engineer"]
    raw_id_fields = ["incident"]
    date_hierarchy = "worked_at"
    fields = ["incident", "minutes", "worked_at", "billable", "note"]

    def get_readonly_fields(self, request: HttpRequest, obj: IncidentTimeEntry | None = None) -> list[str]:
        return ["incident", "engineer"] if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: IncidentTimeEntry | None = None) -> list[str]:
        return ["incident", "engineer", "minutes", "worked_at", "billable", "note"] if obj else self.fields

    def service_save(self, request: HttpRequest, obj: IncidentTimeEntry, data: dict[str, Any]) -> IncidentTimeEntry:
        if obj.pk:
            return services.incident_time_entry_update(
                actor=request.user,
                entry_id=obj.pk,
                minutes=data["minutes"],
                worked_at=data["worked_at"],
                billable=data["billable"],
                note=data["note"],
            )
        return services.incident_time_entry_add(
            actor=request.user,
            incident_id=data["incident"].pk,
            minutes=data["minutes"],
            worked_at=data["worked_at"],
            billable=data["billable"],
            note=data["note"],
        )

    def delete_model(self, request: HttpRequest, obj: IncidentTimeEntry) -> None:
        services.incident_time_entry_delete(actor=request.user, entry_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for entry in queryset:
            services.incident_time_entry_delete(actor=request.user, entry_id=entry.pk)
