"""Read queries of the email intake, shared by the pages and the API (both staff only)."""

from django.db.models import Q, QuerySet

from mail.models import CcRequest, InboundMessage


def inbound_messages(status: str | None = None, q: str = "") -> QuerySet[InboundMessage]:
    """Inbound emails, newest first. ``status``: one of ``InboundMessage.Status`` (None or an
    unknown value: every status); ``q``: words that must each appear in the sender's address or
    name, or in the subject (any case)."""
    queryset = InboundMessage.objects.select_related("ticket", "mailbox", "contact", "handled_by").order_by(
        "-received_at", "-pk"
    )
    if status and status in InboundMessage.Status.values:
        queryset = queryset.filter(status=status)
    for word in q.split()[:10]:
        queryset = queryset.filter(
            Q(sender__icontains=word) | Q(sender_name__icontains=word) | Q(subject__icontains=word)
        )
    return queryset


def triage_count() -> int:
    """How many emails wait for triage (the user menu's badge)."""
    return InboundMessage.objects.filter(status=InboundMessage.Status.TRIAGE).count()


def pending_cc_requests(*, ticket_id: int) -> QuerySet[CcRequest]:
    """The CC addresses of a ticket waiting for a staff decision, oldest first, with the email
    that asked for each."""
    return (
        CcRequest.objects.filter(ticket_id=ticket_id, status=CcRequest.Status.PENDING)
        .select_related("inbound")
        .order_by("created_at", "pk")
    )
