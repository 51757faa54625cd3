"""API: /api/v1/inbound-emails/, every email the intake read and what became of it, and the
triage of those waiting for staff (open a ticket, add to a ticket, dismiss; file a quarantined
one again). Staff only: customers get 403, as for the other staff-only resources (quality
reviews)."""

import django_filters
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import IsStaffMember
from core.api import site_url, user_name
from core.api_input import StrictPrimaryKeyRelatedField
from core.filters import StrictFilterSet
from customers.models import Project
from mail import selectors, services
from mail.models import InboundMessage
from tickets.models import Priority, Ticket

MAX_QUERY = 200


class InboundEmailOutput(serializers.ModelSerializer):
    mailbox = serializers.SerializerMethodField(help_text="The mailbox's name; null: read from a file.")
    ticket_reference = serializers.SerializerMethodField()
    contact_name = serializers.SerializerMethodField()
    handled_by_name = serializers.SerializerMethodField()
    recipients = serializers.ListField(child=serializers.CharField(), help_text="Its To and Cc addresses.")
    attachment_names = serializers.ListField(child=serializers.CharField(), help_text="The files it carried.")
    original_url = serializers.SerializerMethodField(help_text="The original message (.eml, signed-in staff).")

    class Meta:
        model = InboundMessage
        fields = [
            "id",
            "message_id",
            "mailbox",
            "received_at",
            "sent_at",
            "sender",
            "sender_name",
            "recipients",
            "subject",
            "in_reply_to",
            "references",
            "body",
            "attachment_names",
            "size",
            "sender_verified",
            "status",
            "reason",
            "ticket",
            "ticket_reference",
            "contact",
            "contact_name",
            "handled_by",
            "handled_by_name",
            "handled_at",
            "original_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "size": {"help_text": "Bytes."},
            "sender_verified": {
                "help_text": "The receiving server (MAIL_AUTHSERV_ID) authenticated the From address: DMARC pass, or "
                "DKIM or SPF pass aligned with its domain."
            },
            "reason": {
                "source": "reason_display",
                "help_text": "Why it waits for triage, was ignored or quarantined, in the reader's language.",
            },
            "ticket": {"help_text": "The ticket it opened or was added to; for triage, the ticket it seems to answer."},
            "contact": {"help_text": "The customer contact it came from, when known."},
            "in_reply_to": {"help_text": "The Message-IDs it answers, space-separated."},
            "references": {"help_text": "The Message-IDs of its thread, space-separated."},
        }

    def get_mailbox(self, message: InboundMessage) -> str | None:
        return message.mailbox.name if message.mailbox_id else None

    def get_ticket_reference(self, message: InboundMessage) -> str | None:
        return message.ticket.reference if message.ticket_id else None

    def get_contact_name(self, message: InboundMessage) -> str | None:
        return user_name(message.contact)

    def get_handled_by_name(self, message: InboundMessage) -> str | None:
        return user_name(message.handled_by)

    def get_original_url(self, message: InboundMessage) -> str | None:
        return site_url(reverse("mail:original", args=[message.pk])) if message.raw else None


class InboundOpenTicketInput(serializers.Serializer):
    project = StrictPrimaryKeyRelatedField(queryset=Project.objects.all())
    reporter = StrictPrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), help_text="A contact of the project's organisation."
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)


class InboundAddToTicketInput(serializers.Serializer):
    ticket = StrictPrimaryKeyRelatedField(queryset=Ticket.objects.all())


class InboundEmailFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=InboundMessage.Status.choices)
    q = django_filters.CharFilter(
        method="filter_q", help_text="Words that must each appear in the sender's address or name, or the subject."
    )

    class Meta:
        model = InboundMessage
        fields = ["status", "q"]

    def filter_q(self, queryset, name, value):
        return queryset  # the view searches (selectors.inbound_messages)


@extend_schema(tags=["inbound-emails"])
class InboundEmailViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The emails the intake read, newest first, with what became of each: a ticket opened, a
    reply added, ignored (robots, the desk's own), quarantined (unreadable, too large) or
    waiting for triage. Staff file a waiting one as a ticket, add it to one, or dismiss it, and
    file a quarantined one again once its cause is fixed."""

    permission_classes = [IsStaffMember]
    serializer_class = InboundEmailOutput
    filterset_class = InboundEmailFilter
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        query = self.request.query_params.get("q", "")[:MAX_QUERY] if self.action == "list" else ""
        return selectors.inbound_messages(q=query)

    def _answer(self, message: InboundMessage) -> Response:
        message = self.get_queryset().get(pk=message.pk)
        return Response(InboundEmailOutput(message, context=self.get_serializer_context()).data)

    @extend_schema(request=InboundOpenTicketInput, responses={200: InboundEmailOutput})
    @action(detail=True, methods=["post"], url_path="open-ticket", url_name="open-ticket")
    def open_ticket(self, request, pk=None):
        """File a waiting email as a new ticket of the reporter (a contact of the project's
        organisation), received when the email arrived: its SLA clocks count from then."""
        message = self.get_object()
        data = InboundOpenTicketInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.inbound_open_ticket(inbound_id=message.pk, actor=request.user, **data.validated_data)
        )

    @extend_schema(request=InboundAddToTicketInput, responses={200: InboundEmailOutput})
    @action(detail=True, methods=["post"], url_path="add-to-ticket", url_name="add-to-ticket")
    def add_to_ticket(self, request, pk=None):
        """Add a waiting email to a ticket: as the contact's reply when the sender is a contact
        of the ticket's organisation, else as an internal note naming the sender."""
        message = self.get_object()
        data = InboundAddToTicketInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.inbound_add_to_ticket(inbound_id=message.pk, actor=request.user, **data.validated_data)
        )

    @extend_schema(request=None, responses={200: InboundEmailOutput})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Nothing to file (spam, a thank-you): a waiting or quarantined email is dismissed; it
        stays on record."""
        message = self.get_object()
        return self._answer(services.inbound_dismiss(inbound_id=message.pk, actor=request.user))

    @extend_schema(request=None, responses={200: InboundEmailOutput})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """File a quarantined email again from its stored original, once the cause is fixed; it is
        routed as if it had just arrived (400 with the reason if it still cannot be)."""
        message = self.get_object()
        return self._answer(services.inbound_retry(inbound_id=message.pk, actor=request.user))
