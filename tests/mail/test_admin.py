"""The email intake's admin: every page renders; a mailbox's password never reaches the page and
an empty field keeps it; the settings' mailbox is read-only; "Poll now" against a server that is
not there records and shows the error; inbound emails are records, dismissed through the
service; a rule for an inactive project is refused."""

import socket

import pytest
from django.contrib import admin
from django.urls import reverse

from mail import services
from mail.models import InboundMessage, Mailbox, RoutingRule
from tests.customers.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PASSWORD = "imap-Secret-4711"


def url(model, view: str, *args) -> str:
    return reverse(f"admin:mail_{model._meta.model_name}_{view}", args=args)


def email(message_id: str, sender: str, subject: str = "Pump 3 is down", body: str = "It stopped at 9:00.") -> bytes:
    return (
        f"From: {sender}\r\nTo: support@desk.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}@mail.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def notes(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def mailbox(project_a):
    return Mailbox.objects.create(
        name="Support",
        address="support@desk.example",
        host="127.0.0.1",
        port=closed_port(),
        security=Mailbox.Security.PLAIN,
        username="support",
        password=PASSWORD,
        default_project=project_a,
    )


@pytest.fixture
def inbound(customer_a, project_a, mailbox):
    """An email that opened a ticket (from a contact of A) and one waiting for triage."""
    opened, _new = services.message_ingest(raw=email("opened", customer_a.email), mailbox=mailbox)
    waiting, _new = services.message_ingest(raw=email("waiting", "stranger@elsewhere.example"), mailbox=mailbox)
    assert (opened.status, waiting.status) == (InboundMessage.Status.TICKET, InboundMessage.Status.TRIAGE)
    return {"opened": opened, "waiting": waiting}


@pytest.fixture
def rule(project_a):
    return RoutingRule.objects.create(name="Pumps", field=RoutingRule.Field.SUBJECT, contains="pump", project=project_a)


@pytest.mark.parametrize("model", [Mailbox, RoutingRule, InboundMessage], ids=lambda model: model.__name__)
def test_every_page_renders_for_the_superuser(staff_client, inbound, rule, model, django_assert_max_num_queries):
    assert admin.site.is_registered(model)
    with django_assert_max_num_queries(20):
        assert staff_client.get(url(model, "changelist")).status_code == 200
    assert staff_client.get(url(model, "changelist"), {"q": "pump"}).status_code == 200
    for obj in model.objects.all():
        assert staff_client.get(url(model, "change", obj.pk)).status_code == 200
    assert staff_client.get(url(model, "add")).status_code == (403 if model is InboundMessage else 200)


def test_the_list_filters_of_inbound_emails(staff_client, inbound, mailbox):
    response = staff_client.get(url(InboundMessage, "changelist"), {"status__exact": "triage"})
    assert list(response.context["cl"].result_list) == [inbound["waiting"]]
    response = staff_client.get(url(InboundMessage, "changelist"), {"mailbox__id__exact": mailbox.pk})
    assert set(response.context["cl"].result_list) == set(inbound.values())
    response = staff_client.get(url(InboundMessage, "changelist"), {"q": "stranger@"})
    assert list(response.context["cl"].result_list) == [inbound["waiting"]]


# --- mailboxes ----------------------------------------------------------------------------


def mailbox_form(mailbox: Mailbox, **changes) -> dict:
    data = {
        "name": mailbox.name,
        "address": mailbox.address,
        "host": mailbox.host,
        "port": mailbox.port,
        "security": mailbox.security,
        "username": mailbox.username,
        "password": "",
        "folder": mailbox.folder,
        "authserv_id": mailbox.authserv_id,
        "default_project": mailbox.default_project_id or "",
        "is_active": "on" if mailbox.is_active else "",
    }
    return {**data, **changes}


def test_the_password_never_reaches_the_page_and_an_empty_field_keeps_it(staff_client, mailbox):
    page = staff_client.get(url(Mailbox, "change", mailbox.pk))
    assert page.status_code == 200
    assert PASSWORD not in page.content.decode()
    assert 'type="password"' in page.content.decode()

    response = staff_client.post(url(Mailbox, "change", mailbox.pk), mailbox_form(mailbox, folder="Support"))
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.folder, mailbox.password) == ("Support", PASSWORD)

    response = staff_client.post(url(Mailbox, "change", mailbox.pk), mailbox_form(mailbox, password="new-Secret-1"))
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.password == "new-Secret-1"
    assert "new-Secret-1" not in staff_client.get(url(Mailbox, "change", mailbox.pk)).content.decode()
    assert "new-Secret-1" not in staff_client.get(url(Mailbox, "changelist")).content.decode()


def test_a_new_mailbox_takes_its_password(staff_client, project_a):
    data = mailbox_form(
        Mailbox(name="Second", host="imap.example", port=993, security="tls", username="u", folder="INBOX"),
        password="first-Secret-2",
    )
    assert staff_client.post(url(Mailbox, "add"), data).status_code == 302
    assert Mailbox.objects.get(name="Second").password == "first-Secret-2"


