"""The training admin: every page renders, and plans, sessions and articles are saved through
their services (a refusal is a form error, nothing half-saved; an article saved here is found
by search)."""

import datetime

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from notifications.models import Delivery
from tests.customers.factories import ProjectFactory
from training import selectors, services
from training.models import (
    Article,
    Category,
    Deflection,
    Enrolment,
    Feedback,
    Material,
    Tag,
    TrainingPlan,
    TrainingSession,
)

pytestmark = pytest.mark.django_db

MODELS = [TrainingPlan, TrainingSession, Enrolment, Feedback, Category, Tag, Article, Deflection]
READ_ONLY = {Enrolment, Feedback, Deflection}


def url(model, view: str, *args) -> str:
    return reverse(f"admin:training_{model._meta.model_name}_{view}", args=args)


def inline(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial)}


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def past_enrolment(session_a, customer_a, engineer):
    """Customer A attended a session that ended yesterday, was marked present and answered."""
    starts = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1, hours=3)
    past = services.session_save(
        actor=engineer,
        plan=session_a.plan,
        title="Centralised operator training",
        format=TrainingSession.Format.CENTRALISED,
        location="Training centre",
        trainer=engineer,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
    )
    # enrolment closes when a session starts: the seat of a past session is written directly
    enrolment = Enrolment.objects.create(session=past, contact=customer_a, queued_at=starts, enrolled_by=engineer)
    services.attendance_take(session_id=past.pk, actor=engineer, marks={enrolment.pk: "present"})
    services.feedback_submit(enrolment_id=enrolment.pk, actor=customer_a, rating=5, comments="Clear")
    return enrolment


