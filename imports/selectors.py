"""Reads of import jobs: the list, and a job's verdicts a page at a time (errors first)."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from imports.models import ImportJob

VERDICTS_PER_PAGE = 50


def import_job_list() -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("created_by").order_by("-created_at", "-pk")


def import_job_verdicts(*, job: ImportJob, page: int | str | None = 1, only: str = "") -> Page:
    """One page of the job's verdicts (stored errors first, then by line); ``only``: one verdict."""
    rows = [v for v in job.verdicts if not only or v["verdict"] == only]
    return Paginator(rows, VERDICTS_PER_PAGE).get_page(page)
