"""Erasing a departed contact (docs/personal-data.md).

Only customers' contacts are erased; staff accounts are deactivated instead (their name stays
on the work they did). A contact is not erased while they are the only contact of an open
ticket: the reporter of a ticket that is not closed, whose organisation has no other active
contact to take it over (every contact of an organisation sees and can answer its tickets).

Otherwise, in one transaction: the account is closed (placeholder name, ``erased-<id>`` user
name, ``erased-<id>@invalid`` email, no phone, job title or preferences, unusable password,
inactive), its sessions ended, API tokens and calendar links revoked, second-factor devices
and the links to a directory entry or OpenID account deleted; the address leaves every CC list
and pending CC approval, emails they sent lose their original message and their sender is
replaced, inspection sign-offs name the placeholder, audit lines carry the new user name;
then every text column of every table is swept for the old email address, phone number and
full name (the history tables and the tickets' event data included). Tickets, replies and
files stay: they are the organisation's record, now under the placeholder. Not undoable.
"""

import dataclasses
import json
import logging
import re
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import device_classes

from accounts.models import AuditEvent, CalendarLink, User
from accounts.services import api_tokens_revoke_all, two_factor
from accounts.services.audit import record
from accounts.services.sessions import sessions_end_all
from customers.models import Project
from identity.models import ExternalIdentity
from mail.models import CcRequest, InboundMessage
from maintenance.models import Inspection
from notifications.models import Delivery
from tickets.models import Ticket

logger = logging.getLogger(__name__)

PLACEHOLDER_FIRST_NAME = "Erased contact"  # a neutral fixed text, the same in every language
# strings shorter than this are not swept from free text (a two-letter name would hit everything)
SWEEP_MIN_LENGTH = 5
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)
SKIPPED_TABLES = {"django_session"}


@dataclasses.dataclass
class ErasureReport:
    user_id: int
    username: str
    sessions_ended: int = 0
    tokens_revoked: int = 0
    devices_deleted: int = 0
    external_identities: int = 0
    tickets_uncopied: int = 0
    cc_requests: int = 0
    emails: int = 0
    originals_deleted: int = 0
    sign_offs: int = 0
    audit_lines: int = 0
    swept: dict[str, int] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def erased_username(user_id: int) -> str:
    return f"erased-{user_id}"


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@invalid"


def is_erased(user: User) -> bool:
    return user.username == erased_username(user.pk) and user.email == erased_email(user.pk)


def blocking_tickets(user: User) -> models.QuerySet[Ticket]:
    """The open tickets of which ``user`` is the only contact (why an erasure is refused)."""
    other_contact = User.objects.filter(
        role=User.Role.CUSTOMER, is_active=True, organisation_id=OuterRef("organisation_id")
    ).exclude(pk=user.pk)
    return (
        Ticket.objects.filter(reporter=user)
        .exclude(status=Ticket.Status.CLOSED)
        .exclude(Exists(other_contact))
        .order_by("reference")
    )


def erasure_refusal(user: User) -> str | None:
    """Why ``user`` cannot be erased now, in the reader's language; None when they can."""
    if user.is_staff_member:
        return _("Only customers' contacts can be erased; deactivate a staff account instead.")
    if is_erased(user):
        return _("This contact has already been erased.")
    references = list(blocking_tickets(user).values_list("reference", flat=True)[:20])
    if references:
        return _(
            "This contact is the only contact of open tickets: %(tickets)s. Close them, or add another "
            "contact to the organisation who can take them over, first."
        ) % {"tickets": ", ".join(references)}
    return None


def _replace_text(text: str, replacements: list[tuple[re.Pattern, str]]) -> str:
    for pattern, new in replacements:
        text = pattern.sub(new, text)
    return text


def _replace_json(value: Any, replacements: list[tuple[re.Pattern, str]]) -> Any:
    if isinstance(value, str):
        return _replace_text(value, replacements)
    if isinstance(value, list):
        return [_replace_json(item, replacements) for item in value]
    if isinstance(value, dict):
        return {key: _replace_json(item, replacements) for key, item in value.items()}
    return value


def _text_columns() -> Iterable[tuple[type[models.Model], models.Field]]:
    for model in apps.get_models():
        if model._meta.db_table in SKIPPED_TABLES or model is User or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, TEXT_FIELDS) and not field.primary_key:
                yield model, field


def sweep(olds: list[str], replacements: list[tuple[re.Pattern, str]]) -> dict[str, int]:
    """Replace the old strings in every text and JSON column of every table (case-insensitive);
    the number of rows changed per ``app.model.field``."""
    changed: dict[str, int] = {}
    for model, field in _text_columns():
        matches = Q()
        for old in olds:
            matches |= Q(_privacy_text__icontains=old)
        rows = (
            model._base_manager.annotate(_privacy_text=Cast(field.name, TextField()))
            .filter(matches)
            .values_list("pk", field.attname)
        )
        count = 0
        for pk, value in rows:
            if isinstance(field, models.JSONField):
                if isinstance(value, str):  # some backends hand the JSON over as text
                    value = json.loads(value)
                new = _replace_json(value, replacements)
            else:
                new = _replace_text(value, replacements)
            if new != value:
                model._base_manager.filter(pk=pk).update(**{field.attname: new})
                count += 1
        if count:
            changed[f"{model._meta.label_lower}.{field.name}"] = count
    return changed


