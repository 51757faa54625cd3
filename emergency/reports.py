"""The printable incident report and post-incident review of an emergency incident (PDF).

Rendered with ``core.pdf`` (fpdf2, in the font of ``settings.PDF_FONT``, which must cover
Chinese) in the language asked for; times are shown in the current time zone.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.pdf import Report, field_label
from core.pdf import when as _when
from emergency import presenters
from emergency.models import Incident, IncidentDispatch, IncidentResource, ReviewAction
from emergency.selectors import clock_state


def incident_pdf(incident: Incident, *, language: str) -> bytes:
    """The incident report: the facts, assessment, plan, people, resources, dispatches, the
    full timeline, verification and the post-incident review."""
    with override(language):
        title = _("Emergency incident report %(reference)s") % {"reference": incident.reference}
        pdf = Report(reference=incident.reference, title=title, language=language)
        _facts(pdf, incident)
        _assessment(pdf, incident)
        _plan(pdf, incident)
        _dispatches(pdf, incident)
        _timeline(pdf, incident)
        _review(pdf, incident)
        return pdf.render()


def _label(name: str, model: type[models.Model] = Incident) -> str:
    return field_label(model, name)


def _facts(pdf: Report, incident: Incident) -> None:
    pdf.cover(_("Emergency incident report %(reference)s") % {"reference": incident.reference}, incident.title)
    pdf.note(f"{_label('status')}: {incident.get_status_display()}")
    reporter = incident.reporter_name + (f", {incident.reporter_phone}" if incident.reporter_phone else "")
    pdf.heading(_("The report"))
    pdf.facts(
        [
            (_label("organisation"), str(incident.organisation)),
            (_label("project"), str(incident.project)),
            *([(_label("ticket"), incident.ticket.reference)] if incident.ticket_id else []),
            (_label("reported_at"), _when(incident.reported_at)),
            (_label("channel"), incident.get_channel_display()),
            (_label("reporter_name"), reporter),
            (_label("occurred_at"), _when(incident.occurred_at)),
            (_label("location"), incident.location),
        ]
    )
    pdf.ln(2)
    for name in ("symptoms", "scope", "measures_taken"):
        pdf.paragraph(_label(name), getattr(incident, name))


def _assessment(pdf: Report, incident: Incident) -> None:
    pdf.heading(_("Assessment and grading"))
    levels = [
        (_label(name), getattr(incident, f"get_{name}_display")()) for name in ("severity", "scope_level", "urgency")
    ]
    pdf.facts(
        [
            (_label("status"), incident.get_status_display()),
            (_label("grade"), incident.get_grade_display() or _("not graded yet")),
            (_label("suggested_grade"), incident.get_suggested_grade_display()),
            *[(label, value) for label, value in levels if value],
        ]
    )
    pdf.ln(2)
    for name in ("grade_reason", "assessment"):
        pdf.paragraph(_label(name), getattr(incident, name))


def _plan(pdf: Report, incident: Incident) -> None:
    pdf.heading(_("Response plan and targets"))
    if incident.plan_id is None:
        pdf.note(_("No plan activated yet."))
    else:
        now = timezone.now()
        states = {"met": _("met"), "breached": _("breached"), "running": _("running")}
        response = clock_state(incident.response_due_at, incident.responded_at, now)["state"]
        recovery = clock_state(incident.recovery_due_at, incident.recovered_at, now)["state"]
        pdf.facts(
            [
                (_label("plan"), incident.plan.name),
                (_label("response_due_at"), _when(incident.response_due_at)),
                (_label("responded_at"), _when(incident.responded_at)),
                (_("Response target"), states.get(response, "")),
                (_label("recovery_due_at"), _when(incident.recovery_due_at)),
                (_label("recovered_at"), _when(incident.recovered_at)),
                (_("Recovery target"), states.get(recovery, "")),
            ]
        )
    pdf.heading(_label("responders"))
    people = [str(user) for user in incident.responders.order_by("username")]
    pdf.note(", ".join(people) or _("Nobody yet."))
    pdf.heading(_("Resources"))
    resources = incident.resources.all()
    if not resources:
        pdf.note(_("No resources allocated."))
        return
    pdf.grid(
        [_label(name, IncidentResource) for name in ("description", "quantity", "kind", "checked_at")],
        [
            [r.description, str(r.quantity), r.get_kind_display(), _when(r.checked_at) or _("not yet")]
            for r in resources
        ],
        (5, 1.2, 2, 2.5),
    )


def _dispatches(pdf: Report, incident: Incident) -> None:
    pdf.heading(_("On-site support"))
    dispatches = incident.dispatches.select_related("engineer")
    if not dispatches:
        pdf.note(_("Nobody went on site."))
        return
    names = ("engineer", "dispatched_at", "expected_arrival_at", "arrived_at", "work_done")
    pdf.grid(
        [_label(name, IncidentDispatch) for name in names],
        [
            [str(d.engineer), _when(d.dispatched_at), _when(d.expected_arrival_at), _when(d.arrived_at), d.work_done]
            for d in dispatches
        ],
        (2.2, 2, 2, 2, 4),
    )


def _what(entry: presenters.EntryView) -> str:
    what = f"{entry.kind_label}: {entry.detail}" if entry.detail else entry.kind_label
    return f"{what}\n{entry.text}" if entry.text else what


def _timeline(pdf: Report, incident: Incident) -> None:
    pdf.heading(_("Timeline"))
    entries = incident.entries.select_related("actor").order_by("created_at", "pk")
    pdf.grid(
        [_("Time"), _("Who"), _("What")],
        [
            [_when(e.created_at), e.actor_name or _("system"), _what(e)]
            for e in presenters.timeline_views(entries, None)
        ],
        (1.6, 1.7, 5),
    )


def _review(pdf: Report, incident: Incident) -> None:
    pdf.heading(_("Verification"))
    if incident.verified_at is None:
        pdf.note(_("Not verified yet."))
    else:
        verifier = str(incident.verified_by) if incident.verified_by else ""
        pdf.facts([(_label("verified_at"), _when(incident.verified_at)), (_label("verified_by"), verifier)])
        pdf.ln(2)
        pdf.paragraph(_label("verification_note"), incident.verification_note)
    pdf.heading(_("Post-incident review"))
    actions = incident.review_actions.select_related("owner")
    if not (incident.root_cause or incident.summary or actions):
        pdf.note(_("No review yet."))
        return
    for name in ("root_cause", "summary", "went_well", "to_improve"):
        pdf.paragraph(_label(name), getattr(incident, name))
    if actions:
        pdf.label(_("Improvement actions"))
        pdf.grid(
            [_label(name, ReviewAction) for name in ("description", "owner", "due_date", "done_at")],
            [[a.description, str(a.owner), a.due_date.isoformat(), _when(a.done_at) or _("open")] for a in actions],
            (5, 2, 1.6, 2.2),
        )
