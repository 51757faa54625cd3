"""The admin of time entries on tickets: saved and deleted through ``tickets.services`` (so the
history, the checks and the billable labour follow)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import ServiceSavedMixin
from tickets import services
from tickets.models import TimeEntry


@admin.register(TimeEntry)
class TimeEntryAdmin(ServiceSavedMixin, admin.ModelAdmin):
    list_display = ["ticket", "engineer", "minutes", "worked_at", "billable", "note"]
    list_filter = ["billable", "worked_at"]
    search_fields = ["ticket__reference", "engineer__username", "note"]
    list_select_related = ["ticket", "engineer"]
    raw_id_fields = ["ticket"]
    date_hierarchy = "worked_at"
    fields = ["ticket", "engineer", "minutes", "worked_at", "billable", "note"]

    def get_readonly_fields(self, request: HttpRequest, obj: TimeEntry | None = None) -> list[str]:
        return ["ticket", "engineer"] if obj is not None else []

    def service_save(self, request: HttpRequest, obj: TimeEntry, data: dict[str, Any]) -> TimeEntry:
        if obj.pk:
            return services.time_entry_update(
                actor=request.user,
                entry_id=obj.pk,
                minutes=data["minutes"],
                worked_at=data["worked_at"],
                billable=data["billable"],
                note=data["note"],
            )
        return services.time_entry_add(
            actor=request.user,
            ticket_id=data["ticket"].pk,
            engineer=data["engineer"],
            minutes=data["minutes"],
            worked_at=data["worked_at"],
            billable=data["billable"],
            note=data["note"],
        )

    def delete_model(self, request: HttpRequest, obj: TimeEntry) -> None:
        services.time_entry_delete(actor=request.user, entry_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for entry in queryset:
            services.time_entry_delete(actor=request.user, entry_id=entry.pk)
