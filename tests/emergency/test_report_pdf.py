"""The printable incident report: built through the real services, read back with pypdf."""

import datetime
import io
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader

from emergency.models import Incident
from emergency.reports import incident_pdf
from emergency.services import incident_arrive, incident_create, incident_log, incident_transition, resource_check

pytestmark = pytest.mark.django_db

SYMPTOMS = "No ward can open patient records; the cluster answers no pings."
ROOT_CAUSE = "Controller firmware bug"
ACTION = "Upgrade the controller firmware"


def text_of(pdf: bytes) -> str:
    """The PDF's text with whitespace folded (wrapped lines join again)."""
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def report(liaison, project, **extra) -> Incident:
    return incident_create(
        actor=liaison,
        project=project,
        title="Records cluster down",
        symptoms=SYMPTOMS,
        location="Data centre, rack B4",
        scope="The whole hospital",
        measures_taken="Restarted the application server once",
        reporter_name="Bob Zhou",
        reporter_phone="138 0000 0000",
        **extra,
    )


@pytest.fixture
def closed_incident(groups, project_a, manager, engineer) -> Incident:
    incident = report(groups.liaison, project_a)
    tech, pk = groups.tech, incident.pk
    incident_transition(
        incident_id=pk, actor=tech, to="assessed", grade="critical", severity="high", scope_level="high",
        urgency="high", assessment="Storage controller failed",
    )  # fmt: skip
    incident = incident_transition(incident_id=pk, actor=tech, to="plan_activated", responders=[tech, groups.eng2])
    resource_check(incident_id=pk, resource_id=incident.resources.first().pk, actor=tech)
    incident_transition(incident_id=pk, actor=tech, to="remote_handling", note="Failing over to the standby")
    incident_log(incident_id=pk, actor=tech, kind="action", text="Ran diagnostics")
    arrival = timezone.now() + datetime.timedelta(hours=1)
    incident_transition(incident_id=pk, actor=tech, to="onsite", engineer=engineer, expected_arrival_at=arrival)
    incident_arrive(incident_id=pk, actor=engineer, work_done="Replaced the controller")
    incident_transition(incident_id=pk, actor=tech, to="recovered")
    incident_transition(incident_id=pk, actor=tech, to="verified", verification_note="Bob confirmed by phone")
    incident_transition(
        incident_id=pk, actor=tech, to="reviewed", root_cause=ROOT_CAUSE, summary="Recovered in 2 hours",
        went_well="Fast failover", to_improve="Spare controllers on site",
        actions=[{"description": ACTION, "owner": manager, "due_date": datetime.date(2026, 12, 15)}],
    )  # fmt: skip
    return incident_transition(incident_id=pk, actor=tech, to="closed")


def test_the_report_of_a_closed_incident_has_every_part(closed_incident, engineer, manager):
    text = text_of(incident_pdf(closed_incident, language="en"))

    assert "Emergency incident report" in text
    assert closed_incident.reference in text
    assert SYMPTOMS in text
    assert "Organisation A" in text and "Project A" in text
    assert "Bob Zhou, 138 0000 0000" in text
    assert timezone.localtime(closed_incident.reported_at).strftime("%Y-%m-%d %H:%M") in text
    assert "Critical" in text and "Critical incident plan" in text
    for step in Incident.Status.values[1:]:
        assert f"Step: {Incident.Status(step).label}" in text
    assert str(engineer) in text and "Replaced the controller" in text
    assert "Ran diagnostics" in text and "Failing over to the standby" in text
    assert "not yet" in text  # the resources left unchecked
    assert "Bob confirmed by phone" in text
    assert ROOT_CAUSE in text and "Fast failover" in text and "Spare controllers on site" in text
    assert ACTION in text and str(manager) in text and "2026-12-15" in text
    assert re.search(r"Page 1 of \d+", text) and "{nb}" not in text


def test_a_fresh_incident_skips_what_has_not_happened(groups, project_a):
    incident = report(groups.liaison, project_a)

    text = text_of(incident_pdf(incident, language="en"))

    assert incident.reference in text and SYMPTOMS in text
    for missing in ("not graded yet", "No plan activated yet.", "Nobody went on site.", "Not verified yet."):
        assert missing in text
    assert "No review yet." in text
    assert re.search(r"Page 1 of \d+", text)


def test_long_texts_wrap_onto_further_pages(groups, project_a):
    incident = report(groups.liaison, project_a)
    incident.symptoms = "The array rebuilds and fails again. " * 400
    # a pasted log taller than a page: its table row is cut into several, nothing is lost
    log = "\n".join(f"line {n:03d} of the controller log" for n in range(120)) + " 没有空格的很长的中文说明" * 30
    incident_log(incident_id=incident.pk, actor=groups.tech, text=log)

    pdf = incident_pdf(incident, language="en")

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages > 2
    text = text_of(pdf)
    assert f"Page {pages} of {pages}" in text
    assert text.count("fails again") == 400
    assert all(f"line {n:03d} of the controller log" in text for n in range(120))
    assert "".join(text.split()).count("没有空格的很长的中文说明") == 30


def test_the_report_in_chinese(closed_incident):
    pdf = incident_pdf(closed_incident, language="zh-hans")

    text = "".join(text_of(pdf).split())  # Chinese wraps anywhere
    assert "单位" in text  # "organisation", already translated
    assert "故障现象" in text  # "symptoms"
    assert closed_incident.reference in text
    assert "Emergency incident report" in text_of(incident_pdf(closed_incident, language="en"))


@override_settings(PDF_FONT="/nonexistent/font.ttc")
def test_a_missing_font_is_a_configuration_error(groups, project_a):
    incident = report(groups.liaison, project_a)

    with pytest.raises(ImproperlyConfigured, match="PDF_FONT"):
        incident_pdf(incident, language="en")
