"""Everything the desk holds about one person, as one ZIP: ``personal-data.json`` and the files
they uploaded under ``attachments/`` (docs/personal-data.md).

What goes in: the person's own rows (their profile, the tickets they reported or are copied
on, their own replies and notes, the files they uploaded, enrolments, notifications and the
emails sent to them, their sign-ins and other audit lines about them, sessions and API tokens
without any key, time entries, inspection sign-offs, emails they sent) and, generically, every
other row that points at them through a foreign key. What does not: other people's replies on
the same tickets and staff's internal notes about them (they are not the person's data, and a
customer never saw the notes in the portal); keys, hashes and secrets.

The queries are a fixed number per export (one per kind of row), whatever the amount of data;
attachment files are copied from storage into the ZIP in chunks, never held whole in memory.
"""

import datetime
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from typing import IO, Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import ApiToken, AuditEvent, User
from accounts.services.audit import record
from mail.models import CcRequest, InboundMessage
from maintenance.models import Inspection
from notifications.models import Delivery, Notification
from tickets.models import Attachment, Comment, Ticket
from training.models import Enrolment

FORMAT = "servicedesk-personal-data/1"
JSON_NAME = "personal-data.json"
# never exported, whatever model they are on
SECRET_FIELDS = {"password", "key", "key_hash", "nonce", "secret", "token", "session_key", "session_data", "bin_key"}
# (model label, field) read by a section of their own; the generic part skips them
CURATED = {
    ("tickets.ticket", "reporter"),
    ("tickets.comment", "author"),
    ("tickets.attachment", "uploaded_by"),
    ("training.enrolment", "contact"),
    ("notifications.notification", "recipient"),
    ("notifications.delivery", "recipient"),
    ("accounts.auditevent", "user"),
    ("accounts.auditevent", "actor"),  # lines about other people, written by this admin
    ("accounts.apitoken", "user"),
    ("accounts.usersession", "user"),
    ("maintenance.inspection", "signed_off_by"),
    ("mail.inboundmessage", "contact"),
}


def _rows(queryset: models.QuerySet, *fields: str) -> list[dict[str, Any]]:
    return list(queryset.values(*fields))


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\- ]+", "_", name).strip(" .") or "file"


def _profile(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "job_title": user.job_title,
        "role": user.role,
        "organisation": user.organisation.name if user.organisation_id else None,
        "time_zone": user.time_zone,
        "language": user.language,
        "is_active": user.is_active,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }


TICKET_FIELDS = (
    "id",
    "reference",
    "organisation__name",
    "project__name",
    "title",
    "description",
    "category",
    "priority",
    "status",
    "channel",
    "occurred_at",
    "location",
    "impact",
    "measures_taken",
    "received_at",
    "resolved_at",
    "closed_at",
    "rating",
    "rating_comment",
    "cc",
)


def _tickets_copied(email: str) -> list[dict[str, Any]]:
    """Tickets whose CC list holds the address (one query; the exact match is checked here)."""
    if not email:
        return []
    rows = _rows(
        Ticket.objects.annotate(cc_text=Cast("cc", TextField())).filter(cc_text__icontains=email), *TICKET_FIELDS
    )
    wanted = email.casefold()
    return [row for row in rows if any(str(address).casefold() == wanted for address in row["cc"] or [])]


def _sessions(user: User) -> list[dict[str, Any]]:
    """The person's signed-in sessions, from the session list when the desk keeps one."""
    try:
        model = apps.get_model("accounts", "UserSession")
    except LookupError:
        return []
    fields = [f.name for f in model._meta.concrete_fields if f.name not in SECRET_FIELDS and f.name != "user"]
    return _rows(model.objects.filter(user=user), *fields)


