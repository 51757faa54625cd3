"""The quality review as a PDF (servicedesk/pdf.py's Report): the promise and the attainment
against it, incidents and their reviews, inspections, trainings, satisfaction and the open
improvement actions. Written in the review's language; times in the desk's time zone.

``figures`` is what ``reports.reviews.figures()`` returns: live Python values when the service
writes the review, or the JSON kept on the row (dates and instants as ISO text) when a review
is drawn again; both read the same."""

import datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.pdf import NONE, Report, when
from core.time import desk_today, desk_zone
from emergency.models import Grade, Incident
from reports.models import QualityReview
from reports.selectors import METRICS
from tickets.models import Metric, Priority


def _percent(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f} %"


def _instant(value: Any) -> datetime.datetime | None:
    if isinstance(value, str):
        return parse_datetime(value)
    return value


def _day(value: Any) -> datetime.date | None:
    if isinstance(value, str):
        return parse_date(value[:10])
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date()
    return value


def hours_minutes(minutes: float | None) -> str:
    """A length of time in hours and minutes ("16 h", "1 h 30 min", "45 min"): working time
    reads in hours, never in days."""
    if minutes is None:
        return NONE
    hours, rest = divmod(round(minutes), 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": rest}


def _seconds(seconds: float | None) -> str:
    return NONE if seconds is None else hours_minutes(seconds / 60)


def _label(choices: type, value: str) -> str:
    return str(choices(value).label) if value in choices.values else (value or NONE)


def review_pdf(review: QualityReview, figures: dict) -> bytes:
    with translation.override(review.language), timezone.override(desk_zone()):
        title = _("Quality review")
        pdf = Report(reference=review.reference, title=title, language=review.language)
        _cover(pdf, review)
        _attainment(pdf, figures)
        _incidents(pdf, figures.get("incidents") or [])
        _inspections(pdf, figures.get("inspections") or {})
        _trainings(pdf, figures.get("trainings") or [])
        _satisfaction(pdf, figures.get("satisfaction") or [])
        _actions(pdf, figures.get("open_actions") or [], today=desk_today())
        return pdf.render()


def _cover(pdf: Report, review: QualityReview) -> None:
    period = QualityReview.Period(review.period).label
    pdf.cover(_("Quality review"), review.organisation.name)
    pdf.facts(
        [
            (_("Organisation"), review.organisation.name),
            (
                pgettext("quality review", "Period"),
                f"{period}: {review.starts_on:%Y-%m-%d} – {review.ends_on:%Y-%m-%d}",
            ),
            (_("Reference"), review.reference),
            (_("Generated at"), when(review.generated_at or timezone.now())),
        ]
    )


def _promises(figures: dict) -> dict[tuple[str, str], list[dict]]:
    promised: dict[tuple[str, str], list[dict]] = {}
    for target in figures.get("promise") or []:
        promised.setdefault((target["priority"], target["metric"]), []).append(target)
    return promised


def _promise_text(targets: list[dict], several_policies: bool) -> str:
    parts = []
    for target in targets:
        text = hours_minutes(target["minutes"])
        where = [target.get("calendar__name") or ""]
        if several_policies:
            where.append(target.get("policy__name") or "")
        where = [part for part in where if part]
        parts.append(f"{text} ({', '.join(where)})" if where else text)
    return "\n".join(parts) or _("no target")


def _attainment(pdf: Report, figures: dict) -> None:
    pdf.heading(_("SLA attainment against the promise"))
    promised = _promises(figures)
    several = len({target.get("policy__name") for target in figures.get("promise") or []}) > 1
    measured = {(row["group"], row["metric"]): row for row in figures.get("attainment_by_priority") or []}
    priority_order = {value: position for position, value in enumerate(reversed(Priority.values))}  # urgent first
    metric_order = {value: position for position, value in enumerate(METRICS)}
    keys = sorted(
        set(promised) | set(measured),
        key=lambda key: (priority_order.get(key[0], 99), metric_order.get(key[1], 99)),
    )
    if not keys:
        pdf.note(_("No targets and no tickets in the period."))
    else:
        rows = []
        for priority, metric in keys:
            row = measured.get((priority, metric), {})
            rows.append(
                [
                    _label(Priority, priority),
                    _label(Metric, metric),
                    _promise_text(promised.get((priority, metric), []), several),
                    str(row.get("clocks", 0)),
                    str(row.get("met", 0)),
                    str(row.get("breached", 0)),
                    _percent(row.get("attainment")),
                    _seconds(row.get("mean_working_seconds")),
                    _seconds(row.get("p90_working_seconds")),
                ]
            )
        pdf.grid(
            [
                _("Priority"),
                _("Metric"),
                _("Promised"),
                _("Clocks"),
                _("Met"),
                _("Breached"),
                _("Attainment"),
                _("Mean working time"),
                _("90th percentile"),
            ],
            rows,
            (1.1, 1.7, 2.2, 0.9, 0.8, 1, 1.3, 1.6, 1.6),
        )
    pdf.label(_("Overall"))
    overall = figures.get("attainment") or []
    if not overall:
        pdf.note(_("No SLA clocks in the period."))
        return
    pdf.grid(
        [
            _("Metric"),
            _("Clocks"),
            _("Met"),
            _("Breached"),
            pgettext("SLA clocks", "Pending"),
            _("Attainment"),
            _("Mean working time"),
        ],
        [
            [
                _label(Metric, row["metric"]),
                str(row["clocks"]),
                str(row["met"]),
                str(row["breached"]),
                str(row.get("pending", row["clocks"] - row["met"] - row["breached"])),
                _percent(row["attainment"]),
                _seconds(row.get("mean_working_seconds")),
            ]
            for row in overall
        ],
        (2.2, 1, 1, 1.1, 1.1, 1.3, 1.6),
    )


def _incidents(pdf: Report, incidents: list[dict]) -> None:
    pdf.heading(_("Emergency incidents and their reviews"))
    if not incidents:
        pdf.note(_("None in the period."))
        return
    for incident in incidents:
        pdf.label(f"{incident['reference']} · {incident['title']}")
        grade = _label(Grade, incident["grade"]) if incident.get("grade") else _("not graded yet")
        pdf.facts(
            [
                (_("Grade"), grade),
                (_("Step"), _label(Incident.Status, incident.get("status") or "")),
                (_("Reported at"), when(_instant(incident.get("reported_at")))),
                (_("Recovered at"), when(_instant(incident.get("recovered_at"))) or pgettext("recovery", "not yet")),
            ]
        )
        pdf.paragraph(_("Root cause"), incident.get("root_cause") or "")
        pdf.paragraph(_("Summary"), incident.get("summary") or "")
        if not (incident.get("root_cause") or incident.get("summary")):
            pdf.note(_("No review yet."))
        pdf.ln(2)


def _inspections(pdf: Report, inspections: dict) -> None:
    pdf.heading(_("Inspections done"))
    pdf.facts(
        [
            (_("Visits completed"), str(inspections.get("done", 0))),
            (_("Of which health checks"), str(inspections.get("health_checks", 0))),
        ]
    )


def _trainings(pdf: Report, trainings: list[dict]) -> None:
    pdf.heading(_("Trainings held"))
    if not trainings:
        pdf.note(_("None in the period."))
        return
    pdf.grid(
        [_("Training session"), _("Date"), _("Present")],
        [[row["title"], when(_instant(row["starts_at"])), str(row["present"])] for row in trainings],
        (5, 2, 1.2),
    )


def _mean(value: float | None, count: int) -> str:
    return NONE if value is None or not count else f"{value:.2f} / 5 ({count})"


def _satisfaction(pdf: Report, months: list[dict]) -> None:
    pdf.heading(_("Satisfaction"))
    pdf.note(_("Mean rating out of 5, with the number of answers in brackets."))
    pdf.grid(
        [_("Month"), _("Ticket ratings"), _("Return visits"), _("Training")],
        [
            [
                f"{_day(row['month']):%Y-%m}",
                _mean(row.get("tickets_mean"), row.get("tickets_count", 0)),
                _mean(row.get("return_visits_mean"), row.get("return_visits_count", 0)),
                _mean(row.get("training_mean"), row.get("training_count", 0)),
            ]
            for row in months
        ],
        (1.2, 2, 2, 2),
    )


def _actions(pdf: Report, actions: list[dict], *, today: datetime.date) -> None:
    pdf.heading(_("Open improvement actions"))
    if not actions:
        pdf.note(_("No open improvement actions."))
        return
    rows = []
    for action in actions:
        due = _day(action["due_date"])
        overdue = due is not None and due < today
        rows.append(
            [
                action["description"],
                action.get("incident__reference") or "",
                action.get("owner__username") or "",
                f"{due:%Y-%m-%d}" + ("\n" + _("overdue") if overdue else "") if due else "",
            ]
        )
    pdf.grid([_("Action"), _("Incident"), _("Owner"), _("Due date")], rows, (5, 1.8, 1.6, 1.5))
