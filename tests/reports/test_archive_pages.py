"""The service archive pages and their CSV and PDF exports: who may see whose archive, the
filters (kinds, dates in the desk's time zone, project), the CSV equal to the selector, the
PDF holding the entries, paging with a bounded number of queries."""

import csv
import datetime
import io
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from customers.models import InstalledProduct
from maintenance.models import Coverage, Inspection, Product, Release, UpgradeNotice
from reports.archive import archive
from reports.archive_rows import entries
from tests.customers.factories import ProjectFactory
from tests.tickets.helpers import sh
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

MAX_QUERIES = 12  # session, user, organisation, projects, count, page, release and ticket links, page chrome


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def url(name: str, pk: int, fmt: str | None = None) -> str:
    return reverse(name, args=[pk, fmt] if fmt else [pk])


@pytest.fixture
def data(
    org_a,
    project_a,
    project_b,
    engineer,
    make_ticket,
    make_incident,
    make_inspection,
    make_return_visit,
    make_session,
    make_warranty,
):
    """Organisation A's two projects with one entry of each kind in March 2026 (Shanghai),
    around the month's edges a ticket on each side; organisation B one ticket."""
    project_a2 = ProjectFactory(organisation=org_a, name="Project A2", code="prj-a2")
    ns = SimpleNamespace(project_a2=project_a2)
    ns.ticket = make_ticket(project_a, sh(2026, 3, 10, 10, 0), title="Printer jams", status=Ticket.Status.IN_PROGRESS)
    ns.late = make_ticket(project_a2, sh(2026, 3, 31, 23, 30), title="Late in the month")
    ns.after = make_ticket(project_a, sh(2026, 4, 1, 0, 10), title="Just after the month")
    ns.before = make_ticket(project_a, sh(2026, 2, 28, 23, 59), title="Just before the month")
    ns.incident = make_incident(project_a, sh(2026, 3, 12, 9, 0), grade="critical", title="Cluster down")
    ns.inspection = make_inspection(
        project_a,
        datetime.date(2026, 3, 14),
        status=Inspection.Status.COMPLETED,
        completed_at=sh(2026, 3, 14, 15, 0),
        title="Quarterly inspection",
    )
    ns.visit = make_return_visit(project_a, sh(2026, 3, 16, 11, 0), satisfaction=4, contact_name="Ms Li")
    ns.session = make_session(project_a2, sh(2026, 3, 18, 14, 0), title="Operator training")
    ns.warranty = make_warranty(project_a, datetime.date(2026, 3, 20), datetime.date(2026, 9, 19))
    product = Product.objects.create(name="Archive server")
    release = Release.objects.create(
        product=product, version="2.1", released_on=datetime.date(2026, 3, 1), kind=Release.Kind.PATCH
    )
    installed = InstalledProduct.objects.create(project=project_a, name="Archive server", version="2.0")
    ns.notice = UpgradeNotice.objects.create(
        release=release,
        installed_product=installed,
        project=project_a,
        decision="free",
        reason="Under warranty",
        status=UpgradeNotice.Status.DONE,
        done_at=sh(2026, 3, 22, 10, 0),
    )
    ns.release = release
    ns.coverage = Coverage.objects.create(
        ticket=ns.ticket, cause="product_quality", decision="billable", reason="Out of warranty", decided_by=engineer
    )
    Coverage.objects.filter(pk=ns.coverage.pk).update(created_at=sh(2026, 3, 24, 9, 0))
    ns.other = make_ticket(project_b, sh(2026, 3, 10, 10, 0), title="Organisation B's ticket")
    return ns


MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


# --- who sees what ------------------------------------------------------------------------


