"""The warranty period arithmetic, the status of a warranty (in Python and as the database filter
the API lists by), and the free-or-billable decision on real fault tickets."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from core.errors import NotAllowed, ServiceDeskError
from maintenance import coverage, services
from maintenance.coverage import Status
from maintenance.models import Cause, Coverage, Decision, Service, Warranty, WarrantyTerms
from tests.customers.factories import InstalledProductFactory
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_create

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = datetime.date


def sh(*args: int) -> datetime.datetime:
    """A wall-clock moment in the service desk's time zone (settings.TIME_ZONE)."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def fault(actor, project, received_at: datetime.datetime) -> Ticket:
    return ticket_create(
        actor=actor,
        project=project,
        title="Gateway restarts",
        description="The gateway restarts every hour.",
        received_at=received_at,
    )


def decide(ticket: Ticket, actor, cause: str) -> Coverage:
    return services.coverage_decide(ticket_id=ticket.pk, actor=actor, cause=cause)


# --- period_end -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2024, 2, 29), 24, D(2026, 2, 28)),  # 29 February, no 29th two years on
        (D(2024, 2, 29), 48, D(2028, 2, 29)),  # ... but four years on there is
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # a leap year's month end
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 3, 15), 12, D(2025, 3, 15)),
        (D(2025, 12, 31), 2, D(2026, 2, 28)),  # across the year end, into a short month
        (D(2025, 8, 31), 1, D(2025, 9, 30)),
        (D(2024, 2, 29), 600, D(2074, 2, 28)),  # the longest terms allow: 50 years
        (D(2000, 1, 1), 600, D(2050, 1, 1)),
    ],
)
def test_period_end_is_the_same_day_months_later_or_the_months_last_day(start, months, end):
    # given a start and a duration; when the period is computed; then it ends on the calendar day
    assert coverage.period_end(start, months) == end


def test_every_start_day_of_two_years_ends_on_the_same_day_or_the_months_last_day():
    # given: every day of a common and a leap year as the start
    start = D(2023, 1, 1)
    while start < D(2025, 1, 1):
        for months in (1, 11, 12, 24, 59, 600):
            # when
            end = coverage.period_end(start, months)
            # then: exactly ``months`` calendar months on, on the start's day or the month's last day
            assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
            last_of_month = (end + datetime.timedelta(days=1)).day == 1
            assert end.day == start.day or (end.day < start.day and last_of_month), (start, months, end)
        start += datetime.timedelta(days=1)


# --- warranty_status and status_filter ------------------------------------------------------


def leap_warranty() -> Warranty:
    terms = WarrantyTerms(name="Two years", duration_months=24)
    return Warranty(terms=terms, start_date=D(2024, 2, 29), end_date=D(2026, 2, 28))


@override_settings(WARRANTY_EXPIRING_DAYS=30)
@pytest.mark.parametrize(
    ("today", "status"),
    [
        (D(2024, 2, 28), Status.PENDING),  # the day before the start
        (D(2024, 2, 29), Status.ACTIVE),  # the start day is covered
        (D(2026, 1, 28), Status.ACTIVE),  # 31 days before the end: not yet within 30 days
        (D(2026, 1, 29), Status.EXPIRING),  # the end is exactly the horizon away
        (D(2026, 2, 27), Status.EXPIRING),
        (D(2026, 2, 28), Status.EXPIRING),  # the last day covered
        (D(2026, 3, 1), Status.EXPIRED),  # the day after
    ],
)
def test_warranty_status_at_each_boundary(today, status):
    assert coverage.warranty_status(leap_warranty(), today) == status


def test_the_expiring_horizon_follows_the_setting():
    warranty = leap_warranty()
    # given: a day 31 days before the end; when the horizon is 30, then 60 days
    with override_settings(WARRANTY_EXPIRING_DAYS=30):
        assert coverage.warranty_status(warranty, D(2026, 1, 28)) == Status.ACTIVE
    with override_settings(WARRANTY_EXPIRING_DAYS=60):
        # then: the longer horizon already counts it as expiring
        assert coverage.warranty_status(warranty, D(2026, 1, 28)) == Status.EXPIRING
        assert coverage.warranty_status(warranty, D(2025, 12, 30)) == Status.EXPIRING  # 60 days before the end
        assert coverage.warranty_status(warranty, D(2025, 12, 29)) == Status.ACTIVE


