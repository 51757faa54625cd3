import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team, User
from accounts.selectors import team_members
from customers.models import Organisation, Project

pytestmark = pytest.mark.django_db

DEMO_USERS = {
    "admin": "admin",
    "manager": "manager",
    "engineer": "engineer",
    "liaison": "engineer",
    "leader": "manager",
    "tech": "engineer",
    "alice": "customer",
    "bob": "customer",
}


def test_seed_demo_is_idempotent_and_the_demo_users_log_in(client):
    call_command("seed_demo", verbosity=0)
    counts = (User.objects.count(), Organisation.objects.count(), Project.objects.count(), Team.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (User.objects.count(), Organisation.objects.count(), Project.objects.count(), Team.objects.count()) == counts
    assert counts[1:3] == (2, 2)

    for username, role in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert user.role == role
        response = client.post("/accounts/login/", {"username": username, "password": "ServiceDesk-2026"})
        assert response.status_code == 302, username
        client.logout()
    assert User.objects.get(username="admin").is_superuser
    alice, bob = User.objects.get(username="alice"), User.objects.get(username="bob")
    assert alice.organisation != bob.organisation
    assert Project.objects.get(organisation=alice.organisation).customer_liaison == alice


def test_the_emergency_groups_are_named_by_kind():
    call_command("seed_demo", verbosity=0)
    assert [u.username for u in team_members(kind=Team.Kind.LEADERSHIP)] == ["leader", "manager"]
    assert "tech" in [u.username for u in team_members(kind=Team.Kind.TECHNICAL)]
    assert [u.username for u in team_members(kind=Team.Kind.LIAISON)] == ["liaison"]


def test_seed_demo_keeps_a_changed_password():
    call_command("seed_demo", verbosity=0)
    alice = User.objects.get(username="alice")
    alice.set_password("Changed-By-Alice-1")
    alice.save()
    call_command("seed_demo", verbosity=0)
    assert User.objects.get(username="alice").check_password("Changed-By-Alice-1")


# --- training and the knowledge base ---------------------------------------------------------


def training_counts() -> dict:
    from training.models import (
        Article,
        Category,
        Deflection,
        Enrolment,
        Feedback,
        Tag,
        Topic,
        TrainingPlan,
        TrainingSession,
    )

    models = [TrainingPlan, Topic, TrainingSession, Enrolment, Feedback, Category, Tag, Article, Deflection]
    return {model.__name__: model.objects.count() for model in models}


def test_the_training_demo_is_made_once(client):
    from training.models import Enrolment, Topic, TrainingSession
    from training.services import certificate_ready, waiting_position

    call_command("seed_demo", verbosity=0)
    counts = training_counts()
    call_command("seed_demo", verbosity=0)

    assert training_counts() == counts
    assert counts["TrainingPlan"] == 2 and counts["Article"] >= 8
    # the training demo's three sessions (the reports' history adds sessions held months ago)
    recent = TrainingSession.objects.filter(starts_at__gte=timezone.now() - datetime.timedelta(days=20))
    assert recent.count() == 3
    for project in Project.objects.all():
        kinds = {topic.kind for topic in Topic.objects.filter(plan__project=project)}
        assert kinds == set(Topic.Kind.values), project
    alice, carol = User.objects.get(username="alice"), User.objects.get(username="carol")
    assert (carol.organisation, carol.role) == (alice.organisation, "customer")
    sessions = {session.format: session for session in recent}
    online, past, onsite = sessions["online"], sessions["centralised"], sessions["onsite"]
    # online, next week, free seats, alice not enrolled yet
    assert online.meeting_link and online.starts_at > timezone.now() + datetime.timedelta(days=6)
    assert not online.enrolments.filter(contact=alice).exists()
    assert online.enrolments.filter(status=Enrolment.Status.ENROLLED).count() < online.capacity
    # in the past: alice was there, present, gave feedback; her certificate is ready
    attended = past.enrolments.get(contact=alice)
    assert past.ends_at < timezone.now() and certificate_ready(attended) and attended.feedback.rating == 5
    # on site, one seat: carol has it, alice is first in line
    assert onsite.capacity == 1
    assert onsite.enrolments.get(contact=carol).status == Enrolment.Status.ENROLLED
    assert waiting_position(onsite.enrolments.get(contact=alice)) == 1

    client.force_login(alice)
    response = client.get(reverse("training:certificate", args=[attended.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    "username, words, title",
    [
        ("alice", "故障", "服务器故障排除指南"),
        ("alice", "server troubleshooting", "Server troubleshooting guide"),
        ("alice", "网络中断", "网络中断的处理方法"),
        ("bob", "network outage", "Handling a network outage"),
        ("bob", "label printer blank", "Label printer prints blank or shifted labels"),
        ("bob", "打印机", "标签打印机打印空白或错位"),
        ("alice", "restore historian", "How to back up and restore the historian database"),
        ("bob", "warranty covered", "Warranty FAQ: what is covered, and for how long?"),
        ("bob", "保修", "保修常见问题：保修范围和保修期"),
        ("alice", "报警", "SCADA 报警风暴的处理"),
        ("engineer", "service account", "Resetting the SCADA server's service account"),
        ("engineer", "workstation freezes", "Operator workstation freezes after a Windows update"),
    ],
)
def test_the_demo_articles_are_found_in_both_languages(username, words, title):
    from training.selectors import article_search

    call_command("seed_demo", verbosity=0)

    found = [article.title for article in article_search(user=User.objects.get(username=username), text=words)]

    assert found[0] == title


def test_the_demo_articles_keep_to_their_visibility():
    from training.models import Article
    from training.selectors import article_list

    call_command("seed_demo", verbosity=0)
    alice, bob = User.objects.get(username="alice"), User.objects.get(username="bob")

    seen_by_bob = set(article_list(user=bob).values_list("title", flat=True))
    seen_by_alice = set(article_list(user=alice).values_list("title", flat=True))

    assert "SCADA 报警风暴的处理" in seen_by_alice - seen_by_bob  # for Eastbay's project only
    assert "Resetting the SCADA server's service account" not in seen_by_alice | seen_by_bob
    assert "Operator workstation freezes after a Windows update" not in seen_by_alice | seen_by_bob
    assert Article.objects.filter(status=Article.Status.DRAFT).count() == 1
    english = Article.objects.get(title="Server troubleshooting guide")
    assert english.translation_of.title == "服务器故障排除指南"


# --- the reports' history ------------------------------------------------------------------


def assert_every_figure_has_data() -> None:
    """Every figure of the dashboard's default range (the last twelve months, the current one
    as far as it has gone) has something to show, for the whole desk and for one organisation."""
    from reports import selectors
    from reports.filters import ReportFilter, default_range

    start, end = default_range()
    everything = ReportFilter(start=start, end=end)
    eastbay = ReportFilter(start=start, end=end, organisation_id=Organisation.objects.get(code="eastbay-water").pk)
    for report in (everything, eastbay):
        rows = {row["metric"]: row for row in selectors.attainment(report)}
        # the update target: the demo's reopened ticket (demo/sla.py), whose clock runs
        assert set(rows) - {"update"} == {"first_response", "onsite_arrival", "resolution"}
        if "update" in rows:
            assert rows.pop("update")["clocks"] > 0
        for row in rows.values():  # some in time, some late, with their times
            assert row["met"] > 0 and row["breached"] > 0 and 0 < row["attainment"] < 100
            assert 0 < row["mean_working_seconds"] <= row["mean_wall_seconds"]
            assert row["p90_working_seconds"] >= row["mean_working_seconds"] * 0.5
        for group in selectors.GROUPS:
            one = report.organisation_id and group in ("organisation", "project")  # Eastbay has one project
            assert len({row["group"] for row in selectors.attainment(report, group)}) >= (1 if one else 2), group
        assert len({row["group"] for row in selectors.attainment(report, "month")}) == 12
        assert selectors.breaches(report).exists()
        backlog = selectors.backlog(report)
        assert sum(row["total"] for row in backlog) >= 4
        assert sum(1 for key, _low, _high in selectors.AGE_BUCKETS if any(row[key] for row in backlog)) >= 3
        satisfaction = selectors.satisfaction(report)
        for series in ("tickets", "return_visits", "training"):
            assert sum(row[f"{series}_count"] for row in satisfaction) > 0, series
        deflection = selectors.deflection(report)
        assert len(deflection) == 12
        assert all(row["solved_count"] > 0 and row["rate"] for row in deflection), deflection
        assert selectors.open_review_actions(report).exists()
    grades = {row["grade"] for row in selectors.incidents_by_grade(everything)}
    # the history's graded incidents, and the demo's unassessed one ("": not graded yet)
    assert len(grades - {""}) >= 3 and "" in grades
    inspections = selectors.inspections(everything)
    assert sum(row["due"] for row in inspections) > 0 and sum(row["overdue"] for row in inspections) > 0
    assert selectors.warranties_expiring(everything).exists()


def test_the_reports_history_is_made_once_and_fills_every_figure():
    from demo import history as demo

    call_command("seed_demo", verbosity=0)
    counts = demo.history_counts()
    call_command("seed_demo", verbosity=0)

    assert demo.history_counts() == counts
    assert 150 <= counts["Ticket"] <= 300 and counts["QualityReview"] == 2
    assert_every_figure_has_data()


@pytest.mark.parametrize(
    "moment",
    [
        "2027-01-01 00:20",  # the first minutes of a year (a public holiday, a Friday)
        "2027-12-31 23:50",  # the last of a year
        "2027-04-01 00:05",  # the first of a month
        "2027-04-30 23:59",  # the last of a month
        "2028-02-29 12:00",  # a leap day
        "2028-03-01 00:01",  # the day after it
    ],
)
def test_the_demo_fills_every_figure_on_any_day(moment, settings):
    """The demo is dated back from the moment it is made: whatever the day and hour (in the
    desk's time zone), every figure of the default range has data, the current month too."""
    zone = ZoneInfo(settings.TIME_ZONE)
    at = datetime.datetime.strptime(moment, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    with time_machine.travel(at, tick=False):
        call_command("seed_demo", verbosity=0)
        assert_every_figure_has_data()


@pytest.mark.parametrize("moment", [None, "2027-01-01 00:20", "2028-02-29 23:58"])
def test_the_history_is_consistent_and_tells_nobody(moment, settings):
    if moment is None:
        check_history_consistent()
    else:
        at = datetime.datetime.strptime(moment, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
        with time_machine.travel(at, tick=False):
            check_history_consistent()


def check_history_consistent():
    from demo import history as demo
    from emergency.services import incident_deadlines
    from maintenance.services import inspections_flag_overdue, surveys_send
    from notifications.models import Notification
    from reports.archive import archive
    from reports.models import QualityReview
    from tickets.models import SLAClock, Ticket, TicketCounter
    from tickets.selectors import schedule_for
    from training.services import reminders_send

    with mock.patch.object(demo, "seed", return_value=0):
        call_command("seed_demo", verbosity=0)
    told = Notification.objects.count()
    assert demo.seed() == 5  # two histories, the warranty, two reviews
    now = timezone.now()

    # each stopped clock: its working time on its calendar without the pauses; late = breached
    stopped = SLAClock.objects.filter(stopped_at__isnull=False).select_related("calendar")
    assert stopped.count() > 300
    for clock in stopped:
        working = schedule_for(clock.calendar).between(clock.started_at, clock.stopped_at).total_seconds()
        assert clock.working_seconds == max(0, round(working) - clock.paused_seconds), clock
        assert (clock.breached_at is not None) == (clock.stopped_at > clock.due_at), clock
        assert clock.started_at >= clock.ticket.received_at and clock.stopped_at < now
    assert stopped.filter(paused_seconds__gt=0).exists()
    # a merged ticket closes without being resolved (docs/merge-and-links.md)
    assert not Ticket.objects.filter(
        status__in=["resolved", "closed"], resolved_at__isnull=True, merged_into__isnull=True
    ).exists()
    assert Ticket.objects.filter(rating__isnull=False).count() > 100
    # the yearly counters went on: the next ticket filed gets the next number
    for counter in TicketCounter.objects.all():
        assert Ticket.objects.filter(reference__startswith=f"SD-{counter.year}-").count() == counter.value
    # nothing was sent, and the schedulers find nothing of the history to send either
    assert Notification.objects.count() == told
    running = SLAClock.objects.filter(stopped_at=None, paused_at=None, breached_at=None)
    assert not running.filter(due_at__lte=now).exists()
    assert not running.filter(warned_at=None, warn_at__lte=now).exists()
    assert incident_deadlines(now) == 0
    assert inspections_flag_overdue() == 0
    assert surveys_send() == 0
    assert reminders_send() == 0
    assert Notification.objects.count() == told
    # the archive holds every kind, and the reviews their PDFs
    eastbay = Organisation.objects.get(code="eastbay-water")
    kinds = {entry["e_kind"] for entry in archive(organisation_id=eastbay.pk)}
    assert {"ticket", "incident", "inspection", "return_visit", "patch", "training", "warranty_start"} <= kinds
    for review in QualityReview.objects.all():
        assert review.generated_by is None and review.file.read(4) == b"%PDF"


# --- the email intake ----------------------------------------------------------------------


def test_the_email_demo_is_filed_once_through_the_intake():
    from demo import mail as mail_demo
    from mail.models import CcRequest, InboundMessage, Mailbox, RoutingRule
    from tickets.models import Ticket

    def counts():
        return (
            sorted(InboundMessage.objects.values_list("status", flat=True)),
            RoutingRule.objects.count(),
            Ticket.objects.count(),
        )

    call_command("seed_demo", verbosity=0)
    first = counts()
    call_command("seed_demo", verbosity=0)

    assert counts() == first
    assert first[0] == sorted(["ticket", "ticket", "reply", "triage", "ignored", "quarantined"])
    # no active mailbox on a made-up server for beat to fail on every minute
    assert not Mailbox.objects.filter(is_active=True).exists()
    by_status = {
        record.status: record
        for record in InboundMessage.objects.select_related("ticket").exclude(message_id=mail_demo.CAROL_VERIFIED)
    }
    # alice's GBK email (labelled GB2312) opened a ticket in Eastbay's project, chosen by the
    # SCADA rule (high priority), carol copied, the log and the original attached
    opened = by_status["ticket"]
    ticket = opened.ticket
    alice = User.objects.get(username="alice")
    assert opened.contact == alice and ticket.reporter == alice and ticket.channel == Ticket.Channel.EMAIL
    assert ticket.project.code == "ebw-scada" and ticket.priority == "high"
    assert ticket.title == "SCADA 服务器报警：历史数据库同步失败"
    assert "历史数据库同步失败" in ticket.description and ticket.cc == ["carol@eastbay-water.example"]
    assert ticket.email_thread == opened.message_id and ticket.clocks.exists()
    assert sorted(ticket.attachments.filter(comment=None).values_list("name", flat=True)) == [
        "alarm.log",
        "original-message.eml",
    ]
    assert ticket.attachments.get(name="alarm.log").file.read().decode("gb18030").count("同步失败") == 3  # as sent
    # her answer, threaded by In-Reply-To onto the same ticket, without the quote and the phone's line
    reply = by_status["reply"]
    assert reply.ticket == ticket
    comment = ticket.comments.get()
    assert comment.author == alice and comment.public and comment.body.startswith("补充一下")
    assert "写道" not in comment.body and "iPhone" not in comment.body
    # the rest opened nothing
    assert by_status["triage"].sender == "zhao.min@eastbay-water.example" and by_status["triage"].ticket is None
    assert "Auto-Submitted" in by_status["ignored"].reason and by_status["ignored"].ticket is None
    assert by_status["quarantined"].reason == "The message has no sender address."
    assert by_status["quarantined"].raw.read().startswith(b"To: ")
    # alice's mail was not verified (no MAIL_AUTHSERV_ID): marked, and its Cc copied nobody
    assert ticket.sender_verified is False
    # carol's came through the demo mailbox, whose server vouched for her domain: filed as hers,
    # verified, alice (a contact) copied at once, the outside consultant waiting for staff
    verified = InboundMessage.objects.get(message_id=mail_demo.CAROL_VERIFIED)
    assert verified.contact.username == "carol" and verified.ticket.sender_verified is True
    assert verified.ticket.cc == ["alice@eastbay-water.example"]
    assert list(CcRequest.objects.filter(ticket=verified.ticket).values_list("address", "status")) == [
        ("li.gang@hydro-consult.example", CcRequest.Status.PENDING)
    ]