@pytest.mark.parametrize(
    "change", [{"host": "imap.attacker.example"}, {"port": 1993}, {"security": "starttls"}], ids=lambda c: next(iter(c))
)
def test_changing_the_server_needs_the_password_again(staff_client, mailbox, change):
    # otherwise whoever edits the mailbox sends the stored password to a server of theirs (or in clear)
    before = Mailbox.objects.filter(pk=mailbox.pk).values().get()
    response = staff_client.post(url(Mailbox, "change", mailbox.pk), mailbox_form(mailbox, **change))
    assert response.status_code == 200
    assert "Enter the password again" in str(response.context["adminform"].form.errors["password"])
    assert Mailbox.objects.filter(pk=mailbox.pk).values().get() == before

    response = staff_client.post(
        url(Mailbox, "change", mailbox.pk), mailbox_form(mailbox, password="again-1", **change)
    )
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.password == "again-1"
    assert all(getattr(mailbox, name) == value for name, value in change.items())


def test_the_service_asks_for_the_password_again_too(mailbox):
    from core.errors import ServiceDeskError

    with pytest.raises(ServiceDeskError) as refused:
        services.mailbox_save(mailbox=mailbox, host="imap.attacker.example")
    assert refused.value.field == "password"
    mailbox.refresh_from_db()
    assert (mailbox.host, mailbox.password) == ("127.0.0.1", PASSWORD)
    # the rest of a mailbox changes without it, and keeps the password
    services.mailbox_save(mailbox=mailbox, folder="Support", password="")
    mailbox.refresh_from_db()
    assert (mailbox.folder, mailbox.password) == ("Support", PASSWORD)


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.8", "169.254.169.254", "[::1]", "localhost"])
def test_an_imap_host_on_a_private_address_is_refused_unless_allowed(staff_client, settings, host, project_a):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    data = mailbox_form(Mailbox(name="Inner", host=host, port=143, security="plain", username="u"), password="p-1")
    response = staff_client.post(url(Mailbox, "add"), data)
    assert response.status_code == 200
    assert "non-public address" in str(response.context["adminform"].form.errors["host"])
    assert not Mailbox.objects.filter(name="Inner").exists()
    settings.OUTBOUND_ALLOWED_HOSTS = [host.strip("[]")]
    assert staff_client.post(url(Mailbox, "add"), data).status_code == 302


