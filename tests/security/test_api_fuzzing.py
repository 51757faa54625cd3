"""Schemathesis against the live OpenAPI schema, as an admin and as a customer: no 5xx, no
answer that contradicts the schema, and schema-violating input refused with a 4xx.

Positive-data acceptance is left out: the schema cannot express the domain's rules (a unique
code, a liaison from the same organisation), so valid-looking input may rightly be a 400.
The token endpoint is throttled (and locks out after failed logins), so most of its fuzzed
calls rightly answer 429. The seed is fixed so CI is repeatable; `make fuzz` runs longer with
other seeds (FUZZ_EXAMPLES, FUZZ_SEED). FUZZ_TAGS (comma-separated OpenAPI tags, e.g.
``training,knowledge-base``) fuzzes those operations only.

Objects of every kind are seeded so that list answers hold rows to check against the schema.
"""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import User
from tests.accounts.factories import CustomerFactory, UserFactory
from tests.customers.factories import InstalledProductFactory, ProjectFactory
from training import services as training
from training.models import Category, TrainingSession

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def seed_training(project, customer, staff) -> None:
    """A plan with topics, a coming session (a link handed out, the customer enrolled, a
    colleague waiting), a past one attended with feedback, and articles in both languages."""
    plan = training.plan_save(
        actor=staff, project=project, title="Operators", topics=[{"title": "Operation"}, {"title": "Faults"}]
    )
    starts = timezone.now() + datetime.timedelta(days=7)
    for held in (False, True):
        session = training.session_save(
            actor=staff,
            plan=plan,
            title="Online training",
            format="online",
            meeting_link="https://meet.example.com/x",
            trainer=staff,
            capacity=1,
            topics=plan.topics.all(),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
        )
        training.material_add(session_id=session.pk, actor=staff, title="Slides", url="https://example.com/slides")
        enrolment = training.enrol(session_id=session.pk, contact=customer, actor=staff)
        training.enrol(session_id=session.pk, contact=CustomerFactory(organisation=project.organisation), actor=staff)
        if held:  # a month ago
            ago = timezone.now() - datetime.timedelta(days=30)
            TrainingSession.objects.filter(pk=session.pk).update(
                starts_at=ago, ends_at=ago + datetime.timedelta(hours=2)
            )
            training.attendance_take(session_id=session.pk, actor=staff, marks={enrolment.pk: "present"})
            training.feedback_submit(enrolment_id=enrolment.pk, actor=customer, rating=5)
    category = Category.objects.create(name="Printers", name_zh="打印机")
    for title, language, visibility in (
        ("Printer paper jam", "en", "public"),
        ("服务器故障排除指南", "zh-hans", "customers"),
        ("Controller password", "en", "staff"),
    ):
        training.article_save(
            actor=staff,
            title=title,
            body=title,
            language=language,
            visibility=visibility,
            category=category,
            tags=["printer"],
            projects=[project] if visibility == "customers" else [],
            applies_to=[{"product": "LabelJet", "versions": "2.x"}],
        )


def seed_mail() -> None:
    """An email from someone the desk does not know, waiting for triage, and a broken one,
    quarantined: the inbound emails list has rows (null ticket, contact and mailbox)."""
    from mail.services import message_ingest

    head = b"From: Wang Wei <wang@unknown.example>\r\nTo: support@desk.example\r\nSubject: Pump 3 alarm\r\n"
    message_ingest(raw=head + b"Message-ID: <fuzz-1@unknown.example>\r\n\r\nThe pump alarms every hour.\r\n")
    message_ingest(raw=b"\x00" * 64)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # some 158 operations, 15 examples each: about 18 minutes per role here
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["admin", "customer"])
def test_the_api_holds_its_schema_under_fuzzing(live_server, role):
    project = ProjectFactory()
    InstalledProductFactory(project=project)
    ProjectFactory()
    admin = UserFactory(role=User.Role.ADMIN, is_staff=True, is_superuser=True)
    customer = CustomerFactory(organisation=project.organisation)
    seed_training(project, customer, admin)
    seed_mail()
    user = admin if role == "admin" else customer
    token = Token.objects.create(user=user).key
    tags = [tag for tag in os.environ.get("FUZZ_TAGS", "").split(",") if tag.strip()]
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{live_server.url}/api/schema/",
            "--header",
            f"Authorization: Token {token}",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            os.environ.get("FUZZ_EXAMPLES", "15"),
            "--seed",
            os.environ.get("FUZZ_SEED", "20261125"),
            "--workers",
            "1",
            *[argument for tag in tags for argument in ("--include-tag", tag.strip())],
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
