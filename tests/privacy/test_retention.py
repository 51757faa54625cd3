"""Retention: closed tickets' attachments and original emails past the limit are removed, and
only those; the run reports it; a second run removes nothing more; times relative to now."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from mail.models import InboundMessage
from privacy.models import RetentionRun
from privacy.services.retention import retention_apply
from privacy.tasks import retention_apply as retention_task
from tickets import services as tickets
from tickets.models import Attachment, Ticket

DAYS = 30


def ticket_with_files(customer, project, title: str, *, status: str, closed_days_ago: int | None) -> Ticket:
    ticket = tickets.ticket_create(
        actor=customer,
        project=project,
        title=title,
        description="x",
        attachments=[SimpleUploadedFile(f"{title}.txt", b"0123456789", content_type="text/plain")],
    )
    message = InboundMessage.objects.create(
        message_id=f"<{title}@example.com>", received_at=timezone.now(), status="reply", ticket=ticket, size=100
    )
    message.raw.save(f"{title}.eml", ContentFile(b"From: someone\r\n\r\nbody\r\n"))
    closed_at = timezone.now() - datetime.timedelta(days=closed_days_ago) if closed_days_ago is not None else None
    Ticket.objects.filter(pk=ticket.pk).update(status=status, closed_at=closed_at)
    return ticket


@pytest.fixture
def tickets_of_every_age(settings, customer_a, project_a):
    settings.RETENTION_ATTACHMENT_DAYS = DAYS
    settings.RETENTION_ORIGINAL_EMAIL_DAYS = DAYS
    return {
        "old": ticket_with_files(customer_a, project_a, "old", status="closed", closed_days_ago=DAYS + 5),
        "recent": ticket_with_files(customer_a, project_a, "recent", status="closed", closed_days_ago=DAYS - 5),
        # reopened after a closing long ago: not closed now
        "reopened": ticket_with_files(
            customer_a, project_a, "reopened", status="in_progress", closed_days_ago=DAYS + 5
        ),
        "open": ticket_with_files(customer_a, project_a, "open", status="new", closed_days_ago=None),
    }


def test_only_old_enough_files_of_closed_tickets_go_and_the_run_reports_them(tickets_of_every_age):
    old = tickets_of_every_age["old"]
    attachment = old.attachments.get()
    storage = Attachment._meta.get_field("file").storage
    message = InboundMessage.objects.get(ticket=old)
    raw_name = message.raw.name
    # when
    run = retention_apply()
    # then: the old closed ticket's attachment and original are gone, files and all
    assert not old.attachments.exists()
    assert not storage.exists(attachment.file.name)
    message.refresh_from_db()
    assert message.raw.name == "" and not storage.exists(raw_name)
    assert message.ticket == old  # the email's row stays
    # everything else stays
    for name in ("recent", "reopened", "open"):
        ticket = tickets_of_every_age[name]
        assert ticket.attachments.count() == 1, name
        assert InboundMessage.objects.get(ticket=ticket).raw.name, name
    # the report
    run = RetentionRun.objects.get(pk=run.pk)
    assert (run.attachments_removed, run.original_emails_removed, run.bytes_freed) == (1, 1, 10 + 100)
    assert run.finished_at is not None and run.errors == [] and not run.dry_run
    assert {(item["kind"], item["ticket"]) for item in run.removed} == {
        ("attachment", old.reference),
        ("original_email", old.reference),
    }


def test_a_second_run_removes_nothing_more(tickets_of_every_age):
    retention_task()  # the beat's task
    again = retention_apply()
    assert (again.attachments_removed, again.original_emails_removed) == (0, 0)
    assert Attachment.objects.count() == 3


def test_a_dry_run_removes_nothing_and_says_what_would_go(tickets_of_every_age, capsys):
    call_command("apply_retention", "--dry-run")
    out = capsys.readouterr().out
    assert "Would remove 1 attachments and 1 original emails" in out
    assert tickets_of_every_age["old"].reference in out
    assert Attachment.objects.count() == 4
    assert RetentionRun.objects.get().dry_run


def test_retention_off_keeps_everything(tickets_of_every_age, settings):
    settings.RETENTION_ATTACHMENT_DAYS = 0
    settings.RETENTION_ORIGINAL_EMAIL_DAYS = None
    run = retention_apply()
    assert (run.attachments_removed, run.original_emails_removed) == (0, 0)
    assert Attachment.objects.count() == 4


def test_each_kind_has_its_own_limit(tickets_of_every_age, settings):
    settings.RETENTION_ORIGINAL_EMAIL_DAYS = 0  # originals kept forever, attachments not
    run = retention_apply()
    assert (run.attachments_removed, run.original_emails_removed) == (1, 0)
    assert InboundMessage.objects.get(ticket=tickets_of_every_age["old"]).raw.name


def test_a_file_that_cannot_be_deleted_is_reported_and_kept_for_the_next_run(tickets_of_every_age, monkeypatch):
    storage = Attachment._meta.get_field("file").storage

    def refuse(name):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(storage, "delete", refuse)
    run = retention_apply()
    assert run.attachments_removed == 0 and len(run.errors) == 2
    assert tickets_of_every_age["old"].attachments.count() == 1
    monkeypatch.undo()
    assert retention_apply().attachments_removed == 1


def test_the_runs_are_shown_in_the_django_admin(client, admin_user, tickets_of_every_age):
    run = retention_apply()
    client.force_login(admin_user)
    listing = client.get("/admin/privacy/retentionrun/")
    assert listing.status_code == 200 and b"retention run" in listing.content.lower()
    detail = client.get(f"/admin/privacy/retentionrun/{run.pk}/change/")
    assert detail.status_code == 200 and tickets_of_every_age["old"].reference.encode() in detail.content