@pytest.fixture
def many_warranties(terms, org_a):
    """Warranties of various starts and lengths, each on its own project, written as rows."""
    from tests.customers.factories import ProjectFactory

    rows = []
    for index, (start, months) in enumerate(
        [
            (D(2024, 2, 29), 24),
            (D(2024, 1, 31), 1),
            (D(2025, 12, 31), 2),
            (D(2025, 11, 15), 3),
            (D(2026, 1, 1), 12),
            (D(2023, 6, 30), 36),
            (D(2026, 2, 1), 1),
        ]
    ):
        short = WarrantyTerms.objects.create(name=f"Terms {index}", duration_months=months)
        project = ProjectFactory(organisation=org_a, final_acceptance_date=start)
        rows.append(services.warranty_save(project=project, terms=short))
    return rows


def boundary_days(warranties: list[Warranty], horizon: int) -> list[datetime.date]:
    days = set()
    for warranty in warranties:
        for anchor in (warranty.start_date, warranty.end_date, warranty.end_date - datetime.timedelta(days=horizon)):
            days.update(anchor + datetime.timedelta(days=delta) for delta in (-2, -1, 0, 1, 2))
    return sorted(days)


@pytest.mark.parametrize("horizon", [60, 30, 0])
def test_the_database_filter_lists_exactly_the_warranties_of_each_status(many_warranties, horizon):
    with override_settings(WARRANTY_EXPIRING_DAYS=horizon):
        days = boundary_days(many_warranties, horizon)
        assert len(days) > 50
        for today in days:
            # given: the Python status of each warranty that day
            expected = {status: set() for status in STATUS_ORDER}
            for warranty in many_warranties:
                expected[coverage.warranty_status(warranty, today)].add(warranty.pk)
            for status in STATUS_ORDER:
                # when: the database filters by the status
                found = set(Warranty.objects.filter(coverage.status_filter(status, today)).values_list("pk", flat=True))
                # then: the same rows
                assert found == expected[status], (today, status)
            # and every warranty has exactly one status
            assert sum(len(pks) for pks in expected.values()) == len(many_warranties)


STATUS_ORDER = [Status.PENDING, Status.ACTIVE, Status.EXPIRING, Status.EXPIRED]


# --- warranty_in_force ----------------------------------------------------------------------


def test_warranty_in_force_says_why_on_each_side_of_the_period():
    warranty = leap_warranty()
    # the day before the start
    covered, reason = coverage.warranty_in_force(warranty, D(2024, 2, 28))
    assert covered is False and "starts on" in reason and "Two years" in reason
    # the start day and the last day
    for day in (D(2024, 2, 29), D(2026, 2, 28)):
        covered, reason = coverage.warranty_in_force(warranty, day)
        assert covered is True and reason.startswith("Under warranty (Two years)")
    # the day after
    covered, reason = coverage.warranty_in_force(warranty, D(2026, 3, 1))
    assert covered is False and "has expired" in reason


# --- the done-when: coverage on fault tickets -----------------------------------------------


def test_a_two_year_warranty_from_29_february_covers_through_28_february_and_not_after(warranty_a):
    # given: the warranty the project got at acceptance on 2024-02-29
    assert (warranty_a.start_date, warranty_a.end_date) == (D(2024, 2, 29), D(2026, 2, 28))
    # then: the last day is covered, the next one is not
    assert coverage.warranty_in_force(warranty_a, D(2026, 2, 28))[0] is True
    assert coverage.warranty_in_force(warranty_a, D(2026, 3, 1))[0] is False


def test_an_installation_fault_inside_the_period_is_free_and_the_ticket_says_why(warranty_a, project_a, engineer):
    # given: a fault received on the last day covered, at 23:30 local time
    ticket = fault(engineer, project_a, sh(2026, 2, 28, 23, 30))
    # when: the engineer attributes it to the installation
    record = decide(ticket, engineer, Cause.INSTALLATION)
    # then: free, by this warranty, and the reason says so
    record.refresh_from_db()
    assert record.decision == Decision.FREE and record.warranty == warranty_a and record.contract is None
    assert record.reason.startswith("Free:") and "covers Installation" in record.reason
    assert Ticket.objects.get(pk=ticket.pk).coverage == record


