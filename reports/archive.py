"""The service archive (售后服务档案): one timeline of everything that happened for an
organisation or a project, as one ``UNION ALL`` of the domain tables the database orders and
pages.

Each entry: ``e_at`` (the instant; for the all-day warranty entries midnight UTC of the day),
``e_kind``, ``e_id`` (the row's pk), ``e_reference``, ``e_title``, ``e_detail`` (a choice value
or a number, shown by the page in words) and the project.
"""

import datetime
from collections.abc import Iterable

from django.db.models import CharField, DateTimeField, F, Func, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.time import desk_today
from emergency.models import Incident
from maintenance.models import Coverage, Inspection, ReturnVisit, UpgradeNotice, Warranty
from reports.filters import ReportFilter
from tickets.models import Ticket
from training.models import TrainingSession

KINDS = {
    "ticket": _("Ticket"),
    "incident": _("Emergency incident"),
    "inspection": _("Inspection"),
    "return_visit": _("Return visit"),
    "patch": _("Patch or upgrade"),
    "training": _("Training session"),
    "warranty_start": _("Warranty starts"),
    "warranty_end": _("Warranty ends"),
    "coverage": _("Coverage decided"),
}
ALL_DAY = {"warranty_start", "warranty_end"}


class DayAsInstant(Func):
    """A date as midnight UTC of that day (its UTC date is the date again)."""

    output_field = DateTimeField()
    template = "(CAST(%(expressions)s AS timestamp) AT TIME ZONE 'UTC')"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="datetime(%(expressions)s)", **extra_context)


def _text(value) -> Cast:
    return Cast(value, CharField())


def _entries(queryset: QuerySet, kind: str, *, at, reference, title, detail, project: str = "project") -> QuerySet:
    return queryset.order_by().values(
        e_at=at,
        e_kind=Value(kind, output_field=CharField()),
        e_id=F("pk"),
        e_reference=reference,
        e_title=title,
        e_detail=detail,
        e_project=F(f"{project}_id"),
        e_project_name=F(f"{project}__name"),
    )


def _within(at: str, since, until) -> Q:
    q = Q()
    if since is not None:
        q &= Q(**{f"{at}__gte": since})
    if until is not None:
        q &= Q(**{f"{at}__lt": until})
    return q


def archive(
    *,
    organisation_id: int | None = None,
    project_id: int | None = None,
    kinds: Iterable[str] = (),
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet:
    """The entries of an organisation or a project, newest first; ``kinds`` empty means all,
    ``start``/``end`` (inclusive) in the desk's time zone."""
    report = ReportFilter(
        start=start or datetime.date.min,
        end=end or datetime.date.max,
        organisation_id=organisation_id,
        project_id=project_id,
    )
    since = report.since if start else None
    until = report.until if end else None
    scope, project_scope = report.scope(priority=False), report.project_scope()
    now = timezone.now()
    empty = Value("", output_field=CharField())
    parts = {
        "ticket": lambda: _entries(
            Ticket.objects.filter(scope, _within("received_at", since, until)),
            "ticket",
            at=F("received_at"),
            reference=F("reference"),
            title=F("title"),
            detail=F("status"),
        ),
        "incident": lambda: _entries(
            Incident.objects.filter(scope, _within("reported_at", since, until)),
            "incident",
            at=F("reported_at"),
            reference=F("reference"),
            title=F("title"),
            detail=F("grade"),
        ),
        "inspection": lambda: _entries(
            Inspection.objects.filter(
                project_scope, _within("completed_at", since, until), status=Inspection.Status.COMPLETED
            ),
            "inspection",
            at=F("completed_at"),
            reference=empty,
            title=F("title"),
            detail=F("kind"),
        ),
        "return_visit": lambda: _entries(
            ReturnVisit.objects.filter(project_scope, _within("done_at", since, until), status=ReturnVisit.Status.DONE),
            "return_visit",
            at=F("done_at"),
            reference=empty,
            title=F("contact_name"),
            detail=_text(F("satisfaction")),
        ),
        "patch": lambda: _entries(
            UpgradeNotice.objects.filter(
                project_scope, _within("done_at", since, until), status=UpgradeNotice.Status.DONE
            ),
            "patch",
            at=F("done_at"),
            reference=empty,
            title=Concat(F("release__product__name"), Value(" "), F("release__version"), output_field=CharField()),
            detail=F("release__kind"),
        ),
        "training": lambda: _entries(
            TrainingSession.objects.filter(
                report.project_scope("plan__"),
                _within("starts_at", since, until),
                status=TrainingSession.Status.SCHEDULED,
                starts_at__lte=now,
            ),
            "training",
            at=F("starts_at"),
            reference=empty,
            title=F("title"),
            detail=F("format"),
            project="plan__project",
        ),
        "warranty_start": lambda: _entries(
            Warranty.objects.filter(project_scope, _within("start_date", start, _next(end))),
            "warranty_start",
            at=DayAsInstant(F("start_date")),
            reference=empty,
            title=F("terms__name"),
            detail=empty,
        ),
        "warranty_end": lambda: _entries(
            Warranty.objects.filter(project_scope, _within("end_date", start, _next(end)), end_date__lt=desk_today()),
            "warranty_end",
            at=DayAsInstant(F("end_date")),
            reference=empty,
            title=F("terms__name"),
            detail=empty,
        ),
        "coverage": lambda: _entries(
            Coverage.objects.filter(report.scope("ticket__", priority=False), _within("created_at", since, until)),
            "coverage",
            at=F("created_at"),
            reference=F("ticket__reference"),
            title=F("ticket__title"),
            detail=F("decision"),
            project="ticket__project",
        ),
    }
    chosen = [kind for kind in parts if kind in set(kinds)] or list(parts)
    first, *rest = (parts[kind]() for kind in chosen)
    return (
        first.union(*rest, all=True).order_by("-e_at", "e_kind", "-e_id") if rest else first.order_by("-e_at", "-e_id")
    )


def _next(day: datetime.date | None) -> datetime.date | None:
    return day + datetime.timedelta(days=1) if day else None
