"""What the training module does: plans and sessions, enrolment with its waiting list,
reminders, attendance, feedback; and the knowledge base's articles, drafts from tickets and
the "this solved it" answers.

Every write goes through one of these functions, in one transaction; people are told through
``notifications.notify`` (mail, with the calendar invitation attached, leaves after commit).
Rules: docs/training.md and docs/knowledge-base.md.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import NotAllowed, ServiceDeskError
from core.writes import assign, require_staff, validated_save
from customers.models import Project
from notifications.models import Reason
from notifications.services import Message, notify
from tickets.models import Ticket
from training import calendars, search
from training.models import (
    AppliesTo,
    Article,
    Deflection,
    Enrolment,
    Feedback,
    Language,
    Material,
    Tag,
    Topic,
    TrainingPlan,
    TrainingSession,
)

# what changes a session's invitation: enrolled people get the new one
INVITATION_FIELDS = ("title", "format", "location", "meeting_link", "starts_at", "ends_at", "trainer_id")
# the same person saying the same article solved it again within this time counts once
DEFLECTION_WINDOW = datetime.timedelta(hours=1)


def _session_for_update(session_id: int) -> TrainingSession:
    return TrainingSession.objects.select_for_update().select_related("plan__project").get(pk=session_id)


def _enrolment_for_update(enrolment_id: int) -> Enrolment:
    # the session first (ordered locking): enrolling and cancelling both lock it
    session_id = Enrolment.objects.values_list("session_id", flat=True).get(pk=enrolment_id)
    _session_for_update(session_id)
    return (
        Enrolment.objects.select_for_update().select_related("session__plan__project", "contact").get(pk=enrolment_id)
    )


# --- plans and sessions --------------------------------------------------------------------


@transaction.atomic
def plan_save(
    *, actor: User, plan: TrainingPlan | None = None, topics: Sequence[Mapping[str, Any]] | None = None, **fields: Any
) -> TrainingPlan:
    """Create or change a plan; ``topics`` (if given) replaces its topics, in that order."""
    require_staff(actor)
    plan = plan or TrainingPlan(created_by=actor)
    assign(plan, fields)
    if not plan.pk and plan.project_id is not None and not plan.project.is_active:  # no project: full_clean says so
        raise ServiceDeskError(_("This project is no longer active."), field="project")
    validated_save(plan)
    if topics is not None:
        kept = []
        for position, data in enumerate(topics):
            topic = plan.topics.filter(pk=data["id"]).first() if data.get("id") else None
            if data.get("id") and topic is None:
                raise ServiceDeskError(_("This topic is not in the plan."), field="topics")
            topic = topic or Topic(plan=plan)
            assign(topic, {key: value for key, value in data.items() if key != "id"})
            topic.position = position
            validated_save(topic)
            kept.append(topic.pk)
        plan.topics.exclude(pk__in=kept).delete()
    return plan


def _check_trainer(trainer: User | None) -> None:
    if trainer is None or not trainer.is_staff_member or not trainer.is_active:
        raise ServiceDeskError(_("The trainer must be an active member of staff."), field="trainer")


@transaction.atomic
def session_save(
    *, actor: User, session: TrainingSession | None = None, topics: Iterable[Topic] | None = None, **fields: Any
) -> TrainingSession:
    """Create or change a session. Enlarging it seats the waiting list; it cannot shrink below
    the people enrolled. Changing its time or place sends everyone enrolled the new invitation."""
    require_staff(actor)
    if session is not None:
        session = _session_for_update(session.pk)
        if session.is_cancelled:
            raise ServiceDeskError(_("This session is cancelled."))
    before = {name: getattr(session, name) for name in INVITATION_FIELDS} if session else {}
    session = session or TrainingSession()
    assign(session, fields)
    if not session.pk and session.plan_id is not None:
        plan = session.plan
        if not plan.is_active or not plan.project.is_active:
            raise ServiceDeskError(_("This plan or its project is no longer active."), field="plan")
    if "trainer" in fields:
        _check_trainer(fields["trainer"])
    seated = session.enrolments.filter(status=Enrolment.Status.ENROLLED).count() if session.pk else 0
    if session.capacity is not None and session.capacity < seated:
        message = _("%(count)d people are enrolled: cancel enrolments before making it smaller.") % {"count": seated}
        raise ServiceDeskError(message, field="capacity")
    changed = bool(before) and any(getattr(session, name) != value for name, value in before.items())
    if changed:
        session.revision += 1
    validated_save(session)
    if topics is not None:
        topics = list(topics)
        if any(topic.plan_id != session.plan_id for topic in topics):
            raise ServiceDeskError(_("Choose topics of the session's plan."), field="topics")
        session.topics.set(topics)
    if changed:
        session.enrolments.filter(status=Enrolment.Status.ENROLLED).update(reminded_at=None)
        for enrolment in session.enrolments.filter(status=Enrolment.Status.ENROLLED).select_related("contact"):
            _tell_enrolment(enrolment, "changed")
    _seat_waiting(session)
    return session


@transaction.atomic
def session_cancel(*, session_id: int, actor: User, reason: str) -> TrainingSession:
    require_staff(actor)
    session = _session_for_update(session_id)
    if session.is_cancelled:
        raise ServiceDeskError(_("This session is cancelled already."))
    if not reason.strip():
        raise ServiceDeskError(_("Say why it is cancelled."), field="reason")
    session.status = TrainingSession.Status.CANCELLED
    session.cancel_reason = reason.strip()
    session.revision += 1
    session.save(update_fields=["status", "cancel_reason", "revision", "updated_at"])
    active = session.enrolments.exclude(status=Enrolment.Status.CANCELLED).select_related("contact")
    for enrolment in active:
        _tell_enrolment(enrolment, "session_cancelled", had_seat=enrolment.status == Enrolment.Status.ENROLLED)
    return session


@transaction.atomic
def material_add(
    *, session_id: int, actor: User, title: str, file: UploadedFile | None = None, url: str = ""
) -> Material:
    require_staff(actor)
    session = _session_for_update(session_id)
    if bool(file) == bool(url):
        raise ServiceDeskError(_("Upload a file or give a link."), field="file")
    material = Material(session=session, title=title, url=url, added_by=actor)
    if file:
        if file.size > settings.ATTACHMENT_MAX_BYTES:
            raise ServiceDeskError(_("The file is too large."), field="file")
        material.file = file
    validated_save(material)
    return material


@transaction.atomic
def material_remove(*, material_id: int, actor: User) -> None:
    require_staff(actor)
    material = Material.objects.select_for_update().get(pk=material_id)
    material.file.delete(save=False)
    material.delete()


# --- enrolment -----------------------------------------------------------------------------


def may_enrol(session: TrainingSession, contact: User) -> bool:
    """A customer contact of the session's project's organisation."""
    return contact.is_active and contact.is_customer and contact.organisation_id == session.plan.project.organisation_id


@transaction.atomic
def enrol(*, session_id: int, contact: User, actor: User) -> Enrolment:
    """A seat if one is free, else a place at the end of the waiting list. Customers enrol
    themselves; staff enrol any contact of the project's organisation."""
    session = _session_for_update(session_id)
    if not actor.is_staff_member and actor.pk != contact.pk:
        raise NotAllowed(_("You can only enrol yourself."))
    if not may_enrol(session, contact):
        raise ServiceDeskError(_("Only the project's customer contacts can enrol."), field="contact")
    if session.is_cancelled:
        raise ServiceDeskError(_("This session is cancelled."))
    if session.starts_at <= timezone.now():
        raise ServiceDeskError(_("This session has started: enrolment is closed."))
    enrolment = Enrolment.objects.filter(session=session, contact=contact).first()
    if enrolment is not None and enrolment.status != Enrolment.Status.CANCELLED:
        raise ServiceDeskError(_("%(name)s is enrolled already.") % {"name": contact}, field="contact")
    enrolment = enrolment or Enrolment(session=session, contact=contact)
    seated = session.enrolments.filter(status=Enrolment.Status.ENROLLED).count()
    full = seated >= session.capacity or session.enrolments.filter(status=Enrolment.Status.WAITLISTED).exists()
    enrolment.status = Enrolment.Status.WAITLISTED if full else Enrolment.Status.ENROLLED
    enrolment.queued_at = timezone.now()
    enrolment.enrolled_by = actor
    enrolment.cancelled_at = None
    enrolment.reminded_at = None
    enrolment.save()
    _tell_enrolment(enrolment, "waitlisted" if full else "enrolled")
    return enrolment