def test_a_misuse_fault_inside_the_period_is_billable_and_the_ticket_says_why(warranty_a, project_a, engineer):
    ticket = fault(engineer, project_a, sh(2025, 7, 1, 10, 0))
    record = decide(ticket, engineer, Cause.MISUSE)
    assert record.decision == Decision.BILLABLE and record.warranty == warranty_a
    assert record.reason.startswith("Billable:") and "does not cover Misuse or improper operation" in record.reason


def test_a_fault_received_after_the_last_day_is_billable_for_want_of_a_warranty(warranty_a, project_a, engineer):
    # given: received half an hour after local midnight on 1 March (still 28 February in UTC)
    ticket = fault(engineer, project_a, sh(2026, 3, 1, 0, 30))
    assert ticket.received_at.astimezone(datetime.UTC).date() == D(2026, 2, 28)
    # when
    record = decide(ticket, engineer, Cause.INSTALLATION)
    # then: the local date decides
    assert record.decision == Decision.BILLABLE and record.warranty is None
    assert "no warranty or service contract was in force" in record.reason


def test_the_start_day_counts_by_the_local_date_too(warranty_a, project_a, engineer):
    # given: 07:30 local on the acceptance day is still the day before in UTC
    ticket = fault(engineer, project_a, sh(2024, 2, 29, 7, 30))
    assert decide(ticket, engineer, Cause.PRODUCT_QUALITY).decision == Decision.FREE


def test_the_decision_does_not_depend_on_the_deciding_users_time_zone(warranty_a, project_a, engineer):
    # given: the two tickets either side of the end, decided by someone whose pages show London time
    inside = fault(engineer, project_a, sh(2026, 2, 28, 23, 30))
    outside = fault(engineer, project_a, sh(2026, 3, 1, 0, 30))
    with timezone.override(ZoneInfo("Europe/London")):
        # when
        first, second = decide(inside, engineer, Cause.INSTALLATION), decide(outside, engineer, Cause.INSTALLATION)
    # then: the same answers as in the desk's own time zone
    assert (first.decision, second.decision) == (Decision.FREE, Decision.BILLABLE)


def test_an_asset_warranty_wins_over_the_project_one(warranty_a, project_a):
    # given: a project warranty covering installation, and for one asset narrower terms that do not
    asset = InstalledProductFactory(project=project_a, name="Core switch", serial_number="SN-1")
    narrow = WarrantyTerms.objects.create(name="Vendor 5 years", duration_months=60, covered_causes=["product_quality"])
    asset_warranty = services.warranty_save(project=project_a, terms=narrow, asset=asset)
    on = D(2025, 1, 10)
    # when: the asset's fault is judged
    found = coverage.verdict(
        project_id=project_a.pk, asset_id=asset.pk, on=on, cause=Cause.INSTALLATION, service=Service.REPAIR
    )
    # then: its own warranty decides
    assert found.warranty == asset_warranty and found.decision == Decision.BILLABLE
    # and its product-quality fault is free under that warranty, even after the project's has ended
    later = coverage.verdict(
        project_id=project_a.pk, asset_id=asset.pk, on=D(2028, 6, 1), cause=Cause.PRODUCT_QUALITY, service="repair"
    )
    assert later.free and later.warranty == asset_warranty
    # but the rest of the project still goes by the project warranty
    other = coverage.verdict(project_id=project_a.pk, on=on, cause=Cause.INSTALLATION, service=Service.REPAIR)
    assert other.free and other.warranty == warranty_a


def test_another_assets_warranty_does_not_cover_the_project(project_a, terms):
    project_a.final_acceptance_date = D(2024, 2, 29)
    project_a.save()
    asset = InstalledProductFactory(project=project_a, name="Core switch")
    services.warranty_save(project=project_a, terms=terms, asset=asset)
    found = coverage.verdict(project_id=project_a.pk, on=D(2025, 1, 10), cause=Cause.INSTALLATION, service="repair")
    assert found.decision == Decision.BILLABLE and found.warranty is None


