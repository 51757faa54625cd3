"""The service archive selector (reports/archive.py): one UNION ALL of every kind, its columns,
scope, kinds, inclusive dates in the desk's time zone, order and counts."""

import datetime
from types import SimpleNamespace

import pytest
import time_machine
from django.core.paginator import Paginator

from customers.models import InstalledProduct
from maintenance.models import Coverage, Inspection, Product, Release, ReturnVisit, UpgradeNotice
from reports.archive import ALL_DAY, KINDS, archive
from tests.customers.factories import ProjectFactory
from tests.tickets.helpers import sh
from tickets.models import Ticket
from training.models import TrainingSession

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = sh(2026, 4, 10, 12, 0)  # the desk's today: 2026-04-10


def midnight_utc(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(
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
    """Organisation A (projects A and A2): one entry of each kind in March 2026, and rows that
    are no entries (a planned inspection and visit, a cancelled and a future session, an
    upgrade not done); organisation B one ticket."""
    ns = SimpleNamespace()
    ns.project_a2 = project_a2 = ProjectFactory(organisation=org_a, name="Project A2", code="prj-a2")
    ns.ticket = make_ticket(project_a, sh(2026, 3, 2, 9, 0), title="Printer jams", status=Ticket.Status.IN_PROGRESS)
    ns.incident = make_incident(project_a, sh(2026, 3, 3, 10, 0), grade="urgent", title="Cluster down")
    ns.inspection = make_inspection(
        project_a,
        datetime.date(2026, 3, 4),
        status=Inspection.Status.COMPLETED,
        completed_at=sh(2026, 3, 4, 15, 0),
        kind=Inspection.Kind.HEALTH_CHECK,
        title="Health check",
    )
    make_inspection(project_a, datetime.date(2026, 3, 4), title="Planned, not done")
    ns.visit = make_return_visit(project_a2, sh(2026, 3, 5, 11, 0), satisfaction=4, contact_name="Ms Zhang")
    make_return_visit(project_a2, None, status=ReturnVisit.Status.PLANNED, contact_name="Not yet")
    product = Product.objects.create(name="Controller")
    patch = Release.objects.create(
        product=product, version="2.1", released_on=datetime.date(2026, 3, 1), kind=Release.Kind.PATCH
    )
    major = Release.objects.create(
        product=product, version="3.0", released_on=datetime.date(2026, 3, 1), kind=Release.Kind.MAJOR
    )
    installed = InstalledProduct.objects.create(project=project_a, name="Controller", version="2.0")
    ns.patch = UpgradeNotice.objects.create(
        release=patch,
        installed_product=installed,
        project=project_a,
        decision="free",
        reason="warranty",
        status=UpgradeNotice.Status.DONE,
        done_at=sh(2026, 3, 6, 16, 0),
    )
    UpgradeNotice.objects.create(
        release=major, installed_product=installed, project=project_a, decision="billable", reason="x"
    )
    ns.session = make_session(project_a, sh(2026, 3, 7, 9, 0), title="Operator training")
    make_session(project_a, sh(2026, 3, 8, 9, 0), status=TrainingSession.Status.CANCELLED)
    make_session(project_a, sh(2026, 4, 20, 9, 0))  # not held yet
    with time_machine.travel(sh(2026, 3, 8, 10, 0), tick=False):
        ns.coverage = Coverage.objects.create(
            ticket=ns.ticket, cause="product_quality", decision="free", reason="Under warranty", decided_by=engineer
        )
    # ended before today: a start and an end entry; ends today: only its start
    ns.ended = make_warranty(project_a, datetime.date(2024, 3, 20), datetime.date(2026, 3, 20))
    ns.running = make_warranty(project_a, datetime.date(2025, 4, 10), datetime.date(2026, 4, 10))
    ns.other = make_ticket(project_b, sh(2026, 3, 9, 9, 0))
    return ns


def keys(rows) -> list[tuple[str, int]]:
    return [(row["e_kind"], row["e_id"]) for row in rows]


def test_every_kind_with_its_columns(history, org_a, project_a):
    rows = {row["e_kind"] + str(row["e_id"]): row for row in archive(organisation_id=org_a.pk)}
    h = history
    expected = {
        ("ticket", h.ticket.pk): (sh(2026, 3, 2, 9, 0), h.ticket.reference, "Printer jams", "in_progress", project_a),
        ("incident", h.incident.pk): (sh(2026, 3, 3, 10, 0), h.incident.reference, "Cluster down", "urgent", project_a),
        ("inspection", h.inspection.pk): (sh(2026, 3, 4, 15, 0), "", "Health check", "health_check", project_a),
        ("return_visit", h.visit.pk): (sh(2026, 3, 5, 11, 0), "", "Ms Zhang", "4", h.project_a2),
        ("patch", h.patch.pk): (sh(2026, 3, 6, 16, 0), "", "Controller 2.1", "patch", project_a),
        ("training", h.session.pk): (sh(2026, 3, 7, 9, 0), "", "Operator training", "onsite", project_a),
        ("coverage", h.coverage.pk): (sh(2026, 3, 8, 10, 0), h.ticket.reference, "Printer jams", "free", project_a),
        ("warranty_start", h.ended.pk): (
            midnight_utc(datetime.date(2024, 3, 20)),
            "",
            "Reports 2 years",
            "",
            project_a,
        ),
        ("warranty_end", h.ended.pk): (midnight_utc(datetime.date(2026, 3, 20)), "", "Reports 2 years", "", project_a),
        ("warranty_start", h.running.pk): (
            midnight_utc(datetime.date(2025, 4, 10)),
            "",
            "Reports 2 years",
            "",
            project_a,
        ),
    }
    assert set(rows) == {kind + str(pk) for kind, pk in expected}
    for (kind, pk), (at, reference, title, detail, project) in expected.items():
        row = rows[kind + str(pk)]
        assert (row["e_at"], row["e_reference"], row["e_title"], row["e_detail"]) == (at, reference, title, detail)
        assert (row["e_project"], row["e_project_name"]) == (project.pk, project.name)
    assert {kind for kind, _pk in expected} == set(KINDS)


def test_all_day_entries_carry_their_date_as_the_utc_date(history, project_a):
    rows = archive(project_id=project_a.pk, kinds=sorted(ALL_DAY))
    days = [(row["e_kind"], row["e_at"].astimezone(UTC).date()) for row in rows]
    assert days == [
        ("warranty_end", datetime.date(2026, 3, 20)),
        ("warranty_start", datetime.date(2025, 4, 10)),
        ("warranty_start", datetime.date(2024, 3, 20)),
    ]
    # at the desk (UTC+8) that instant is 08:00 of the same day, so the date reads the same there too
    assert all(
        row["e_at"].time() == datetime.time(0, 0) and row["e_at"].utcoffset() == datetime.timedelta(0) for row in rows
    )


def test_newest_first(history, org_a):
    h = history
    assert keys(archive(organisation_id=org_a.pk)) == [
        ("warranty_end", h.ended.pk),  # 2026-03-20
        ("coverage", h.coverage.pk),  # 03-08
        ("training", h.session.pk),
        ("patch", h.patch.pk),
        ("return_visit", h.visit.pk),
        ("inspection", h.inspection.pk),
        ("incident", h.incident.pk),
        ("ticket", h.ticket.pk),  # 03-02
        ("warranty_start", h.running.pk),  # 2025-04-10
        ("warranty_start", h.ended.pk),  # 2024-03-20
    ]


def test_organisation_and_project_scope(history, org_a, org_b, project_a):
    h = history
    assert keys(archive(project_id=h.project_a2.pk)) == [("return_visit", h.visit.pk)]
    of_a = keys(archive(organisation_id=org_a.pk))
    assert ("ticket", h.other.pk) not in of_a and len(of_a) == 10
    assert keys(archive(organisation_id=org_b.pk)) == [("ticket", h.other.pk)]
    assert len(keys(archive(project_id=project_a.pk))) == 9  # all of A's but A2's visit


def test_kinds_filter(history, org_a):
    h = history
    assert keys(archive(organisation_id=org_a.pk, kinds=["ticket", "incident"])) == [
        ("incident", h.incident.pk),
        ("ticket", h.ticket.pk),
    ]
    assert keys(archive(organisation_id=org_a.pk, kinds=["warranty_end"])) == [("warranty_end", h.ended.pk)]
    assert len(keys(archive(organisation_id=org_a.pk, kinds=[]))) == 10  # none chosen: all


def test_date_bounds_are_inclusive_in_the_desks_time_zone(org_a, project_a, make_ticket, make_warranty):
    inside = [make_ticket(project_a, sh(2026, 3, 1, 0, 0)), make_ticket(project_a, sh(2026, 3, 31, 23, 59, 59))]
    make_ticket(project_a, sh(2026, 2, 28, 23, 59, 59))
    make_ticket(project_a, sh(2026, 4, 1, 0, 0))
    first = make_warranty(project_a, datetime.date(2026, 3, 1), datetime.date(2027, 2, 28))
    last = make_warranty(project_a, datetime.date(2026, 3, 31), datetime.date(2027, 3, 30))
    make_warranty(project_a, datetime.date(2026, 2, 28), datetime.date(2027, 2, 27))
    make_warranty(project_a, datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))
    march = archive(
        organisation_id=org_a.pk,
        kinds=["ticket", "warranty_start"],
        start=datetime.date(2026, 3, 1),
        end=datetime.date(2026, 3, 31),
    )
    assert keys(march) == [
        ("ticket", inside[1].pk),  # 2026-03-31 15:59:59 UTC
        ("warranty_start", last.pk),  # 2026-03-31 00:00 UTC
        ("warranty_start", first.pk),  # 2026-03-01 00:00 UTC
        ("ticket", inside[0].pk),  # 2026-02-28 16:00 UTC
    ]
    only_start = archive(organisation_id=org_a.pk, kinds=["ticket"], start=datetime.date(2026, 3, 31))
    assert keys(only_start) == [("ticket", ticket.pk) for ticket in Ticket.objects.order_by("-received_at")[:2]]


def test_counts_and_pages(history, org_a, django_assert_max_num_queries):
    entries = archive(organisation_id=org_a.pk)
    everything = keys(entries)
    with django_assert_max_num_queries(2):
        paginator = Paginator(entries, 4)
        assert (paginator.count, paginator.num_pages) == (10, 3)
        assert keys(paginator.page(2).object_list) == everything[4:8]
    assert keys(paginator.page(3).object_list) == everything[8:]
    assert archive(organisation_id=org_a.pk, kinds=["ticket"]).count() == 1
