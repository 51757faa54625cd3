"""Issue 20: what a visit records (checklist answers and values, notes, findings,
recommendations, photos) reaches the customer only once the visit is completed, in the API as on
the page; staff see it as they go. ``maintenance.selectors.inspection_results_visible`` decides.

On the code before the fix the page hid an in-progress record from the customer, but
``/api/v1/inspections/`` (list and detail) gave the customer the engineer's draft findings,
answers and photo links."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from maintenance import selectors, services
from maintenance.models import Inspection

pytestmark = pytest.mark.django_db

INSPECTIONS = "/api/v1/inspections/"
DRAFT = "Draft: disk 3 may be failing"
ADVICE = "Replace disk 3"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile("rack.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def in_progress(schedule_a, engineer) -> Inspection:
    """The schedule's first visit, half recorded: answers, a value, a note, findings, a photo."""
    assert services.inspections_plan(today=schedule_a.first_date) == 1
    inspection = Inspection.objects.get(schedule=schedule_a)
    ids = {row.label: row.pk for row in inspection.answers.all()}
    services.inspection_record(
        inspection_id=inspection.pk,
        actor=engineer,
        answers={
            ids["Servers up"]: {"result": "fail", "note": "Node 2 down"},
            ids["CPU load"]: {"value": "97"},
        },
        findings=DRAFT,
        recommendations=ADVICE,
    )
    services.photo_add(inspection_id=inspection.pk, actor=engineer, image=png(), caption="Rack B4")
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.IN_PROGRESS
    return inspection


def complete(inspection: Inspection, engineer) -> None:
    ids = {row.label: row.pk for row in inspection.answers.all()}
    services.inspection_record(
        inspection_id=inspection.pk, actor=engineer, answers={ids["Backups restorable"]: {"result": "pass"}}
    )
    services.inspection_complete(inspection_id=inspection.pk, actor=engineer)


def hidden(body: dict) -> bool:
    return (body["findings"], body["recommendations"], body.get("answers", []), body.get("photos", [])) == (
        "",
        "",
        [],
        [],
    )


def test_the_selector_decides(in_progress, customer_a, engineer, manager):
    assert selectors.inspection_results_visible(user=engineer, inspection=in_progress)
    assert selectors.inspection_results_visible(user=manager, inspection=in_progress)
    assert not selectors.inspection_results_visible(user=customer_a, inspection=in_progress)
    in_progress.status = Inspection.Status.CANCELLED
    assert not selectors.inspection_results_visible(user=customer_a, inspection=in_progress)
    in_progress.status = Inspection.Status.COMPLETED
    assert selectors.inspection_results_visible(user=customer_a, inspection=in_progress)


def test_the_api_gives_a_customer_no_in_progress_results(api, in_progress, customer_a):
    # when the customer reads the visit while the engineer is still recording it
    listed = api.as_user(customer_a).get(INSPECTIONS)
    detail = api.as_user(customer_a).get(f"{INSPECTIONS}{in_progress.pk}/")

    # then they see the visit, its status and date, but nothing it recorded
    assert listed.status_code == 200 and detail.status_code == 200
    [row] = listed.json()["results"]
    assert row["id"] == in_progress.pk and row["status"] == "in_progress"
    assert hidden(row)
    body = detail.json()
    assert body["status"] == "in_progress" and body["due_date"] == in_progress.due_date.isoformat()
    assert hidden(body) and body["report_url"] is None
    assert DRAFT not in detail.text and "Node 2 down" not in detail.text and "97" not in str(body["answers"])
    # nor does the photo's address serve the file
    photo = in_progress.photos.get()
    assert api.get(reverse("maintenance:photo", args=[in_progress.pk, photo.pk])).status_code in (302, 401, 403, 404)


def test_the_api_gives_staff_the_record_as_it_goes(api, in_progress, engineer):
    body = api.as_user(engineer).get(f"{INSPECTIONS}{in_progress.pk}/").json()
    assert (body["findings"], body["recommendations"]) == (DRAFT, ADVICE)
    assert {answer["label"]: answer["result"] or answer["value"] for answer in body["answers"]} == {
        "Servers up": "fail",
        "CPU load": "97",
        "Backups restorable": "",
    }
    assert [photo["caption"] for photo in body["photos"]] == ["Rack B4"]
    [row] = api.as_user(engineer).get(INSPECTIONS).json()["results"]
    assert row["findings"] == DRAFT


def test_the_api_gives_the_customer_everything_once_completed(api, in_progress, customer_a, engineer):
    complete(in_progress, engineer)
    body = api.as_user(customer_a).get(f"{INSPECTIONS}{in_progress.pk}/").json()
    assert (body["status"], body["findings"], body["recommendations"]) == ("completed", DRAFT, ADVICE)
    assert len(body["answers"]) == 3 and [photo["caption"] for photo in body["photos"]] == ["Rack B4"]
    assert body["report_url"]
    [row] = api.as_user(customer_a).get(INSPECTIONS).json()["results"]
    assert row["findings"] == DRAFT


def test_the_page_and_the_photo_follow_the_same_rule(client, in_progress, customer_a, engineer):
    photo = in_progress.photos.get()
    page_url = reverse("maintenance:inspection_detail", args=[in_progress.pk])
    photo_url = reverse("maintenance:photo", args=[in_progress.pk, photo.pk])
    pdf_url = reverse("maintenance:inspection_pdf", args=[in_progress.pk])

    client.force_login(customer_a)
    page = client.get(page_url)
    assert page.status_code == 200 and 'id="report-pending"' in page.text
    assert DRAFT not in page.text and "Node 2 down" not in page.text and photo_url not in page.text
    assert client.get(photo_url).status_code == 404
    assert client.get(pdf_url).status_code == 404

    client.force_login(engineer)
    page = client.get(page_url)
    assert DRAFT in page.text and client.get(photo_url).status_code == 200

    complete(in_progress, engineer)
    client.force_login(customer_a)
    page = client.get(page_url)
    assert DRAFT in page.text and "Node 2 down" in page.text and photo_url in page.text
    assert client.get(photo_url).status_code == 200
    assert client.get(pdf_url).status_code == 200


def test_another_organisation_finds_nothing(api, in_progress, customer_b, engineer):
    complete(in_progress, engineer)
    assert api.as_user(customer_b).get(f"{INSPECTIONS}{in_progress.pk}/").status_code == 404
    assert api.as_user(customer_b).get(INSPECTIONS).json()["results"] == []
