"""API: POST /api/v1/tickets/<id>/merge/ (staff): merge the ticket into another of its
organisation (tickets.services.merge)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotAllowed
from tickets import selectors
from tickets.api.tickets import TicketOutput
from tickets.models import Ticket
from tickets.services.merge import ticket_merge


class TicketMergeInput(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, help_text="The id of the ticket this one continues in.")


def ticket_by_id(*, user, pk: int, field: str) -> Ticket:
    """A ticket named in the input: one the user may see, or a 400 on ``field``."""
    ticket = selectors.ticket_list(user=user).filter(pk=pk).first()
    if ticket is None:
        raise serializers.ValidationError({field: [_("No such ticket.")]})
    return ticket


class TicketMergeView(APIView):
    """Merge the ticket into another (staff): its replies, notes, attachments and CC addresses
    move to that ticket, it closes with ``merged_into`` set, its running SLA clocks are cancelled
    (neither met nor breached) and its reporter is told. Refused with 400 and a message: another
    organisation's ticket, itself, a closed or already merged ticket. Customers: 403 on their own
    tickets, 404 on others'."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["tickets"], request=TicketMergeInput, responses={200: TicketOutput})
    def post(self, request, ticket_id: int):
        ticket = selectors.ticket_get(user=request.user, pk=ticket_id)
        if not request.user.is_staff_member:
            raise NotAllowed(_("Only staff may merge tickets."))
        data = TicketMergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        into = ticket_by_id(user=request.user, pk=data.validated_data["into"], field="into")
        ticket_merge(actor=request.user, ticket=ticket, into=into)
        ticket = selectors.ticket_list(user=request.user).get(pk=ticket.pk)
        return Response(TicketOutput(ticket, context={"request": request}).data)
