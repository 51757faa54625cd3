"""What the intake services share: the desk's own addresses, the ticket a message answers, the
project a new one goes to."""

import logging
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceDeskError
from core.writes import assign, validated_save
from customers.models import Project
from mail.models import InboundMessage, Mailbox, RoutingRule
from mail.parsing import ParsedMessage
from notifications.models import Delivery
from tickets.models import Priority, Ticket

logger = logging.getLogger(__name__)


Status = InboundMessage.Status


REFERENCE = re.compile(r"\bSD-\d{4}-\d{6}\b")


REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|答复|回复|回覆|转发|轉寄)\s*[:：]\s*)+", re.IGNORECASE)


ORIGINAL_NAME = "original-message.eml"


def own_addresses(mailbox: Mailbox | None = None) -> set[str]:
    """The desk's addresses: mail from them is its own, and they are never copied on a ticket."""
    addresses = {settings.DEFAULT_FROM_EMAIL, settings.MAIL_REPLY_TO, settings.MAIL_ADDRESS}
    addresses |= set(Mailbox.objects.exclude(address="").values_list("address", flat=True))
    if mailbox is not None:
        addresses |= {mailbox.address, mailbox.username}
    return {a.strip().lower() for a in addresses if a and "@" in a}


def thread_ticket(parsed: ParsedMessage) -> Ticket | None:
    """The ticket the message answers: by the Message-IDs it names (the desk's emails, the
    messages already on a ticket, the email that opened one), nearest first; else by the
    ticket reference in its subject."""
    ids = parsed.thread_ids
    if ids:
        # one query: (Message-ID, ticket) from the three places a thread's ids are kept
        sent = Delivery.objects.filter(message_id__in=ids, ticket_id__isnull=False).order_by()
        read = InboundMessage.objects.filter(message_id__in=ids, ticket__isnull=False).order_by()
        opened = Ticket.objects.filter(email_thread__in=ids).order_by()
        sent, read = sent.values_list("message_id", "ticket_id"), read.values_list("message_id", "ticket")
        opened = opened.values_list("email_thread", "pk")
        found: dict[str, int] = {}
        for message_id, ticket_id in sent.union(read, opened, all=True):
            found.setdefault(message_id, ticket_id)
        for message_id in ids:
            if message_id in found:
                return Ticket.objects.select_related("organisation", "reporter").get(pk=found[message_id])
    match = REFERENCE.search(parsed.subject)
    if match:
        return Ticket.objects.select_related("organisation", "reporter").filter(reference=match.group()).first()
    return None


def choose_project(contact: User, parsed: ParsedMessage, mailbox: Mailbox | None) -> tuple[Project | None, str]:
    """The project and priority of a contact's new email: the first active rule that matches
    and names a project of the contact's organisation, else the mailbox's default project if
    it is theirs, else their organisation's only active project."""
    projects = Project.objects.filter(organisation_id=contact.organisation_id, is_active=True)
    rules = (
        RoutingRule.objects.filter(is_active=True, project__in=projects)
        .filter(Q(mailbox=None) | Q(mailbox=mailbox) if mailbox is not None else Q(mailbox=None))
        .select_related("project")
    )
    fields = {
        RoutingRule.Field.SENDER: [parsed.sender],
        RoutingRule.Field.RECIPIENT: parsed.to + parsed.cc + parsed.delivered_to,
        RoutingRule.Field.SUBJECT: [parsed.subject],
    }
    for rule in rules:
        if any(rule.contains.lower() in value.lower() for value in fields[rule.field]):
            return rule.project, rule.priority
    if mailbox is not None and mailbox.default_project_id and mailbox.default_project in projects:
        return mailbox.default_project, Priority.NORMAL
    only = list(projects[:2])
    return (only[0] if len(only) == 1 else None), Priority.NORMAL


@transaction.atomic
def routing_rule_save(*, rule: RoutingRule | None = None, **fields: Any) -> RoutingRule:
    """Create or change a routing rule; a rule for a project no longer active would never apply."""
    project = fields.get("project")
    if project is not None and not project.is_active:
        raise ServiceDeskError(_("This project is no longer active: a rule for it would never apply."), field="project")
    rule = rule or RoutingRule()
    assign(rule, fields)
    validated_save(rule)
    return rule