@pytest.fixture
def everything(session_a, past_enrolment, articles, customer_a):
    """One row of each model, made through the services."""
    category = Category.objects.create(name="Printers", name_zh="打印机")
    services.article_save(actor=session_a.trainer, article=articles["printer"], category=category)
    services.article_solved(article=articles["printer"], user=customer_a, query="paper jam")
    return {model: model.objects.first() for model in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_page_renders(staff_client, everything, model, django_assert_max_num_queries):
    assert admin.site.is_registered(model)
    with django_assert_max_num_queries(25):
        assert staff_client.get(url(model, "changelist")).status_code == 200
    assert staff_client.get(url(model, "changelist"), {"q": "A"}).status_code == 200
    obj = everything[model]
    assert obj is not None
    assert staff_client.get(url(model, "change", obj.pk)).status_code == 200
    assert staff_client.get(url(model, "add")).status_code == (403 if model in READ_ONLY else 200)


def test_the_list_filters(staff_client, everything, session_a, colleague_a, engineer):
    services.enrol(session_id=session_a.pk, contact=colleague_a, actor=engineer)

    present = staff_client.get(url(Enrolment, "changelist"), {"attendance__exact": "present"})
    enrolled = staff_client.get(url(Enrolment, "changelist"), {"status__exact": "enrolled"})
    drafts = staff_client.get(url(Article, "changelist"), {"status__exact": "draft"})
    chinese = staff_client.get(
        url(Article, "changelist"), {"language__exact": "zh-hans", "visibility__exact": "public"}
    )

    assert [e.contact for e in present.context["cl"].result_list] == [everything[Feedback].enrolment.contact]
    assert {e.contact for e in enrolled.context["cl"].result_list} == {colleague_a, everything[Enrolment].contact}
    assert [a.title for a in drafts.context["cl"].result_list] == ["Printer driver crashes"]
    assert [a.title for a in chinese.context["cl"].result_list] == ["服务器故障排除指南"]


def test_read_only_records_cannot_be_changed_here(staff_client, everything):
    feedback = everything[Feedback]

    response = staff_client.post(url(Feedback, "change", feedback.pk), {"rating": "1"})
    deleted = staff_client.post(url(Deflection, "delete", everything[Deflection].pk), {"post": "yes"})

    assert response.status_code == 403
    assert deleted.status_code == 403
    feedback.refresh_from_db()
    assert feedback.rating == 5
    assert Deflection.objects.count() == 1


# --- plans ---------------------------------------------------------------------------------


def test_a_plan_is_saved_with_its_topics(staff_client, project_a, admin_user):
    response = staff_client.post(
        url(TrainingPlan, "add"),
        {
            "project": project_a.pk,
            "title": "Administrator training",
            "audience": "System administrators",
            "notes": "",
            "is_active": "on",
            **inline("topics", total=2),
            "topics-0-position": "0",
            "topics-0-kind": "principles",
            "topics-0-title": "How the system works",
            "topics-0-hours": "1.5",
            "topics-1-position": "1",
            "topics-1-kind": "maintenance",
            "topics-1-title": "Daily checks",
            "topics-1-hours": "1",
        },
    )

    assert response.status_code == 302
    plan = TrainingPlan.objects.get(title="Administrator training")
    assert (plan.project, plan.created_by) == (project_a, admin_user)
    assert [(t.kind, t.title) for t in plan.topics.all()] == [
        ("principles", "How the system works"),
        ("maintenance", "Daily checks"),
    ]


def test_a_plan_for_a_project_no_longer_active_is_a_form_error(staff_client):
    closed = ProjectFactory(is_active=False)

    response = staff_client.post(
        url(TrainingPlan, "add"), {"project": closed.pk, "title": "Late training", **inline("topics")}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["project"] == ["This project is no longer active."]
    assert not TrainingPlan.objects.exists()


# --- sessions ------------------------------------------------------------------------------


def session_data(session: TrainingSession, materials: int = 0, **changes) -> dict:
    starts = timezone.localtime(changes.pop("starts_at", session.starts_at))
    ends = timezone.localtime(changes.pop("ends_at", session.ends_at))
    enrolments = list(session.enrolments.order_by("status", "queued_at", "pk")) if session.pk else []
    kept = session.materials.count() if session.pk else 0
    data = {
        "plan": session.plan_id,
        "title": session.title,
        "format": session.format,
        "location": session.location,
        "meeting_link": session.meeting_link,
        "trainer": session.trainer_id,
        "starts_at_0": starts.date().isoformat(),
        "starts_at_1": starts.time().isoformat(),
        "ends_at_0": ends.date().isoformat(),
        "ends_at_1": ends.time().isoformat(),
        "capacity": str(session.capacity),
        "language": session.language,
        "topics": [topic.pk for topic in session.topics.all()] if session.pk else [],
        "description": session.description,
        **inline("materials", total=kept + materials, initial=kept),
        **inline("enrolments", total=len(enrolments), initial=len(enrolments)),
    }
    for index, enrolment in enumerate(enrolments):
        data[f"enrolments-{index}-id"] = str(enrolment.pk)
        data[f"enrolments-{index}-session"] = str(session.pk)
    return {**data, **changes}


def test_a_session_ending_before_it_starts_is_a_form_error(staff_client, session_a):
    response = staff_client.post(
        url(TrainingSession, "change", session_a.pk),
        session_data(session_a, ends_at=session_a.starts_at - datetime.timedelta(hours=1)),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["ends_at"] == ["A session ends after it starts."]
    session_a.refresh_from_db()
    assert session_a.ends_at > session_a.starts_at


def test_a_session_is_created_through_its_service(staff_client, plan_a, engineer, customer_a):
    starts = timezone.now().replace(microsecond=0, second=0) + datetime.timedelta(days=10)
    template = TrainingSession(
        plan=plan_a,
        title="On-site training",
        format=TrainingSession.Format.ONSITE,
        location="Plant 2, control room",
        trainer=engineer,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=4),
        capacity=8,
        language="zh-hans",
    )
    page = staff_client.get(url(TrainingSession, "add")).content.decode()
    assert f'<option value="{engineer.pk}">' in page
    assert f'<option value="{customer_a.pk}">' not in page  # trainers are staff

    no_link = session_data(template, format="online", location="")
    refused = staff_client.post(url(TrainingSession, "add"), {**no_link, "topics": []})
    response = staff_client.post(
        url(TrainingSession, "add"),
        {
            **session_data(template, materials=1),
            "topics": [plan_a.topics.first().pk],
            "materials-0-title": "Slides",
            "materials-0-url": "https://files.example.com/slides.pdf",
        },
    )

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["meeting_link"] == ["An online session needs its meeting link."]
    assert response.status_code == 302
    session = TrainingSession.objects.get(title="On-site training")
    assert (session.format, session.capacity, session.revision) == ("onsite", 8, 0)
    assert list(session.topics.all()) == [plan_a.topics.first()]
    material = session.materials.get()
    assert (material.title, material.url, material.added_by.username) == (
        "Slides",
        "https://files.example.com/slides.pdf",
        "adm",
    )


def test_moving_a_session_tells_those_enrolled(staff_client, session_a, customer_a):
    services.enrol(session_id=session_a.pk, contact=customer_a, actor=customer_a)
    later = session_a.starts_at + datetime.timedelta(days=1)

    response = staff_client.post(
        url(TrainingSession, "change", session_a.pk),
        session_data(session_a, starts_at=later, ends_at=later + datetime.timedelta(hours=2)),
    )

    assert response.status_code == 302
    session_a.refresh_from_db()
    assert (session_a.starts_at, session_a.revision) == (later, 1)
    changed = Delivery.objects.filter(recipient=customer_a, subject__startswith="Training session changed").get()
    assert "SEQUENCE:1" in changed.attachments[0]["content"]


def test_a_session_cannot_shrink_below_its_enrolments(staff_client, session_a, customer_a, colleague_a):
    for contact in (customer_a, colleague_a):
        services.enrol(session_id=session_a.pk, contact=contact, actor=contact)

    response = staff_client.post(url(TrainingSession, "change", session_a.pk), session_data(session_a, capacity="1"))

    assert response.status_code == 200
    assert "2 people are enrolled" in response.context["adminform"].form.errors["capacity"][0]
    session_a.refresh_from_db()
    assert session_a.capacity == 2


def test_a_material_too_large_is_refused_and_one_is_removed(staff_client, session_a, engineer, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    kept = services.material_add(session_id=session_a.pk, actor=engineer, title="Link", url="https://x.example/a")
    data = session_data(session_a, materials=1)

    too_large = staff_client.post(
        url(TrainingSession, "change", session_a.pk),
        {**data, "materials-0-id": kept.pk, "materials-1-title": "Big", "materials-1-file": big_file()},
    )
    removed = staff_client.post(
        url(TrainingSession, "change", session_a.pk),
        {**session_data(session_a), "materials-0-id": kept.pk, "materials-0-DELETE": "on"},
    )

    assert too_large.status_code == 200
    errors = too_large.context["inline_admin_formsets"][0].formset.errors
    assert errors[1]["file"] == ["The file is too large."]
    assert removed.status_code == 302
    assert not Material.objects.exists()


def big_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("manual.pdf", b"%PDF-1.4 " + b"x" * 100, content_type="application/pdf")


def test_a_cancelled_session_is_read_only(staff_client, session_a, engineer):
    services.session_cancel(session_id=session_a.pk, actor=engineer, reason="Trainer ill")

    response = staff_client.post(url(TrainingSession, "change", session_a.pk), session_data(session_a, title="New"))

    assert response.status_code == 403
    session_a.refresh_from_db()
    assert session_a.title == "Online operator training"


def test_cancelling_enrolments_here_seats_the_waiting_list(staff_client, session_a, customer_a, colleague_a, org_a):
    from tests.accounts.factories import CustomerFactory

    third = CustomerFactory(username="cust-a3", organisation=org_a)
    seated = [services.enrol(session_id=session_a.pk, contact=c, actor=c) for c in (customer_a, colleague_a)]
    waiting = services.enrol(session_id=session_a.pk, contact=third, actor=third)
    assert waiting.status == Enrolment.Status.WAITLISTED

    response = staff_client.post(
        url(Enrolment, "changelist"), {"action": "cancel", "_selected_action": [seated[0].pk]}, follow=True
    )

    assert "1 enrolment cancelled." in [str(m) for m in response.context["messages"]]
    waiting.refresh_from_db()
    assert waiting.status == Enrolment.Status.ENROLLED


# --- the knowledge base --------------------------------------------------------------------


def article_data(**changes) -> dict:
    return {
        "title": "Historian stops recording",
        "language": "en",
        "translation_of": "",
        "kind": "troubleshooting",
        "status": "published",
        "visibility": "public",
        "projects": [],
        "category": "",
        "tags": [],
        "body": "When the historian shows gaps, restart the collector service and check the disk space.",
        "source_ticket": "",
        **inline("applies_to", total=1),
        "applies_to-0-product": "Historian DB",
        "applies_to-0-versions": "2.x",
        **changes,
    }


def test_an_article_saved_here_is_found_by_search(staff_client, admin_user, customer_a):
    tag = Tag.objects.create(name="historian")

    response = staff_client.post(url(Article, "add"), article_data(tags=[tag.pk]))

    assert response.status_code == 302
    article = Article.objects.get(title="Historian stops recording")
    assert (article.author, article.published_at is not None) == (admin_user, True)
    assert article.history.count() == 1  # saved once: the form's check left nothing behind
    assert article.history.get().history_user == admin_user
    for words in ("historian gaps", "collector", "Historian DB"):
        assert list(selectors.article_search(user=customer_a, text=words)) == [article], words


def test_a_chinese_article_saved_here_is_found_by_a_word_inside_its_title(staff_client, customer_a):
    response = staff_client.post(
        url(Article, "add"),
        article_data(
            title="数据库备份恢复指南", language="zh-hans", body="每月做一次恢复测试。", **inline("applies_to")
        ),
    )

    assert response.status_code == 302
    assert [a.title for a in selectors.article_search(user=customer_a, text="备份")] == ["数据库备份恢复指南"]


def test_changing_an_article_here_is_a_revision_and_moves_the_index(staff_client, articles, customer_a):
    printer = articles["printer"]
    data = article_data(
        title="Label printer jams", body=printer.body, tags=list(printer.tags.values_list("pk", flat=1))
    )
    data.update(inline("applies_to"))

    response = staff_client.post(url(Article, "change", printer.pk), data)

    assert response.status_code == 302
    printer.refresh_from_db()
    assert printer.title == "Label printer jams"
    assert printer.history.count() == 2
    assert list(selectors.article_search(user=customer_a, text="label jams")) == [printer]


def test_an_article_cannot_be_its_own_translation(staff_client, articles):
    printer = articles["printer"]

    response = staff_client.post(
        url(Article, "change", printer.pk),
        {**article_data(title=printer.title, body=printer.body, translation_of=printer.pk), **inline("applies_to")},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["translation_of"] == ["An article is not its own translation."]
    printer.refresh_from_db()
    assert printer.translation_of is None


def test_renaming_a_tag_or_a_category_reindexes_its_articles(staff_client, articles, customer_a):
    printer = articles["printer"]
    category = Category.objects.create(name="Peripherals")
    services.article_save(actor=printer.author, article=printer, category=category)
    assert list(selectors.article_search(user=customer_a, text="thermal")) == []

    renamed_tag = staff_client.post(url(Tag, "change", printer.tags.get().pk), {"name": "thermal"})
    renamed_category = staff_client.post(
        url(Category, "change", category.pk), {"name": "Peripherals", "name_zh": "外围设备", "position": "0"}
    )

    assert (renamed_tag.status_code, renamed_category.status_code) == (302, 302)
    assert list(selectors.article_search(user=customer_a, text="thermal")) == [printer]
    assert list(selectors.article_search(user=customer_a, text="外围")) == [printer]

    staff_client.post(url(Tag, "delete", printer.tags.get().pk), {"post": "yes"})

    assert list(selectors.article_search(user=customer_a, text="thermal")) == []
