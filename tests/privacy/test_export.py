"""The personal-data export: one ZIP with every kind of the person's data and their files, and
nothing of anyone else; a fixed number of queries; audited."""

import io
import json
import zipfile

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from privacy.services.export import personal_data_export
from tests.privacy.conftest import EMAIL, FILE_BYTES, NAME, PHONE
from tickets import services as tickets


def keys_of(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_of(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_of(item)}
    return set()


def unzip(data: bytes) -> tuple[dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return json.loads(archive.read("personal-data.json")), archive


def test_the_export_holds_every_kind_of_the_contacts_data_and_their_files(world, admin_user):
    # when
    document, archive = unzip(personal_data_export(user=world.contact, actor=admin_user))
    # then: the profile
    profile = document["profile"]
    assert (profile["email"], profile["phone"], profile["first_name"]) == (EMAIL, PHONE, "Meilin")
    # tickets reported and copied on
    assert [t["reference"] for t in document["tickets_reported"]] == [world.ticket.reference]
    assert [t["reference"] for t in document["tickets_copied"]] == [world.copied.reference]
    # their own replies only
    assert [c["body"] for c in document["comments"]] == [world.own_comment.body]
    # the file, listed and inside the ZIP
    (listed,) = document["attachments"]
    assert listed["name"] == "wiring.pdf" and listed["ticket__reference"] == world.ticket.reference
    assert archive.read(listed["path"]) == FILE_BYTES
    assert listed["path"].startswith("attachments/")
    # enrolments, notifications, deliveries, audit lines, tokens, sign-offs, emails, CC requests
    assert len(document["training_enrolments"]) == 1
    assert "New reply" in [n["title"] for n in document["notifications"]]
    assert EMAIL in [d["address"] for d in document["deliveries"]]
    kinds = {line["kind"] for line in document["audit_events"]}
    assert {"sign_in", "sign_in_failed"} <= kinds
    assert [t["name"] for t in document["api_tokens"]] == ["phone app"]
    assert [s["signed_off_name"] for s in document["inspection_sign_offs"]] == [NAME]
    assert [m["subject"] for m in document["emails_sent"]] == ["Pump station offline"]
    assert [c["ticket__reference"] for c in document["cc_requests"]] == [world.copied.reference]
    # never a key or a hash
    text = archive.read("personal-data.json").decode()
    assert world.token_key not in text
    assert not {"key_hash", "password", "key", "nonce", "session_key"} & keys_of(document)
    assert "actor_id" not in keys_of(document["audit_events"])


def test_nothing_of_another_person_is_exported(world, admin_user):
    document, _archive = unzip(personal_data_export(user=world.contact, actor=admin_user))
    text = json.dumps(document)
    # the engineer's reply on their ticket is not among their replies (the copy mailed to them,
    # in deliveries, is what they received)
    assert world.reply.body not in json.dumps(document["comments"])
    assert "Internal:" not in text  # staff's internal note about them, anywhere
    assert world.colleague.username not in text
    assert world.colleague.email not in text


def test_the_engineers_export_holds_their_time_entries(world, engineer):
    document, _archive = unzip(personal_data_export(user=engineer, actor=engineer))
    assert [row["note"] for row in document["other_records"]["tickets.timeentry.engineer"]] == ["Remote check"]
    # the engineer's own notes are theirs
    assert world.note.body in [c["body"] for c in document["comments"]]


def test_the_export_is_audited_with_the_admin_as_actor(world, admin_user):
    personal_data_export(user=world.contact, actor=admin_user)
    line = AuditEvent.objects.get(kind=AuditEvent.Kind.DATA_EXPORTED)
    assert (line.user, line.actor) == (world.contact, admin_user)
    assert line.detail["tickets_reported"] == 1


def test_the_number_of_queries_does_not_grow_with_the_data(world, admin_user, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as few:
        personal_data_export(user=world.contact, actor=admin_user)
    for n in range(5):
        tickets.comment_add(ticket_id=world.ticket.pk, actor=world.contact, body=f"More {n}")
        tickets.ticket_create(actor=world.contact, project=world.ticket.project, title=f"T{n}", description="x")
    with django_assert_max_num_queries(len(few.captured_queries)):
        document, _archive = unzip(personal_data_export(user=world.contact, actor=admin_user))
    assert len(document["tickets_reported"]) == 6
