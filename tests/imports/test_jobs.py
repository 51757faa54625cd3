"""Import jobs: the admin flow (upload, preview, import, report), the API and the task."""

import datetime

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from customers.models import Organisation
from imports import services, tasks
from imports.models import ImportJob
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db

ORGS = [["code", "name"], ["acme", "Acme Power"], ["zenith", "Zenith Water"]]


def upload(rows=ORGS, name="orgs.csv"):
    return SimpleUploadedFile(name, csv_bytes(rows), content_type="text/csv")


def test_admin_upload_preview_import_report(client, importer, django_capture_on_commit_callbacks):
    client.force_login(importer)
    changelist = client.get(reverse("admin:imports_importjob_changelist"))
    assert changelist.status_code == 200
    assert reverse("admin:imports_importjob_template", args=["assets", "xlsx"]) in changelist.content.decode()

    # given an uploaded file: a preview, nothing imported
    response = client.post(reverse("admin:imports_importjob_upload"), {"kind": "organisations", "file": upload()})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("admin:imports_importjob_change", args=[job.pk])
    assert not Organisation.objects.exists()
    page = client.get(response.url).content.decode()
    assert "acme" in page and 'role="progressbar"' in page and 'aria-valuenow="0"' in page
    assert job.status == ImportJob.Status.PREVIEWED and job.counts["new"] == 2

    # when imported: the worker's task runs after commit
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("admin:imports_importjob_start", args=[job.pk]))
    assert started.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.progress, job.counts["new"]) == ("done", 100, 2)
    assert Organisation.objects.count() == 2
    report = client.get(reverse("admin:imports_importjob_change", args=[job.pk])).content.decode()
    assert 'aria-valuenow="100"' in report
    progress = client.get(reverse("admin:imports_importjob_progress", args=[job.pk])).json()
    assert progress["status"] == "done" and progress["progress"] == 100


def test_admin_preview_lists_errors_first_and_cannot_start(client, importer):
    client.force_login(importer)
    rows = [*ORGS, ["", "No code"]]
    client.post(reverse("admin:imports_importjob_upload"), {"kind": "organisations", "file": upload(rows)})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID
    assert job.verdicts[0]["line"] == 4 and job.verdicts[0]["verdict"] == "error"
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]) + "?verdict=error").content.decode()
    assert "code is required" in page and "Zenith" not in page
    client.post(reverse("admin:imports_importjob_start", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID
    assert not Organisation.objects.exists()


def test_admin_template_downloads(client, importer):
    client.force_login(importer)
    response = client.get(reverse("admin:imports_importjob_template", args=["contacts", "csv"]))
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbfusername,email,organisation*")


def test_admin_is_for_administrators_only(client, manager):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    assert client.get(reverse("admin:imports_importjob_upload")).status_code == 403
    assert client.get(reverse("admin:imports_importjob_changelist")).status_code == 403


def test_api_dry_run_then_start(api, importer, django_capture_on_commit_callbacks):
    client = api.as_user(importer)
    response = client.post(
        "/api/v1/imports/", {"kind": "organisations", "file": upload(), "dry_run": "true"}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "previewed" and body["counts"] == {"new": 2, "update": 0, "unchanged": 0, "error": 0}
    assert [v["line"] for v in body["verdicts"]] == [2, 3]
    assert not Organisation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/imports/{body['id']}/start/")
    assert started.status_code == 202
    detail = client.get(f"/api/v1/imports/{body['id']}/").json()
    assert (detail["status"], detail["progress"]) == ("done", 100)
    assert Organisation.objects.count() == 2
    assert client.get("/api/v1/imports/").json()["count"] == 1


def test_api_import_at_once_and_bad_input(api, importer, django_capture_on_commit_callbacks):
    client = api.as_user(importer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/imports/", {"kind": "organisations", "file": upload()}, format="multipart")
    assert response.status_code == 201
    assert Organisation.objects.count() == 2
    bad = client.post("/api/v1/imports/", {"kind": "planets", "file": upload()}, format="multipart")
    assert bad.status_code == 400 and "kind" in bad.json()["errors"]
    pdf = client.post("/api/v1/imports/", {"kind": "organisations", "file": upload(name="x.pdf")}, format="multipart")
    assert pdf.status_code == 400


def test_api_refuses_everyone_but_administrators(api, manager, engineer, customer_a):
    for user in (manager, engineer, customer_a):
        client = api.as_user(user)
        assert client.get("/api/v1/imports/").status_code == 403
        assert client.post("/api/v1/imports/", {"kind": "organisations", "file": upload()}).status_code == 403


def test_task_runs_once(importer):
    job = services.import_job_create(actor=importer, kind="organisations", upload=upload())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    assert tasks.import_job_run.apply(args=[job.pk]).get() == "done"
    assert tasks.import_job_run.apply(args=[job.pk]).get() is None  # a duplicate delivery
    assert Organisation.objects.count() == 2
    job.refresh_from_db()
    assert job.counts["new"] == 2


def test_task_reports_rows_that_broke_meanwhile(importer):
    job = services.import_job_create(actor=importer, kind="organisations", upload=upload())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    Organisation.objects.create(code="other", name="Acme Power")  # took the name since the preview
    assert tasks.import_job_run.apply(args=[job.pk]).get() == "failed"
    job.refresh_from_db()
    assert job.counts["error"] == 1 and "Acme Power" in job.verdicts[0]["errors"][0]
    assert not Organisation.objects.filter(code="acme").exists()


def test_admin_pages_in_chinese(client, importer):
    importer.language = "zh-hans"
    importer.save()
    client.force_login(importer)
    client.post(reverse("admin:imports_importjob_upload"), {"kind": "organisations", "file": upload()})
    job = ImportJob.objects.get()
    for url in (
        reverse("admin:imports_importjob_upload"),
        reverse("admin:imports_importjob_changelist"),
        reverse("admin:imports_importjob_change", args=[job.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert 'lang="zh-hans"' in response.content.decode()


def test_progress_of_a_running_job_comes_from_the_cache(importer):
    job = services.import_job_create(actor=importer, kind="organisations", upload=upload())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    job.refresh_from_db()
    cache.set(services.PROGRESS_KEY.format(job.pk), 40)
    assert services.import_job_progress(job=job) == 40


def test_a_job_whose_worker_was_lost_runs_again(importer):
    job = services.import_job_create(actor=importer, kind="organisations", upload=upload())
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, started_at=timezone.now())
    assert tasks.import_job_run.apply(args=[job.pk]).get() is None  # still running elsewhere
    ImportJob.objects.filter(pk=job.pk).update(started_at=long_ago)
    assert tasks.import_job_run.apply(args=[job.pk]).get() == "done"
    assert Organisation.objects.count() == 2