@pytest.fixture
def contract_a(warranty_a, project_a):
    """A paid contract for the year after the warranty, covering misuse too (not force majeure)."""
    return services.contract_save(
        project=project_a,
        number="SC-2026-001",
        start_date=D(2026, 3, 1),
        end_date=D(2027, 2, 28),
        service_level="7x24",
        covered_causes=[Cause.PRODUCT_QUALITY, Cause.INSTALLATION, Cause.MISUSE],
    )


def test_a_service_contract_covers_after_the_warranty_expires(contract_a, project_a, engineer):
    ticket = fault(engineer, project_a, sh(2026, 3, 1, 0, 30))
    record = decide(ticket, engineer, Cause.MISUSE)
    assert record.decision == Decision.FREE and record.contract == contract_a and record.warranty is None
    assert "service contract SC-2026-001" in record.reason


def test_a_service_contracts_own_causes_apply(contract_a, project_a, engineer):
    ticket = fault(engineer, project_a, sh(2026, 6, 1, 9, 0))
    record = decide(ticket, engineer, Cause.FORCE_MAJEURE)
    assert record.decision == Decision.BILLABLE and record.contract == contract_a
    assert "service contract SC-2026-001" in record.reason and "does not cover Force majeure" in record.reason


def test_a_contract_in_force_beside_the_warranty_covers_what_the_warranty_does_not(warranty_a, project_a, engineer):
    # given: a contract that overlaps the warranty and covers misuse
    contract = services.contract_save(
        project=project_a,
        number="SC-OVERLAP",
        start_date=D(2025, 1, 1),
        end_date=D(2025, 12, 31),
        covered_causes=[Cause.MISUSE],
    )
    ticket = fault(engineer, project_a, sh(2025, 6, 1, 9, 0))
    # when / then
    record = decide(ticket, engineer, Cause.MISUSE)
    assert record.decision == Decision.FREE and record.contract == contract and record.warranty is None


def test_no_record_at_all_is_billable_with_the_no_warranty_reason(project_a, engineer):
    ticket = fault(engineer, project_a, sh(2025, 6, 1, 9, 0))
    record = decide(ticket, engineer, Cause.PRODUCT_QUALITY)
    assert record.decision == Decision.BILLABLE and record.warranty is None and record.contract is None
    assert record.reason.startswith("Billable: no warranty or service contract was in force on")


def test_deciding_twice_replaces_the_decision_and_records_both(warranty_a, project_a, engineer, manager):
    ticket = fault(engineer, project_a, sh(2025, 7, 1, 10, 0))
    # given: a first decision
    decide(ticket, engineer, Cause.MISUSE)
    # when: the manager corrects the cause
    record = decide(ticket, manager, Cause.INSTALLATION)
    # then: one coverage, the latest, and two events
    assert Coverage.objects.filter(ticket=ticket).count() == 1
    record.refresh_from_db()
    assert (record.cause, record.decision, record.decided_by) == (Cause.INSTALLATION, Decision.FREE, manager)
    events = TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.COVERAGE).order_by("pk")
    assert [(e.actor, e.data["cause"], e.data["decision"]) for e in events] == [
        (engineer, Cause.MISUSE, Decision.BILLABLE),
        (manager, Cause.INSTALLATION, Decision.FREE),
    ]
    assert events[1].data["reason"] == record.reason


def test_a_customer_cannot_decide(warranty_a, project_a, engineer, customer_a):
    ticket = fault(engineer, project_a, sh(2025, 7, 1, 10, 0))
    with pytest.raises(NotAllowed):
        decide(ticket, customer_a, Cause.MISUSE)
    assert not Coverage.objects.filter(ticket=ticket).exists()
    assert not TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.COVERAGE).exists()


