"""The admin's list of tickets linked to incidents: read and removed here (through
``incident_ticket_unlink``, so the timeline and the ticket's history say so)."""

from django.contrib import admin

from emergency.models import IncidentTicketLink
from emergency.services.links import incident_ticket_unlink


@admin.register(IncidentTicketLink)
class IncidentTicketLinkAdmin(admin.ModelAdmin):
    list_display = ["incident", "ticket", "created_by", "created_at"]
    search_fields = ["incident__reference", "ticket__reference"]
    list_select_related = ["incident", "ticket", "created_by"]
    readonly_fields = ["incident", "ticket", "created_by", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj: IncidentTicketLink) -> None:
        incident_ticket_unlink(actor=request.user, link=obj)

    def delete_queryset(self, request, queryset) -> None:
        for link in queryset:
            incident_ticket_unlink(actor=request.user, link=link)