def test_a_poll_the_outbound_rules_refuse_is_the_mailboxs_error(mailbox, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    result = services.mailbox_poll(mailbox=mailbox)
    assert "OutboundRefused" in result.error and "non-public address" in result.error
    mailbox.refresh_from_db()
    assert "OutboundRefused" in mailbox.last_error


@pytest.fixture
def settings_mailbox(settings):
    settings.MAIL_IMAP_HOST = "127.0.0.1"
    settings.MAIL_IMAP_PORT = closed_port()
    settings.MAIL_IMAP_SECURITY = "plain"
    settings.MAIL_IMAP_USER = "desk"
    settings.MAIL_IMAP_PASSWORD = PASSWORD
    settings.MAIL_ADDRESS = "help@desk.example"
    return services.mailbox_from_settings()


def test_the_settings_mailbox_is_read_only_but_its_default_project(staff_client, settings_mailbox, project_a):
    page = staff_client.get(url(Mailbox, "change", settings_mailbox.pk)).content.decode()
    assert "MAIL_IMAP_*" in page and PASSWORD not in page
    assert 'name="host"' not in page and 'name="password"' not in page
    assert 'name="default_project"' in page

    data = mailbox_form(settings_mailbox, host="imap.elsewhere.example", password="stolen-1", username="other")
    data["default_project"] = project_a.pk
    assert staff_client.post(url(Mailbox, "change", settings_mailbox.pk), data).status_code == 302

    settings_mailbox.refresh_from_db()
    assert (settings_mailbox.host, settings_mailbox.username, settings_mailbox.password) == (
        "127.0.0.1",
        "desk",
        PASSWORD,
    )
    assert settings_mailbox.default_project == project_a
    # it would only come back at the next poll: no delete
    assert staff_client.get(url(Mailbox, "delete", settings_mailbox.pk)).status_code == 403
    # the next poll keeps the default project
    assert services.mailbox_from_settings().default_project == project_a


def test_the_settings_mailbox_left_over_when_the_settings_go_may_be_deleted(staff_client, settings_mailbox, settings):
    settings.MAIL_IMAP_HOST = ""
    # the next poll stops reading it
    assert services.mailboxes_poll() == {}
    settings_mailbox.refresh_from_db()
    assert not settings_mailbox.is_active
    assert "it may be deleted" in staff_client.get(url(Mailbox, "change", settings_mailbox.pk)).content.decode()
    response = staff_client.post(url(Mailbox, "delete", settings_mailbox.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Mailbox.objects.exists()


@pytest.mark.parametrize("from_settings", [False, True], ids=["admin", "settings"])
def test_poll_now_against_a_closed_port_records_the_error_and_shows_it(
    staff_client, mailbox, settings_mailbox, from_settings
):
    chosen = settings_mailbox if from_settings else mailbox
    response = staff_client.post(
        url(Mailbox, "changelist"), {"action": "poll_now", "_selected_action": [chosen.pk]}, follow=True
    )

    assert response.status_code == 200
    [shown] = notes(response)
    assert shown.startswith(f"{chosen.name} could not be read: ConnectionRefusedError")
    chosen.refresh_from_db()
    assert chosen.last_polled_at is not None and chosen.last_error.startswith("ConnectionRefusedError")
    page = staff_client.get(url(Mailbox, "changelist")).content.decode()
    assert "ConnectionRefusedError" in page  # the list's "last error" column


def test_poll_now_reports_what_it_read(staff_client, mailbox, monkeypatch):
    monkeypatch.setattr(services, "mailbox_poll", lambda *, mailbox: services.PollResult(read=3, new=2))
    response = staff_client.post(
        url(Mailbox, "changelist"), {"action": "poll_now", "_selected_action": [mailbox.pk]}, follow=True
    )
    assert notes(response) == ["Support: 3 read, 2 new."]


# --- routing rules ------------------------------------------------------------------------


def rule_form(project, **changes) -> dict:
    data = {
        "name": "Pumps",
        "position": 5,
        "mailbox": "",
        "field": "subject",
        "contains": "pump",
        "project": project.pk,
        "priority": "high",
        "is_active": "on",
    }
    return {**data, **changes}


def test_a_rule_for_an_inactive_project_is_refused(staff_client, project_a, org_a):
    closed = ProjectFactory(organisation=org_a, name="Old plant", code="old", is_active=False)

    response = staff_client.post(url(RoutingRule, "add"), rule_form(closed))
    assert response.status_code == 200
    assert "no longer active" in str(response.context["adminform"].form.errors["project"])
    assert not RoutingRule.objects.exists()

    assert staff_client.post(url(RoutingRule, "add"), rule_form(project_a)).status_code == 302
    assert RoutingRule.objects.get().project == project_a


def test_rules_are_reordered_and_switched_off_in_the_list(staff_client, rule):
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": rule.pk,
        "form-0-position": "7",
        "form-0-is_active": "",
        "_save": "Save",
    }
    assert staff_client.post(url(RoutingRule, "changelist"), data).status_code == 302
    rule.refresh_from_db()
    assert (rule.position, rule.is_active) == (7, False)


# --- inbound emails -----------------------------------------------------------------------


def test_an_inbound_email_is_read_only_with_its_reason_and_links(staff_client, inbound):
    waiting, opened = inbound["waiting"], inbound["opened"]
    page = staff_client.get(url(InboundMessage, "change", waiting.pk)).content.decode()
    assert "The sender is not a known contact." in page
    assert reverse("mail:original", args=[waiting.pk]) in page
    assert 'name="subject"' not in page and 'name="_save"' not in page

    page = staff_client.get(url(InboundMessage, "change", opened.pk)).content.decode()
    assert reverse("tickets:detail", args=[opened.ticket_id]) in page and opened.ticket.reference in page
    # no change, no delete: the record is what keeps a message from being filed twice
    response = staff_client.post(url(InboundMessage, "change", waiting.pk), {"subject": "changed"})
    assert response.status_code == 403
    assert staff_client.get(url(InboundMessage, "delete", waiting.pk)).status_code == 403
    waiting.refresh_from_db()
    assert waiting.subject == "Pump 3 is down"


def test_dismiss_files_the_waiting_email_and_shows_the_refusals(staff_client, inbound, admin_user):
    waiting, opened = inbound["waiting"], inbound["opened"]
    response = staff_client.post(
        url(InboundMessage, "changelist"),
        {"action": "dismiss", "_selected_action": [waiting.pk, opened.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert notes(response) == [
        f"{opened}: Only a waiting or quarantined email can be dismissed.",
        "1 email dismissed.",
    ]
    waiting.refresh_from_db()
    opened.refresh_from_db()
    assert (waiting.status, waiting.handled_by) == (InboundMessage.Status.DISMISSED, admin_user)
    assert opened.status == InboundMessage.Status.TICKET and opened.handled_by is None


def test_file_again_reads_a_quarantined_email_and_shows_the_refusals(staff_client, inbound, mailbox, settings):
    settings.MAIL_MAX_BYTES = 100
    large, _new = services.message_ingest(raw=email("large", "stranger@elsewhere.example"), mailbox=mailbox)
    assert large.status == InboundMessage.Status.QUARANTINED
    settings.MAIL_MAX_BYTES = 10_000  # the cause is mended
    waiting = inbound["waiting"]
    response = staff_client.post(
        url(InboundMessage, "changelist"),
        {"action": "retry", "_selected_action": [waiting.pk, large.pk]},
        follow=True,
    )

    assert response.status_code == 200
    large.refresh_from_db()
    assert (large.status, large.sender) == (InboundMessage.Status.TRIAGE, "stranger@elsewhere.example")
    # the refusal, then the email (now read: its sender and subject) with what became of it
    assert notes(response) == [
        f"{waiting}: Only a quarantined email can be filed again.",
        f"{large}: Waiting for triage",
    ]