def test_an_unknown_cause_is_refused(warranty_a, project_a, engineer):
    ticket = fault(engineer, project_a, sh(2025, 7, 1, 10, 0))
    with pytest.raises(ServiceDeskError) as refused:
        decide(ticket, engineer, "gremlins")
    assert not isinstance(refused.value, NotAllowed) and refused.value.field == "cause"
    assert not Coverage.objects.filter(ticket=ticket).exists()


def test_services_the_terms_exclude_are_billable(warranty_a, project_a):
    # the default terms include patches and minor upgrades, not major ones
    on = D(2025, 1, 1)
    patch = coverage.verdict(project_id=project_a.pk, on=on, service=Service.PATCH)
    major = coverage.verdict(project_id=project_a.pk, on=on, service=Service.MAJOR_UPGRADE)
    assert patch.free and "includes Patches" in patch.reason
    assert not major.free and "excludes Major-version upgrades" in major.reason


# --- the asset's records before the project's ------------------------------------------------


@pytest.fixture
def switch_contract(warranty_a, project_a):
    """A contract on one asset only (the core switch), covering misuse too, during the project's warranty."""
    asset = InstalledProductFactory(project=project_a, name="Core switch", serial_number="SW-7")
    contract = services.contract_save(
        project=project_a,
        asset=asset,
        number="SC-SW-7",
        start_date=D(2024, 3, 1),
        end_date=D(2027, 2, 28),
        service_level="7x24",
        covered_causes=[Cause.PRODUCT_QUALITY, Cause.INSTALLATION, Cause.MISUSE],
    )
    return asset, contract


def test_the_assets_contract_is_asked_before_the_projects_warranty(switch_contract, warranty_a, project_a):
    asset, contract = switch_contract
    # when: an installation fault of the asset, which both records cover
    found = coverage.verdict(
        project_id=project_a.pk, asset_id=asset.pk, on=D(2025, 1, 10), cause=Cause.INSTALLATION, service="repair"
    )
    # then: the asset's own contract decides, not the project's warranty
    assert found.free and found.contract == contract and found.warranty is None
    assert "service contract SC-SW-7" in found.reason
    # and misuse, which the project's warranty does not cover, is free under the asset's contract
    misuse = coverage.verdict(
        project_id=project_a.pk, asset_id=asset.pk, on=D(2025, 1, 10), cause=Cause.MISUSE, service="repair"
    )
    assert misuse.free and misuse.contract == contract


def test_without_the_asset_the_projects_warranty_decides(switch_contract, warranty_a, project_a):
    # the same day and faults, for the project as a whole (no asset named)
    found = coverage.verdict(project_id=project_a.pk, on=D(2025, 1, 10), cause=Cause.INSTALLATION, service="repair")
    assert found.free and found.warranty == warranty_a and found.contract is None
    misuse = coverage.verdict(project_id=project_a.pk, on=D(2025, 1, 10), cause=Cause.MISUSE, service="repair")
    assert misuse.decision == Decision.BILLABLE and misuse.warranty == warranty_a


def test_the_assets_refusal_falls_through_to_the_projects_other_record(switch_contract, warranty_a, project_a):
    # force majeure: the asset's contract does not cover it, nor does the project's warranty
    asset, _contract = switch_contract
    found = coverage.verdict(
        project_id=project_a.pk, asset_id=asset.pk, on=D(2025, 1, 10), cause=Cause.FORCE_MAJEURE, service="repair"
    )
    assert found.decision == Decision.BILLABLE
    # both refusals are given, the asset's first
    assert found.reason.index("SC-SW-7") < found.reason.index("the warranty")


def test_a_ticket_naming_the_asset_is_decided_by_the_assets_records(switch_contract, project_a, engineer):
    asset, contract = switch_contract
    on_asset = ticket_create(
        actor=engineer,
        project=project_a,
        title="Switch dropped",
        description="Dropped by a contractor.",
        received_at=sh(2025, 1, 10, 9, 0),
        asset=asset,
    )
    on_project = fault(engineer, project_a, sh(2025, 1, 10, 9, 0))
    assert decide(on_asset, engineer, Cause.MISUSE).contract == contract
    assert decide(on_asset, engineer, Cause.MISUSE).decision == Decision.FREE
    assert decide(on_project, engineer, Cause.MISUSE).decision == Decision.BILLABLE