def test_staff_see_the_organisation_archive_newest_first_with_every_kind(client, engineer, org_a, data):
    client.force_login(engineer)
    response = client.get(url("reports:archive-organisation", org_a.pk), MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    kinds = re.findall(r'data-kind="([a-z_]+)"', html)
    assert kinds == [
        "ticket",  # 31st 23:30
        "coverage",  # 24th
        "patch",  # 22nd
        "warranty_start",  # 20th
        "training",  # 18th
        "return_visit",  # 16th
        "inspection",  # 14th
        "incident",  # 12th
        "ticket",  # 10th
    ]
    assert "Organisation B&#x27;s ticket" not in html and "Organisation B's ticket" not in html
    assert data.ticket.reference in html and "In progress" in html  # the status in words
    assert "Critical" in html and "4/5" in html and "Billable" in html and "Patch" in html
    assert "Archive server 2.1" in html
    for link in (
        reverse("tickets:detail", args=[data.ticket.pk]),
        reverse("emergency:detail", args=[data.incident.pk]),
        reverse("maintenance:inspection_detail", args=[data.inspection.pk]),
        reverse("maintenance:return_visit_done", args=[data.visit.pk]),
        reverse("training:session_detail", args=[data.session.pk]),
        reverse("maintenance:warranty_detail", args=[data.warranty.pk]),
        reverse("maintenance:release_detail", args=[data.release.pk]),
    ):
        assert f'href="{link}"' in html


def test_a_customer_sees_its_own_archive_without_the_staff_only_links(client, customer_a, org_a, project_a, data):
    client.force_login(customer_a)
    response = client.get(url("reports:archive-organisation", org_a.pk), MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    assert data.ticket.reference in html and "Ms Li" in html
    assert f'href="{reverse("tickets:detail", args=[data.ticket.pk])}"' in html
    assert reverse("maintenance:return_visit_done", args=[data.visit.pk]) not in html  # staff's page
    assert client.get(url("reports:archive-project", project_a.pk)).status_code == 200


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("reports:archive-organisation", None),
        ("reports:archive-organisation-export", "csv"),
        ("reports:archive-organisation-export", "pdf"),
        ("reports:archive-project", None),
        ("reports:archive-project-export", "csv"),
        ("reports:archive-project-export", "pdf"),
    ],
)
def test_another_organisations_archive_is_not_found_for_a_customer(client, customer_a, org_b, project_b, name, fmt):
    client.force_login(customer_a)
    pk = org_b.pk if "organisation" in name else project_b.pk
    assert client.get(url(name, pk, fmt)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, org_a):
    response = client.get(url("reports:archive-organisation", org_a.pk))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_an_unknown_export_format_is_not_found(client, engineer, org_a):
    client.force_login(engineer)
    assert client.get(url("reports:archive-organisation-export", org_a.pk, "xlsx")).status_code == 404


# --- filters ------------------------------------------------------------------------------


def test_the_kinds_filter_keeps_only_the_chosen_kinds(client, engineer, org_a, data):
    client.force_login(engineer)
    response = client.get(url("reports:archive-organisation", org_a.pk), {"kind": ["incident", "inspection"]})
    kinds = re.findall(r'data-kind="([a-z_]+)"', response.content.decode())
    assert kinds == ["inspection", "incident"]


def test_the_range_is_inclusive_days_in_the_desk_time_zone(client, engineer, org_a, data):
    """23:30 in Shanghai on the last day is in (15:30 UTC); 00:10 on the day after is not,
    though it is still the last day in UTC."""
    client.force_login(engineer)
    response = client.get(url("reports:archive-organisation", org_a.pk), {**MARCH, "kind": "ticket"})
    html = response.content.decode()
    assert data.late.reference in html and data.ticket.reference in html
    assert data.after.reference not in html and data.before.reference not in html
    assert "23:30" in html  # shown in Shanghai time, under its day
    everything = client.get(url("reports:archive-organisation", org_a.pk), {"kind": "ticket"}).content.decode()
    assert data.after.reference in everything and data.before.reference in everything


def test_a_range_that_ends_before_it_starts_is_refused(client, engineer, org_a, data):
    client.force_login(engineer)
    response = client.get(url("reports:archive-organisation", org_a.pk), {"from": "2026-03-31", "to": "2026-03-01"})
    assert "The range ends before it starts." in response.content.decode()
    export = client.get(
        url("reports:archive-organisation-export", org_a.pk, "csv"), {"from": "2026-03-31", "to": "2026-03-01"}
    )
    assert export.status_code == 400


def test_the_project_filter_and_the_project_archive(client, engineer, org_a, project_b, data):
    client.force_login(engineer)
    response = client.get(url("reports:archive-organisation", org_a.pk), {**MARCH, "project": data.project_a2.pk})
    kinds = re.findall(r'data-kind="([a-z_]+)"', response.content.decode())
    assert kinds == ["ticket", "training"]
    project_page = client.get(url("reports:archive-project", data.project_a2.pk), MARCH)
    assert re.findall(r'data-kind="([a-z_]+)"', project_page.content.decode()) == ["ticket", "training"]
    # a project of another organisation is no choice on this organisation's archive
    wrong = client.get(url("reports:archive-organisation", org_a.pk), {"project": project_b.pk})
    assert "Select a valid choice" in wrong.content.decode()
    assert data.other.reference not in wrong.content.decode()


# --- exports ------------------------------------------------------------------------------