def _pattern(old: str) -> re.Pattern:
    return re.compile(re.escape(old), re.IGNORECASE)


def _sweepable(user: User) -> list[tuple[str, str]]:
    """(old, new) pairs the sweep replaces in free text: the email, the phone, the full name (in
    either order)."""
    placeholder = f"{PLACEHOLDER_FIRST_NAME} {user.pk}"
    reversed_name = f"{user.last_name} {user.first_name}".strip()  # family name first, as often in Chinese
    pairs = [
        (user.email, erased_email(user.pk)),
        (user.phone, ""),
        (user.get_full_name(), placeholder),
        (reversed_name, placeholder),
    ]
    return [(old, new) for old, new in pairs if old and len(old.strip()) >= SWEEP_MIN_LENGTH]


@transaction.atomic
def contact_erase(*, user: User, actor: User | None) -> ErasureReport:
    """Erase a departed contact (the module's docstring says what that does); raises
    ``ValidationError`` with the reason when refused."""
    user = User.objects.select_for_update().get(pk=user.pk)
    reason = erasure_refusal(user)
    if reason:
        raise ValidationError(reason, code="refused")
    old_email, old_username = user.email, user.username
    pairs = _sweepable(user)
    report = ErasureReport(user_id=user.pk, username=erased_username(user.pk))
    placeholder = f"{PLACEHOLDER_FIRST_NAME} {user.pk}"

    # the account
    user.first_name, user.last_name = PLACEHOLDER_FIRST_NAME, str(user.pk)
    user.username, user.email = erased_username(user.pk), erased_email(user.pk)
    user.phone = user.job_title = user.time_zone = user.language = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    # an inactive account signs nobody in: sessions the list does not know end with it
    report.sessions_ended = sessions_end_all(user=user, actor=actor, reason="erased")
    report.tokens_revoked = api_tokens_revoke_all(user=user, actor=actor)
    CalendarLink.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    for device_model in device_classes():
        report.devices_deleted += device_model.objects.filter(user=user).delete()[1].get(device_model._meta.label, 0)
    two_factor.forget_cached_state(user)
    Project.objects.filter(customer_liaison=user).update(customer_liaison=None)
    # the link to their directory entry or provider account (a later sign-in there makes a new account)
    report.external_identities = ExternalIdentity.objects.filter(user=user).delete()[0]
    Delivery.objects.filter(recipient=user, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.FAILED, last_error="recipient erased"
    )

    # the places that hold the address or the name as data
    if old_email:
        wanted = old_email.casefold()
        copied = Ticket.objects.annotate(cc_text=Cast("cc", TextField())).filter(cc_text__icontains=old_email)
        for ticket in copied.only("pk", "cc"):
            kept = [address for address in ticket.cc if str(address).casefold() != wanted]
            if kept != ticket.cc:
                Ticket.objects.filter(pk=ticket.pk).update(cc=kept)
                report.tickets_uncopied += 1
        report.cc_requests = CcRequest.objects.filter(address__iexact=old_email).update(address=erased_email(user.pk))
    sent = InboundMessage.objects.filter(Q(contact=user) | (Q(sender__iexact=old_email) if old_email else Q()))
    for message in sent.only("pk", "raw"):
        if message.raw:
            name = message.raw.name
            transaction.on_commit(lambda name=name: _delete_stored(InboundMessage, "raw", name))
            report.originals_deleted += 1
    report.emails = sent.update(sender=erased_email(user.pk), sender_name=placeholder, raw="")
    report.sign_offs = Inspection.objects.filter(signed_off_by=user).update(signed_off_name=placeholder)
    report.audit_lines = AuditEvent.objects.filter(
        Q(user=user) | Q(user__isnull=True, username__iexact=old_username)
    ).update(username=user.username)

    # everything else: free text, headers, event data, history tables
    report.swept = sweep([old for old, _new in pairs], [(_pattern(old), new) for old, new in pairs])
    record(
        AuditEvent.Kind.DATA_ERASED,
        user=user,
        actor=actor,
        **{k: v for k, v in report.as_dict().items() if k not in ("user_id", "username")},
    )
    logger.info("personal data of user %s erased: %s", user.pk, report.as_dict())
    return report


def _delete_stored(model: type[models.Model], field: str, name: str) -> None:
    """Delete a stored file after the erasure committed (a rolled-back erasure keeps it)."""
    try:
        model._meta.get_field(field).storage.delete(name)
    except OSError:
        logger.exception("could not delete %s", name)
