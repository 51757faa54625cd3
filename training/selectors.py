"""Read queries of the training module, scoped to what the user may see: customers their own
organisation's plans and sessions, their own enrolments, and the published articles meant for
them; staff everything. Objects outside the scope are not found (404)."""

import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from accounts.scoping import scope_to_user
from training import search
from training.models import Article, Deflection, Enrolment, TrainingPlan, TrainingSession

ORG = "project__organisation"
SEATED = Q(enrolments__status=Enrolment.Status.ENROLLED)
WAITING = Q(enrolments__status=Enrolment.Status.WAITLISTED)


def plan_list(*, user: User) -> QuerySet[TrainingPlan]:
    queryset = TrainingPlan.objects.select_related("project__organisation").prefetch_related("topics")
    return scope_to_user(queryset, user, organisation_field=ORG)


def plan_get(*, user: User, pk: int) -> TrainingPlan:
    return get_object_or_404(plan_list(user=user), pk=pk)


def session_list(*, user: User) -> QuerySet[TrainingSession]:
    queryset = (
        TrainingSession.objects.select_related("plan__project__organisation", "trainer")
        .prefetch_related("topics", "materials")
        .annotate(
            seats_taken=Count("enrolments", filter=SEATED, distinct=True),
            waiting=Count("enrolments", filter=WAITING, distinct=True),
        )
        .order_by("starts_at", "pk")  # with the counts, Meta.ordering no longer applies
    )
    return scope_to_user(queryset, user, organisation_field=f"plan__{ORG}")


def session_get(*, user: User, pk: int) -> TrainingSession:
    return get_object_or_404(session_list(user=user), pk=pk)


def upcoming(queryset: QuerySet[TrainingSession], now: datetime.datetime | None = None) -> QuerySet[TrainingSession]:
    return queryset.filter(ends_at__gt=now or timezone.now())


def enrolment_list(*, user: User) -> QuerySet[Enrolment]:
    """Staff see every enrolment; a customer only their own."""
    queryset = Enrolment.objects.select_related("session__plan__project__organisation", "session__trainer", "contact")
    queryset = queryset.select_related("feedback")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    return queryset if user.is_staff_member else queryset.filter(contact=user)


def enrolment_get(*, user: User, pk: int) -> Enrolment:
    return get_object_or_404(enrolment_list(user=user), pk=pk)


def session_enrolments(*, session: TrainingSession, user: User) -> QuerySet[Enrolment]:
    """A session's participants (staff) or the user's own enrolment in it (a customer)."""
    return enrolment_list(user=user).filter(session=session).order_by("status", "queued_at", "pk")


def my_enrolment(*, session: TrainingSession, user: User) -> Enrolment | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Enrolment.objects.select_related("feedback").filter(session=session, contact=user).first()


# --- knowledge base ------------------------------------------------------------------------


def visible_articles(*, user: User | None) -> Q:
    """Which articles a user may read: staff all of them, drafts too; customers the published
    public ones and those for customers (of their projects, if the article names projects);
    anonymous visitors the published public ones."""
    if user is not None and user.is_authenticated and user.is_active and user.is_staff_member:
        return Q()
    published = Q(status=Article.Status.PUBLISHED)
    public = published & Q(visibility=Article.Visibility.PUBLIC)
    if user is None or not user.is_authenticated or not user.is_active or not user.organisation_id:
        return public
    named = Article.projects.through.objects.filter(article=OuterRef("pk"))
    mine = named.filter(project__organisation=user.organisation_id)
    for_customers = Q(visibility=Article.Visibility.CUSTOMERS) & (~Exists(named) | Exists(mine))
    return public | (published & for_customers)


def article_list(*, user: User | None) -> QuerySet[Article]:
    return (
        Article.objects.filter(visible_articles(user=user))
        .defer("search_document", "search_vector")  # large, and only read inside the database
        .select_related("category", "author")
        .prefetch_related("tags", "applies_to")
    )


def article_get(*, user: User | None, pk: int) -> Article:
    return get_object_or_404(article_list(user=user), pk=pk)


def article_search(*, user: User | None, text: str, language: str | None = None) -> QuerySet[Article]:
    """What the user may read that matches ``text``, best match first."""
    queryset = article_list(user=user)
    if language:
        queryset = queryset.filter(language=language)
    return search.search(queryset, text)


def suggestions(*, user: User | None, text: str, limit: int = 5) -> list[Article]:
    """Published articles matching what a customer is typing into a fault report."""
    queryset = article_list(user=user).filter(status=Article.Status.PUBLISHED)
    return list(search.search(queryset, text)[:limit])


def deflections(
    *, since: datetime.datetime, until: datetime.datetime, organisation_id: int | None = None
) -> QuerySet[Deflection]:
    """The problems an article solved in the period, of every organisation or of one: the
    numerator of the deflection rate, which the dashboards divide by it plus the tickets filed
    in the same period (``reports.selectors.deflection``, per month)."""
    queryset = Deflection.objects.filter(created_at__gte=since, created_at__lt=until)
    if organisation_id is not None:
        queryset = queryset.filter(organisation_id=organisation_id)
    return queryset


def deflection_counts(
    *, since: datetime.datetime, until: datetime.datetime, organisation_id: int | None = None
) -> dict[str, int]:
    """How many problems were solved in the period (``solved``), of which beside the fault
    report form (``from_ticket_form``)."""
    return deflections(since=since, until=until, organisation_id=organisation_id).aggregate(
        solved=Count("pk"), from_ticket_form=Count("pk", filter=Q(source=Deflection.Source.TICKET_FORM))
    )


def training_records(*, project_id: int) -> QuerySet[TrainingSession]:
    """A project's sessions with their attendance, for its service archive."""
    return (
        TrainingSession.objects.filter(plan__project_id=project_id)
        .select_related("plan", "trainer")
        .annotate(
            seats_taken=Count("enrolments", filter=SEATED, distinct=True),
            present=Count("enrolments", filter=Q(enrolments__attendance=Enrolment.Attendance.PRESENT), distinct=True),
            feedback_count=Count("enrolments__feedback", distinct=True),
        )
        .prefetch_related(Prefetch("topics"))
        .order_by("-starts_at", "-pk")
    )