def _user_foreign_keys() -> Iterable[tuple[type[models.Model], models.Field]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            curated = (model._meta.label_lower, field.name) in CURATED
            if field.many_to_one and field.related_model is User and not curated:
                yield model, field


def _other_records(user: User) -> dict[str, list[dict[str, Any]]]:
    """Every other row pointing at the person (time entries, macros, queue views, visits, …),
    its columns as stored (foreign keys as ids), secrets left out."""
    found: dict[str, list[dict[str, Any]]] = {}
    for model, field in _user_foreign_keys():
        columns = [f.attname for f in model._meta.concrete_fields if f.name not in SECRET_FIELDS]
        rows = list(model._base_manager.filter(**{field.name: user}).order_by("pk").values(*columns))
        if rows:
            found[f"{model._meta.label_lower}.{field.name}"] = rows
    return found


def personal_data(user: User) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The export's document and the attachments to copy (their rows, with ``path`` in the ZIP)."""
    attachments = _rows(
        Attachment.objects.filter(uploaded_by=user).order_by("pk"),
        "id",
        "ticket__reference",
        "name",
        "content_type",
        "size",
        "public",
        "created_at",
        "file",
    )
    for row in attachments:
        row["path"] = f"attachments/{row['id']}-{_safe_name(row['name'])}"
    email = user.email
    address_q = Q(address__iexact=email) if email else Q(pk__in=[])
    document = {
        "format": FORMAT,
        "exported_at": timezone.now(),
        "profile": _profile(user),
        "tickets_reported": _rows(Ticket.objects.filter(reporter=user).order_by("received_at", "pk"), *TICKET_FIELDS),
        "tickets_copied": _tickets_copied(email),
        "comments": _rows(
            Comment.objects.filter(author=user).order_by("created_at", "pk"),
            "id",
            "ticket__reference",
            "body",
            "public",
            "created_at",
        ),
        "attachments": [{k: v for k, v in row.items() if k != "file"} for row in attachments],
        "training_enrolments": _rows(
            Enrolment.objects.filter(contact=user).order_by("queued_at", "pk"),
            "id",
            "session__title",
            "session__starts_at",
            "status",
            "queued_at",
            "attendance",
            "attendance_at",
            "cancelled_at",
        ),
        "notifications": _rows(
            Notification.objects.filter(recipient=user).order_by("created_at", "pk"),
            "id",
            "reason",
            "title",
            "body",
            "url",
            "reference",
            "created_at",
            "read_at",
        ),
        "deliveries": _rows(
            Delivery.objects.filter(Q(recipient=user) | (Q(recipient__isnull=True) & address_q)).order_by(
                "created_at", "pk"
            ),
            "id",
            "channel",
            "address",
            "subject",
            "body",
            "status",
            "created_at",
        ),
        "audit_events": [
            {**{k: v for k, v in row.items() if k != "actor_id"}, "by_someone_else": row["actor_id"] is not None}
            for row in _rows(
                AuditEvent.objects.filter(Q(user=user) | Q(user__isnull=True, username__iexact=user.username)),
                "id",
                "at",
                "kind",
                "username",
                "address",
                "user_agent",
                "method",
                "detail",
                "actor_id",
            )
        ],
        "sessions": _sessions(user),
        "api_tokens": _rows(
            ApiToken.objects.filter(user=user),
            "id",
            "name",
            "prefix",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        ),
        "inspection_sign_offs": _rows(
            Inspection.objects.filter(signed_off_by=user).order_by("pk"),
            "id",
            "title",
            "project__name",
            "signed_off_at",
            "signed_off_name",
            "signed_off_on",
            "sign_off_remarks",
        ),
        "emails_sent": _rows(
            InboundMessage.objects.filter(Q(contact=user) | (Q(sender__iexact=email) if email else Q(pk__in=[])))
            .order_by("received_at", "pk")
            .distinct(),
            "id",
            "message_id",
            "received_at",
            "sender",
            "sender_name",
            "recipients",
            "subject",
            "body",
            "status",
            "ticket__reference",
        ),
        "cc_requests": _rows(
            CcRequest.objects.filter(address_q).order_by("pk"), "id", "ticket__reference", "status", "created_at"
        ),
        "other_records": _other_records(user),
    }
    return document, attachments


def personal_data_export_to(*, user: User, actor: User | None, out: IO[bytes]) -> dict[str, int]:
    """Write the ZIP into ``out`` and audit it; the number of rows per section."""
    document, attachments = personal_data(user)
    storage = Attachment._meta.get_field("file").storage
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for row, listed in zip(attachments, document["attachments"], strict=True):
            try:
                with storage.open(row["file"], "rb") as source, archive.open(row["path"], "w") as target:
                    shutil.copyfileobj(source, target, 1024 * 1024)
            except (FileNotFoundError, OSError, ValueError):
                listed["path"] = None
                listed["missing"] = True
        archive.writestr(JSON_NAME, json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
    counts = {
        name: len(value) for name, value in document.items() if isinstance(value, (list, dict)) and name != "profile"
    }
    record(AuditEvent.Kind.DATA_EXPORTED, user=user, actor=actor, **counts)
    return counts


def personal_data_export(*, user: User, actor: User | None) -> bytes:
    """The ZIP as bytes (the API and tests; pages stream ``personal_data_export_file``)."""
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
        personal_data_export_to(user=user, actor=actor, out=out)
        out.seek(0)
        return out.read()


def personal_data_export_file(*, user: User, actor: User | None) -> IO[bytes]:
    """The ZIP in a temporary file (on disk past 8 MB), rewound: hand it to a FileResponse."""
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    personal_data_export_to(user=user, actor=actor, out=out)
    out.seek(0)
    return out


def export_filename(user: User, now: datetime.datetime | None = None) -> str:
    return f"personal-data-{user.pk}-{(now or timezone.now()):%Y%m%d}.zip"
