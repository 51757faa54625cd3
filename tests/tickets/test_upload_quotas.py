"""Issue 20, upload quotas: files per request (``ATTACHMENT_MAX_FILES_PER_REQUEST``, the page
forms), files per message (``ATTACHMENT_MAX_FILES_PER_COMMENT``, every way in: pages, the email
intake) and bytes per ticket (``ATTACHMENT_MAX_BYTES_PER_TICKET``), each with a clear error
naming the limit; and nothing half-saved: no comment without its files, no file left on disk
when a filing fails halfway.

On the code before the fix a form could carry any number of files (up to Django's 100), a
ticket could grow without bound, and a reply that failed after its files were written left
them on disk."""

from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets import services
from tickets.models import Attachment, Comment, Ticket

pytestmark = pytest.mark.django_db

LOG = b"error at 10:00\n" * 10  # 150 bytes


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def files_on_disk(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def log(name: str = "log.txt", content: bytes = LOG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def report(project, **extra) -> dict:
    return {
        "project": project.pk,
        "title": "Paging system down",
        "priority": "normal",
        "category": "fault",
        "description": "No pager receives calls since 10:00.",
        **extra,
    }


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def ticket_a(customer_a, project_a, sla_setup) -> Ticket:
    return services.ticket_create(
        actor=customer_a, project=project_a, title="Gateway", description="Restarts", attachments=[log("first.txt")]
    )


# --- files per request (the page form) ---------------------------------------------------------


def test_a_form_with_too_many_files_is_refused_whole(client, customer_a, project_a, sla_setup, settings, media):
    # given a desk that takes at most three files at a time
    settings.ATTACHMENT_MAX_FILES_PER_REQUEST = 3
    client.force_login(customer_a)

    # when a customer files a report with four
    response = client.post(
        reverse("tickets:create"), report(project_a, attachments=[log(f"log{n}.txt") for n in range(4)])
    )

    # then the form says so, naming the limit, and nothing is filed or stored
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["attachments"]
    assert errors["attachments"] == ["At most 3 files may be uploaded at a time (4 were sent)."]
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert files_on_disk(media) == []

    # three are fine
    response = client.post(
        reverse("tickets:create"), report(project_a, attachments=[log(f"log{n}.txt") for n in range(3)])
    )
    assert response.status_code == 302 and Attachment.objects.count() == 3


def test_a_reply_with_too_many_files_is_refused_on_the_ticket_page(client, customer_a, ticket_a, settings, media):
    settings.ATTACHMENT_MAX_FILES_PER_REQUEST = 2
    client.force_login(customer_a)
    before = files_on_disk(media)
    response = client.post(
        reverse("tickets:reply", args=[ticket_a.pk]),
        {"body": "More logs", "attachments": [log("a.txt"), log("b.txt"), log("c.txt")]},
        follow=True,
    )
    assert "At most 2 files may be uploaded at a time (3 were sent)." in messages_of(response)
    assert not Comment.objects.exists() and Attachment.objects.count() == 1
    assert files_on_disk(media) == before


# --- files per message (every way in) -----------------------------------------------------------


def test_a_message_holds_at_most_the_files_per_comment(customer_a, engineer, ticket_a, settings, media):
    # given pages that would take ten files, but messages that hold two
    settings.ATTACHMENT_MAX_FILES_PER_REQUEST = 10
    settings.ATTACHMENT_MAX_FILES_PER_COMMENT = 2
    before = files_on_disk(media)

    # when a reply (from the email intake, say) brings three
    with pytest.raises(ValidationError) as refused:
        services.comment_add(
            ticket_id=ticket_a.pk, actor=customer_a, body="Logs", attachments=[log("a.txt"), log("b.txt"), log("c.txt")]
        )

    # then it is refused whole, naming the limit
    assert refused.value.message_dict == {"attachments": ["A message may carry at most 2 files (3 were sent)."]}
    assert not Comment.objects.exists() and Attachment.objects.count() == 1
    assert files_on_disk(media) == before
    # and a report filed with three is refused the same way
    with pytest.raises(ValidationError, match="at most 2 files"):
        services.ticket_create(
            actor=engineer,
            project=ticket_a.project,
            title="Another",
            description="x",
            attachments=[log("a.txt"), log("b.txt"), log("c.txt")],
        )
    assert Ticket.objects.count() == 1


# --- bytes per ticket -------------------------------------------------------------------------------


def test_a_ticket_holds_at_most_its_total_of_bytes(client, customer_a, engineer, ticket_a, settings, media):
    # given a ticket holding one 150-byte file, and a total of 400 bytes per ticket
    settings.ATTACHMENT_MAX_BYTES_PER_TICKET = 400
    client.force_login(customer_a)

    # when a reply brings two more files (300 bytes): over the total
    response = client.post(
        reverse("tickets:reply", args=[ticket_a.pk]),
        {"body": "More logs", "attachments": [log("a.txt"), log("b.txt")]},
        follow=True,
    )

    # then it is refused with the limit, what the ticket holds and what was sent; nothing is saved
    [message] = [text for text in messages_of(response) if "total" in text]
    assert message == (
        "A ticket's attachments may total at most 400\xa0bytes; it holds 150\xa0bytes, "
        "and these files (300\xa0bytes) would go over."
    )
    assert not Comment.objects.exists() and Attachment.objects.count() == 1
    assert len(files_on_disk(media)) == 1

    # one more file fits (300 of 400), and then the ticket is full, for staff too
    client.post(reverse("tickets:reply", args=[ticket_a.pk]), {"body": "One log", "attachments": [log("a.txt")]})
    assert Attachment.objects.count() == 2 and Comment.objects.count() == 1
    with pytest.raises(ValidationError, match="may total at most"):
        services.comment_add(ticket_id=ticket_a.pk, actor=engineer, body="Trace", attachments=[log("trace.txt")])
    # a reply without files is still welcome
    services.comment_add(ticket_id=ticket_a.pk, actor=engineer, body="Thanks, looking")
    assert Comment.objects.count() == 2


def test_a_report_over_the_total_is_refused(client, customer_a, project_a, sla_setup, settings, media):
    settings.ATTACHMENT_MAX_BYTES_PER_TICKET = 200
    client.force_login(customer_a)
    response = client.post(reverse("tickets:create"), report(project_a, attachments=[log("a.txt"), log("b.txt")]))
    assert response.status_code == 200
    assert "may total at most 200" in response.context["form"].errors["attachments"][0]
    assert not Ticket.objects.exists() and files_on_disk(media) == []


# --- nothing half-saved ------------------------------------------------------------------------------


def test_a_reply_that_fails_after_its_files_were_written_leaves_nothing(customer_a, engineer, ticket_a, media):
    before = files_on_disk(media)
    # when telling the people concerned fails after the files were stored
    with (
        mock.patch("tickets.services.lifecycle._notify", side_effect=RuntimeError("outbox down")),
        pytest.raises(RuntimeError),
    ):
        services.comment_add(
            ticket_id=ticket_a.pk, actor=engineer, body="Logs", attachments=[log("a.txt"), log("b.txt")]
        )
    # then there is no comment, no attachment row, and no file on disk
    assert not Comment.objects.exists() and Attachment.objects.count() == 1
    assert files_on_disk(media) == before


def test_a_report_that_fails_after_its_files_were_written_leaves_nothing(customer_a, project_a, sla_setup, media):
    with (
        mock.patch("tickets.services.lifecycle._notify", side_effect=RuntimeError("outbox down")),
        pytest.raises(RuntimeError),
    ):
        services.ticket_create(
            actor=customer_a, project=project_a, title="Gateway", description="x", attachments=[log("a.txt")]
        )
    assert not Ticket.objects.exists() and files_on_disk(media) == []
