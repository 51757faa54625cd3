"""The admin's list of ticket links: read and removed here (through ``ticket_unlink``, so both
histories say so); made on the ticket page or through the API."""

from django.contrib import admin

from tickets.models import TicketLink
from tickets.services.links import ticket_unlink


@admin.register(TicketLink)
class TicketLinkAdmin(admin.ModelAdmin):
    list_display = ["source", "kind", "target", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["source__reference", "target__reference"]
    list_select_related = ["source", "target", "created_by"]
    readonly_fields = ["source", "kind", "target", "created_by", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj: TicketLink) -> None:
        ticket_unlink(actor=request.user, link=obj)

    def delete_queryset(self, request, queryset) -> None:
        for link in queryset:
            ticket_unlink(actor=request.user, link=link)