def test_the_csv_holds_the_selectors_entries_under_the_filter(client, customer_a, org_a, data):
    client.force_login(customer_a)
    params = {**MARCH, "kind": ["ticket", "incident", "return_visit", "warranty_start"]}
    response = client.get(url("reports:archive-organisation-export", org_a.pk, "csv"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header == ["Date and time", "Kind", "Reference", "Title", "Detail", "Project"]
    expected = [
        [item.when, item.kind_label, item.reference, item.title, item.detail, item.project_name]
        for item in entries(
            archive(
                organisation_id=org_a.pk,
                kinds=params["kind"],
                start=datetime.date(2026, 3, 1),
                end=datetime.date(2026, 3, 31),
            )
        )
    ]
    assert rows == expected
    assert len(rows) == 5
    assert rows[0][:3] == ["2026-03-31 23:30", "Ticket", data.late.reference]
    assert rows[1][:2] == ["2026-03-20", "Warranty starts"]  # all day: a date alone
    assert rows[2][4] == "4/5"


def test_the_pdf_holds_the_entries(client, engineer, org_a, project_a, data):
    client.force_login(engineer)
    response = client.get(url("reports:archive-project-export", project_a.pk, "pdf"), MARCH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "Service archive" in text and "Project A" in text
    assert data.ticket.reference in text and data.incident.reference in text
    assert data.late.reference not in text  # Project A2's
    assert "2026-03-01 – 2026-03-31" in text


def test_a_long_archive_pdf_stops_at_the_limit_and_says_so(client, engineer, org_a, data, monkeypatch):
    monkeypatch.setattr("reports.views.archive.LIMIT", 3)
    client.force_login(engineer)
    response = client.get(url("reports:archive-organisation-export", org_a.pk, "pdf"), {"kind": "ticket"})
    text = text_of(response.content)
    assert "Only the newest 3 of the 4 entries are listed here; the CSV export holds them all." in text
    assert data.late.reference in text and data.before.reference not in text


# --- paging and queries -------------------------------------------------------------------


def _count_queries(client, path, params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_pages_of_fifty_with_queries_not_growing_with_the_entries(
    client, engineer, org_a, project_a, data, make_ticket, django_assert_max_num_queries
):
    client.force_login(engineer)
    path = url("reports:archive-organisation", org_a.pk)
    client.get(path, MARCH)  # what every page keeps for a minute (the liaison on duty) is kept
    few, _html = _count_queries(client, path, MARCH)
    made = [make_ticket(project_a, sh(2026, 3, day, hour, 0)) for day in range(1, 29) for hour in (8, 16)]
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(path, MARCH)
    first = response.content.decode()
    assert len(re.findall(r'data-kind="', first)) == 50
    assert "Page 1 of 2" in first
    many, _html = _count_queries(client, path, MARCH)
    assert many == few
    second = client.get(path, {**MARCH, "page": 2}).content.decode()
    assert len(re.findall(r'data-kind="', second)) == 9 + 56 - 50
    assert made[0].reference in second and made[0].reference not in first  # the oldest, on the last page
    assert "from=2026-03-01" in second  # page links keep the filter


def test_the_export_links_keep_the_filter(client, engineer, org_a, data):
    client.force_login(engineer)
    html = client.get(url("reports:archive-organisation", org_a.pk), {**MARCH, "kind": "ticket"}).content.decode()
    export = url("reports:archive-organisation-export", org_a.pk, "csv")
    assert f'href="{export}?from=2026-03-01&amp;to=2026-03-31&amp;kind=ticket"' in html


def test_the_organisation_and_project_pages_link_to_the_archive_and_for_staff_the_reviews(
    client, customer_a, engineer, org_a, project_a
):
    archive_link = f'href="{url("reports:archive-organisation", org_a.pk)}"'
    project_link = f'href="{url("reports:archive-project", project_a.pk)}"'
    reviews_link = f'href="{reverse("reports:reviews")}?organisation={org_a.pk}"'
    client.force_login(customer_a)
    organisation_page = client.get(reverse("customers:organisation_detail", args=[org_a.pk])).content.decode()
    project_page = client.get(reverse("customers:project_detail", args=[project_a.pk])).content.decode()
    assert archive_link in organisation_page and project_link in project_page
    assert reviews_link not in organisation_page + project_page
    client.force_login(engineer)
    organisation_page = client.get(reverse("customers:organisation_detail", args=[org_a.pk])).content.decode()
    project_page = client.get(reverse("customers:project_detail", args=[project_a.pk])).content.decode()
    assert reviews_link in organisation_page and reviews_link in project_page
