"""API: /api/v1/tickets/<id>/links/: the ticket's links to other tickets (duplicate of, related
to, caused by) and to incidents. Everyone who may see the ticket reads them (a customer only
the links within its organisation); staff add (POST) and remove (DELETE) them."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotAllowed
from emergency import selectors, selectors_links
from emergency.services.links import incident_ticket_link, incident_ticket_unlink
from tickets import selectors as ticket_selectors
from tickets.models import Ticket, TicketLink
from tickets.services.links import ticket_link, ticket_unlink


class TicketLinkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TicketLink.Kind.choices, help_text="As stored, from the link's source.")
    label = serializers.CharField(help_text='How this ticket reads the link: "Duplicate of", "Has duplicate", ….')
    direction = serializers.ChoiceField(
        choices=["source", "target"], help_text="source: this ticket is the link's source (it is the duplicate)."
    )
    ticket = serializers.IntegerField(help_text="The other ticket's id.")
    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    created_at = serializers.DateTimeField()


class IncidentLinkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    incident = serializers.IntegerField(source="incident_id")
    reference = serializers.CharField(source="incident.reference")
    title = serializers.CharField(source="incident.title")
    status = serializers.CharField(source="incident.status")
    created_at = serializers.DateTimeField()


class TicketLinksOutput(serializers.Serializer):
    tickets = TicketLinkOutput(many=True)
    incidents = IncidentLinkOutput(many=True)


class TicketLinkInput(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=TicketLink.Kind.choices, required=False, help_text="With ticket: how this ticket relates to it."
    )
    ticket = serializers.IntegerField(min_value=1, required=False, help_text="Link to this ticket (with kind).")
    incident = serializers.IntegerField(min_value=1, required=False, help_text="Or link to this incident.")

    def validate(self, attrs):
        if ("ticket" in attrs) == ("incident" in attrs):
            raise serializers.ValidationError({"ticket": [_("Name either a ticket or an incident.")]})
        if "ticket" in attrs and "kind" not in attrs:
            raise serializers.ValidationError({"kind": [_("Choose how the tickets are linked.")]})
        return attrs


def _links(ticket: Ticket, user) -> dict:
    tickets = [
        {
            "id": view.link.pk,
            "kind": view.link.kind,
            "label": view.label,
            "direction": view.direction,
            "ticket": view.other.pk,
            "reference": view.other.reference,
            "title": view.other.title,
            "status": view.other.status,
            "created_at": view.link.created_at,
        }
        for view in ticket_selectors.ticket_links(ticket=ticket, user=user)
    ]
    incidents = list(selectors_links.ticket_incident_links(ticket=ticket, user=user))
    return TicketLinksOutput({"tickets": tickets, "incidents": incidents}).data


def _staff(user) -> None:
    if not user.is_staff_member:
        raise NotAllowed(_("Only staff may link tickets."))


class TicketLinksView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["tickets"], responses={200: TicketLinksOutput})
    def get(self, request, ticket_id: int):
        """The ticket's links to other tickets and to incidents."""
        ticket = ticket_selectors.ticket_get(user=request.user, pk=ticket_id)
        return Response(_links(ticket, request.user))

    @extend_schema(tags=["tickets"], request=TicketLinkInput, responses={201: TicketLinksOutput})
    def post(self, request, ticket_id: int):
        """Link the ticket to another ticket (``kind`` and ``ticket``) or to an incident
        (``incident``); answers with all the ticket's links."""
        ticket = ticket_selectors.ticket_get(user=request.user, pk=ticket_id)
        _staff(request.user)
        data = TicketLinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if "ticket" in fields:
            target = ticket_selectors.ticket_list(user=request.user).filter(pk=fields["ticket"]).first()
            if target is None:
                raise serializers.ValidationError({"ticket": [_("No such ticket.")]})
            ticket_link(actor=request.user, ticket=ticket, target=target, kind=fields["kind"])
        else:
            incident = selectors.incident_list(user=request.user).filter(pk=fields["incident"]).first()
            if incident is None:
                raise serializers.ValidationError({"incident": [_("No such incident.")]})
            incident_ticket_link(actor=request.user, incident=incident, ticket=ticket)
        return Response(_links(ticket, request.user), status=status.HTTP_201_CREATED)


class TicketLinkDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["tickets"], responses={204: None})
    def delete(self, request, ticket_id: int, link_id: int):
        """Remove a link to another ticket."""
        ticket = ticket_selectors.ticket_get(user=request.user, pk=ticket_id)
        link = ticket_selectors.ticket_link_get(ticket=ticket, user=request.user, pk=link_id)
        if link is None:
            raise Http404
        _staff(request.user)
        ticket_unlink(actor=request.user, link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IncidentLinkDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["tickets"], responses={204: None})
    def delete(self, request, ticket_id: int, link_id: int):
        """Remove the ticket's link to an incident."""
        ticket = ticket_selectors.ticket_get(user=request.user, pk=ticket_id)
        link = get_object_or_404(selectors_links.ticket_incident_links(ticket=ticket, user=request.user), pk=link_id)
        _staff(request.user)
        incident_ticket_unlink(actor=request.user, link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)
