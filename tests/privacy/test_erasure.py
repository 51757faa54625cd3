"""Erasing a departed contact: the placeholder in every place, the account closed, the tickets
kept; refused while they are the only contact of an open ticket, and for staff."""

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, User
from accounts.services import two_factor
from identity.models import ExternalIdentity
from mail.models import CcRequest, InboundMessage
from maintenance.models import Inspection
from privacy.services.erasure import contact_erase, erasure_refusal
from tests.accounts.factories import PASSWORD
from tests.privacy.conftest import EMAIL, NAME, PHONE
from tickets.models import Comment, Ticket


def rows_holding(*needles: str) -> dict[str, list]:
    """Every row of every table whose text or JSON columns hold one of the strings (any case)."""
    found = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, (models.CharField, models.TextField, models.JSONField)):
                continue
            matches = Q()
            for needle in needles:
                matches |= Q(_text__icontains=needle)
            hits = list(
                model._base_manager.annotate(_text=Cast(field.name, TextField())).filter(matches).values_list("pk")
            )
            if hits:
                found[f"{model._meta.label}.{field.name}"] = hits
    return found


@pytest.fixture
def signed_in(client, world):
    client.force_login(world.contact)
    return client


def test_erasure_replaces_every_trace_of_the_contact(world, admin_user, django_capture_on_commit_callbacks):
    # given: the contact is in many tables
    assert rows_holding(EMAIL, NAME, PHONE, "Qiaozhi Meilin")
    raw_name = world.inbound.raw.name
    storage = InboundMessage._meta.get_field("raw").storage
    # when
    with django_capture_on_commit_callbacks(execute=True):
        report = contact_erase(user=world.contact, actor=admin_user)
    # then: nowhere in the database
    assert rows_holding(EMAIL, NAME, PHONE, "Qiaozhi Meilin") == {}
    # the account
    contact = User.objects.get(pk=world.contact.pk)
    assert contact.username == f"erased-{contact.pk}"
    assert contact.email == f"erased-{contact.pk}@invalid"
    assert contact.get_full_name() == f"Erased contact {contact.pk}"
    assert (contact.phone, contact.job_title, contact.is_active) == ("", "", False)
    assert not contact.has_usable_password()
    # CC lists, emails and their originals, sign-offs, audit lines
    assert Ticket.objects.get(pk=world.copied.pk).cc == []
    assert CcRequest.objects.get().address == contact.email
    inbound = InboundMessage.objects.get(pk=world.inbound.pk)
    assert (inbound.sender, inbound.sender_name, inbound.raw.name) == (contact.email, str(contact), "")
    assert not storage.exists(raw_name)
    assert Inspection.objects.get().signed_off_name == f"Erased contact {contact.pk}"
    assert set(AuditEvent.objects.exclude(kind="data_erased").values_list("username", flat=True)) == {contact.username}
    # second factor and the directory link gone
    assert not ExternalIdentity.objects.filter(user=contact).exists()
    assert not TOTPDevice.objects.filter(user=contact).exists()
    assert not StaticDevice.objects.filter(user=contact).exists()
    # the tickets and replies stay, under the placeholder
    assert Ticket.objects.get(pk=world.ticket.pk).reporter == contact
    assert Comment.objects.get(pk=world.own_comment.pk).author == contact
    assert world.ticket.attachments.count() == 1
    # audited, with counts
    line = AuditEvent.objects.get(kind=AuditEvent.Kind.DATA_ERASED)
    assert (line.user, line.actor) == (contact, admin_user)
    assert line.detail["devices_deleted"] == 2 and line.detail["tokens_revoked"] == 1
    assert report.originals_deleted == 1 and report.sign_offs == 1


def test_the_erased_contact_cannot_sign_in_and_their_token_and_session_are_dead(
    world, admin_user, signed_in, client, api
):
    # (without a second factor, so the page opens without asking for it)
    TOTPDevice.objects.filter(user=world.contact).delete()
    StaticDevice.objects.filter(user=world.contact).delete()
    two_factor.forget_cached_state(world.contact)
    assert signed_in.get("/accounts/preferences/").status_code == 200
    old_username = world.contact.username
    contact_erase(user=world.contact, actor=admin_user)
    assert not Session.objects.exists()
    assert signed_in.get("/accounts/preferences/").status_code == 302  # to the login page
    for username in (old_username, f"erased-{world.contact.pk}"):
        refused = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert refused.status_code == 200 and "_auth_user_id" not in client.session
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token_key}")
    assert api.get("/api/v1/me/").status_code == 401


def test_refused_while_the_only_contact_of_an_open_ticket(world, admin_user):
    # given: the colleague left too: nobody else can take the contact's open ticket over
    User.objects.filter(pk=world.colleague.pk).update(is_active=False)
    # when / then
    with pytest.raises(ValidationError) as refused:
        contact_erase(user=world.contact, actor=admin_user)
    assert world.ticket.reference in refused.value.messages[0]
    assert User.objects.get(pk=world.contact.pk).email == EMAIL  # nothing half-done
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.DATA_ERASED).exists()


def test_a_closed_ticket_does_not_hold_the_erasure(world, admin_user):
    User.objects.filter(pk=world.colleague.pk).update(is_active=False)
    Ticket.objects.filter(pk=world.ticket.pk).update(status=Ticket.Status.CLOSED)
    assert erasure_refusal(world.contact) is None
    contact_erase(user=world.contact, actor=admin_user)


@pytest.mark.parametrize("role", [User.Role.ENGINEER, User.Role.MANAGER, User.Role.ADMIN])
def test_staff_are_not_erased(engineer, manager, admin_user, role):
    staff = {User.Role.ENGINEER: engineer, User.Role.MANAGER: manager, User.Role.ADMIN: admin_user}[role]
    with pytest.raises(ValidationError, match="Only customers"):
        contact_erase(user=staff, actor=admin_user)


def test_an_erased_contact_is_not_erased_twice(world, admin_user):
    contact_erase(user=world.contact, actor=admin_user)
    with pytest.raises(ValidationError, match="already"):
        contact_erase(user=world.contact, actor=admin_user)