@transaction.atomic
def enrolment_cancel(*, enrolment_id: int, actor: User) -> Enrolment:
    """Give up a seat (or a place in line) before the session starts; the first in line gets
    the seat."""
    enrolment = _enrolment_for_update(enrolment_id)
    session = enrolment.session
    if not actor.is_staff_member and actor.pk != enrolment.contact_id:
        raise NotAllowed(_("You can only cancel your own enrolment."))
    if enrolment.status == Enrolment.Status.CANCELLED:
        raise ServiceDeskError(_("This enrolment is cancelled already."))
    if session.starts_at <= timezone.now():
        raise ServiceDeskError(_("This session has started: the enrolment can no longer be cancelled."))
    was_seated = enrolment.status == Enrolment.Status.ENROLLED
    enrolment.status = Enrolment.Status.CANCELLED
    enrolment.cancelled_at = timezone.now()
    enrolment.save(update_fields=["status", "cancelled_at", "updated_at"])
    _tell_enrolment(enrolment, "cancelled", had_seat=was_seated)
    if was_seated:
        _seat_waiting(session)
    return enrolment


def _seat_waiting(session: TrainingSession) -> None:
    """Seat people from the waiting list, first come first served, while seats are free."""
    if session.is_cancelled or session.starts_at <= timezone.now():
        return
    free = session.capacity - session.enrolments.filter(status=Enrolment.Status.ENROLLED).count()
    if free <= 0:
        return
    waiting = session.enrolments.filter(status=Enrolment.Status.WAITLISTED).order_by("queued_at", "pk")[:free]
    for enrolment in waiting.select_related("contact"):
        enrolment.status = Enrolment.Status.ENROLLED
        enrolment.save(update_fields=["status", "updated_at"])
        _tell_enrolment(enrolment, "seated")


