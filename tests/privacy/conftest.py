"""A contact of organisation A with a trace in every place the desk keeps personal data, a
colleague in the same organisation, and the engineer's work on their tickets."""

import dataclasses
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent
from accounts.services import api_token_create
from accounts.services.audit import record
from identity.models import ExternalIdentity
from mail.models import CcRequest, InboundMessage
from maintenance.models import Inspection
from notifications.models import Delivery, Notification
from tests.accounts.factories import CustomerFactory
from tests.training.conftest import plan_a, session_a  # noqa: F401 (fixtures)
from tickets import services as tickets
from training.models import Enrolment

NAME = "Meilin Qiaozhi"
EMAIL = "meilin.qiaozhi@org-a.example"
PHONE = "+86 139 5555 0142"
FILE_BYTES = b"%PDF-1.4 the contact's wiring diagram"


@dataclasses.dataclass
class World:
    contact: object
    colleague: object
    ticket: object
    copied: object
    attachment: object
    reply: object
    note: object
    own_comment: object
    inbound: object
    token_key: str


@pytest.fixture
def world(project_a, engineer, session_a) -> World:  # noqa: F811 (session_a is the fixture above)
    contact = CustomerFactory(
        username="meilin",
        organisation=project_a.organisation,
        first_name="Meilin",
        last_name="Qiaozhi",
        email=EMAIL,
        phone=PHONE,
        job_title="Control room lead",
    )
    colleague = CustomerFactory(username="colleague-a", organisation=project_a.organisation)
    ticket = tickets.ticket_create(
        actor=contact,
        project=project_a,
        title="Pump station offline",
        description=f"Call me back: {NAME}, {PHONE}.",
        attachments=[SimpleUploadedFile("wiring.pdf", FILE_BYTES, content_type="application/pdf")],
    )
    own_comment = tickets.comment_add(ticket_id=ticket.pk, actor=contact, body="It went down at 03:00.")
    reply = tickets.comment_add(ticket_id=ticket.pk, actor=engineer, body="Engineer's public reply text.")
    note = tickets.comment_add(
        ticket_id=ticket.pk,
        actor=engineer,
        body=f"Internal: {NAME} ({EMAIL}) sounded worried; QIAOZHI Meilin called again.",
        public=False,
    )
    copied = tickets.ticket_create(
        actor=colleague, project=project_a, title="Copied ticket", description="Same pump.", cc=[EMAIL.upper()]
    )
    CcRequest.objects.create(ticket=copied, address=EMAIL)
    Notification.objects.create(
        key=f"privacy-test-{contact.pk}", recipient=contact, reason="ticket_reply", title="New reply", body="Hello"
    )
    Delivery.objects.create(
        key=f"privacy-test-{contact.pk}", recipient=contact, address=EMAIL, subject="New reply", body=f"Dear {NAME}"
    )
    Enrolment.objects.create(session=session_a, contact=contact, queued_at=timezone.now(), enrolled_by=engineer)
    record(AuditEvent.Kind.SIGN_IN, user=contact, method="password")
    record(AuditEvent.Kind.SIGN_IN_FAILED, username="MEILIN")
    _token, key = api_token_create(user=contact, name="phone app")
    Inspection.objects.create(
        project=project_a,
        engineer=engineer,
        title="Quarterly inspection",
        due_date=datetime.date(2026, 1, 15),
        status=Inspection.Status.COMPLETED,
        signed_off_at=timezone.now(),
        signed_off_by=contact,
        signed_off_name=NAME,
        signed_off_on=datetime.date(2026, 1, 16),
    )
    inbound = InboundMessage.objects.create(
        message_id="<privacy-1@org-a.example>",
        received_at=timezone.now(),
        sender=EMAIL,
        sender_name=NAME,
        recipients=["support@desk.example", EMAIL],
        subject="Pump station offline",
        body="It is down.",
        status=InboundMessage.Status.REPLY,
        ticket=ticket,
        contact=contact,
    )
    inbound.raw.save(
        "privacy-1.eml", ContentFile(f"From: {NAME} <{EMAIL}>\r\nSubject: Pump\r\n\r\nIt is down.\r\n".encode())
    )
    ExternalIdentity.objects.create(user=contact, source="ldap", subject="uid=mq,ou=people,dc=org-a,dc=example")
    TOTPDevice.objects.create(user=contact, name="phone", confirmed=True)
    StaticDevice.objects.create(user=contact, name="backup", confirmed=True)
    tickets.time_entry_add(actor=engineer, ticket_id=ticket.pk, minutes=30, note="Remote check")
    return World(
        contact=get_user_model().objects.get(pk=contact.pk),
        colleague=colleague,
        ticket=ticket,
        copied=copied,
        attachment=ticket.attachments.get(),
        reply=reply,
        note=note,
        own_comment=own_comment,
        inbound=inbound,
        token_key=key,
    )
