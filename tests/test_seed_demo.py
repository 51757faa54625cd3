import datetime

import pytest
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
    assert counts["TrainingPlan"] == 2 and counts["TrainingSession"] == 3 and counts["Article"] >= 8
    for project in Project.objects.all():
        kinds = {topic.kind for topic in Topic.objects.filter(plan__project=project)}
        assert kinds == set(Topic.Kind.values), project
    alice, carol = User.objects.get(username="alice"), User.objects.get(username="carol")
    assert (carol.organisation, carol.role) == (alice.organisation, "customer")
    sessions = {session.format: session for session in TrainingSession.objects.all()}
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