def waiting_position(enrolment: Enrolment) -> int | None:
    if enrolment.status != Enrolment.Status.WAITLISTED:
        return None
    # the line is ordered by (queued_at, pk): two queued at the same moment are told apart
    ahead = enrolment.session.enrolments.filter(
        Q(queued_at__lt=enrolment.queued_at) | Q(queued_at=enrolment.queued_at, pk__lt=enrolment.pk),
        status=Enrolment.Status.WAITLISTED,
    )
    return ahead.count() + 1


_SUBJECTS = {
    "enrolled": gettext_noop("Enrolled: %(title)s on %(date)s"),
    "seated": gettext_noop("A seat is free for you: %(title)s on %(date)s"),
    "waitlisted": gettext_noop("On the waiting list: %(title)s on %(date)s"),
    "changed": gettext_noop("Training session changed: %(title)s on %(date)s"),
    "cancelled": gettext_noop("Enrolment cancelled: %(title)s on %(date)s"),
    "session_cancelled": gettext_noop("Training session cancelled: %(title)s on %(date)s"),
    "reminder": gettext_noop("Reminder: %(title)s on %(date)s"),
}


def _zone_of(user: User) -> ZoneInfo:
    return ZoneInfo(user.time_zone or settings.TIME_ZONE)


def _tell_enrolment(enrolment: Enrolment, event: str, *, had_seat: bool = True) -> None:
    """Tell the participant, with the calendar invitation (or, to someone who had a seat, its
    cancellation) attached."""
    session = enrolment.session
    attachments = []
    if event in ("enrolled", "seated", "changed", "reminder"):
        attachments = [calendars.invitation_attachment(enrolment, method="REQUEST")]
    elif event in ("cancelled", "session_cancelled") and had_seat:
        attachments = [calendars.invitation_attachment(enrolment, method="CANCEL")]
    notify(
        users=[enrolment.contact],
        # queued_at to the microsecond: cancelling and enrolling again within a second is told again
        key=f"enrolment:{enrolment.pk}:{event}:{session.revision}:{enrolment.queued_at.timestamp():.6f}",
        message=Message(
            reason=Reason.TRAINING,
            subject=_SUBJECTS[event],
            template="training/email/enrolment.txt",
            context={
                "event": event,
                "session": session,
                "enrolment": enrolment,
                "position": waiting_position(enrolment),
                "title": session.title,
                # the subject's date in the participant's time zone, as the body's times
                "date": timezone.localtime(session.starts_at, _zone_of(enrolment.contact)).date().isoformat(),
            },
            url=reverse("training:session_detail", args=[session.pk]),
            attachments=attachments,
        ),
    )


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind the people enrolled in sessions starting within ``TRAINING_REMINDER_HOURS``,
    once per enrolment and session time. Returns how many were reminded."""
    now = now or timezone.now()
    due = Enrolment.objects.filter(
        status=Enrolment.Status.ENROLLED,
        reminded_at__isnull=True,
        session__status=TrainingSession.Status.SCHEDULED,
        session__starts_at__gt=now,
        session__starts_at__lte=now + datetime.timedelta(hours=settings.TRAINING_REMINDER_HOURS),
    )
    reminded = 0
    for enrolment_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            enrolment = _enrolment_for_update(enrolment_id)
            if enrolment.reminded_at is not None or enrolment.status != Enrolment.Status.ENROLLED:
                continue  # another worker was first
            enrolment.reminded_at = now
            enrolment.save(update_fields=["reminded_at", "updated_at"])
            _tell_enrolment(enrolment, "reminder")
            reminded += 1
    return reminded


# --- attendance, feedback, certificates ------------------------------------------------------


def may_take_attendance(session: TrainingSession, user: User) -> bool:
    return user.pk == session.trainer_id or user.is_manager or user.is_admin


@transaction.atomic
def attendance_take(*, session_id: int, actor: User, marks: Mapping[int, str]) -> list[Enrolment]:
    """Mark enrolled participants present or absent (the trainer, or a manager), once the
    session has started; marks may be corrected later."""
    session = _session_for_update(session_id)
    if not may_take_attendance(session, actor):
        raise NotAllowed(_("Only the trainer or a manager takes attendance."))
    if session.is_cancelled:
        raise ServiceDeskError(_("This session is cancelled."))
    if session.starts_at > timezone.now():
        raise ServiceDeskError(_("Attendance is taken once the session has started."))
    allowed = {Enrolment.Attendance.PRESENT, Enrolment.Attendance.ABSENT}
    enrolments = {e.pk: e for e in session.enrolments.select_for_update().filter(status=Enrolment.Status.ENROLLED)}
    for enrolment_id, mark in marks.items():
        if enrolment_id not in enrolments:
            raise ServiceDeskError(_("Enrolment %(id)s is not a seat of this session.") % {"id": enrolment_id})
        if mark not in allowed:
            raise ServiceDeskError(_("Mark each participant present or absent."), field="attendance")
    now = timezone.now()
    for enrolment_id, mark in marks.items():
        enrolment = enrolments[enrolment_id]
        if enrolment.attendance != mark:
            enrolment.attendance, enrolment.attendance_at, enrolment.attendance_by = mark, now, actor
            enrolment.save(update_fields=["attendance", "attendance_at", "attendance_by", "updated_at"])
    return list(enrolments.values())


def has_ended(session: TrainingSession) -> bool:
    return session.ends_at <= timezone.now()


def certificate_ready(enrolment: Enrolment) -> bool:
    return enrolment.attendance == Enrolment.Attendance.PRESENT and has_ended(enrolment.session)


@transaction.atomic
def feedback_submit(
    *, enrolment_id: int, actor: User, rating: int, trainer_rating: int | None = None, comments: str = ""
) -> Feedback:
    """The participant's opinion of a session they attended, once, after it ended."""
    enrolment = _enrolment_for_update(enrolment_id)
    if actor.pk != enrolment.contact_id:
        raise NotAllowed(_("Only the participant gives feedback."))
    if not certificate_ready(enrolment):
        raise ServiceDeskError(_("Feedback opens when the session has ended, for those who attended."))
    if Feedback.objects.filter(enrolment=enrolment).exists():
        raise ServiceDeskError(_("You have given your feedback already."))
    feedback = Feedback(enrolment=enrolment, rating=rating, trainer_rating=trainer_rating, comments=comments)
    validated_save(feedback)
    return feedback


# --- knowledge base ------------------------------------------------------------------------


def _tags(names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in dict.fromkeys(name.strip() for name in names if name.strip()):
        if len(name) > 50:
            raise ServiceDeskError(_("A tag has at most 50 characters."), field="tags")
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        tags.append(tag)
    return tags


@transaction.atomic
def article_save(
    *,
    actor: User,
    article: Article | None = None,
    tags: Iterable[str] | None = None,
    projects: Iterable[Project] | None = None,
    applies_to: Sequence[Mapping[str, str]] | None = None,
    **fields: Any,
) -> Article:
    """Create or change an article (staff). Every change is a revision in its history; the
    search index follows."""
    require_staff(actor)
    article = article or Article(author=actor)
    assign(article, fields)
    if article.translation_of_id and article.translation_of_id == article.pk:
        raise ServiceDeskError(_("An article is not its own translation."), field="translation_of")
    if article.translation_of_id and article.translation_of.language == article.language:
        raise ServiceDeskError(_("A translation is in the other language."), field="translation_of")
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    article._history_user = actor
    validated_save(article)
    if tags is not None:
        article.tags.set(_tags(tags))
    if projects is not None:
        article.projects.set(projects)
    if applies_to is not None:
        article.applies_to.all().delete()
        for row in applies_to:
            validated_save(AppliesTo(article=article, product=row["product"], versions=row.get("versions", "")))
    search.article_index(article)
    return article


def articles_reindex(articles: Iterable[Article] | None = None) -> int:
    """Rewrite the search index of ``articles`` (default: all), e.g. after a category or tag is
    renamed."""
    articles = Article.objects.all() if articles is None else articles
    count = 0
    for article in articles:
        search.article_index(article)
        count += 1
    return count


def _language_of(text: str) -> str:
    return Language.CHINESE if any("\u4e00" <= char <= "\u9fff" for char in text) else Language.ENGLISH


@transaction.atomic
def article_from_ticket(*, ticket_id: int, actor: User) -> Article:
    """A staff-only draft from a resolved ticket: its title, the symptoms, and the public
    replies that resolved it, for an engineer to edit into a guide."""
    require_staff(actor)
    ticket = Ticket.objects.select_related("project").get(pk=ticket_id)
    if ticket.status not in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        raise ServiceDeskError(_("Only a resolved ticket can become an article."))
    replies = [comment.body.strip() for comment in ticket.comments.filter(public=True) if comment.body.strip()]
    language = _language_of(ticket.title + ticket.description)
    with_language = (
        {"symptoms": "现象", "measures": "已采取的措施", "solution": "解决方法"}
        if language == Language.CHINESE
        else {"symptoms": "Symptoms", "measures": "Measures already taken", "solution": "Solution"}
    )
    parts = [f"{with_language['symptoms']}\n\n{ticket.description.strip()}"]
    if ticket.measures_taken.strip():
        parts.append(f"{with_language['measures']}\n\n{ticket.measures_taken.strip()}")
    parts.append(f"{with_language['solution']}\n\n" + ("\n\n".join(replies) or "…"))
    article = article_save(
        actor=actor,
        title=ticket.title,
        body="\n\n".join(parts),
        language=language,
        kind=Article.Kind.TROUBLESHOOTING,
        visibility=Article.Visibility.STAFF,
        status=Article.Status.DRAFT,
        source_ticket=ticket,
        applies_to=[
            {"product": product.name, "versions": product.version} for product in ticket.project.products.all()
        ],
    )
    return article


@transaction.atomic
def article_solved(
    *, article: Article, user: User | None, query: str = "", source: str = Deflection.Source.ARTICLE
) -> Deflection:
    """Someone says ``article`` solved their problem: a ticket not filed. The same person
    saying it again about the same article within ``DEFLECTION_WINDOW`` counts once."""
    if article.status != Article.Status.PUBLISHED:
        raise ServiceDeskError(_("This article is not published."))
    signed_in = user is not None and user.is_authenticated
    if signed_in:
        recent = Deflection.objects.filter(
            article=article, user=user, created_at__gte=timezone.now() - DEFLECTION_WINDOW
        ).first()
        if recent is not None:
            return recent
    return Deflection.objects.create(
        article=article,
        user=user if signed_in else None,
        organisation_id=user.organisation_id if signed_in else None,
        query=query.strip()[:500],
        source=source,
    )
