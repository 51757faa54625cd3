"""The maintenance API: warranty terms, warranties and their coverage check, service contracts,
the coverage and billable work of a ticket, inspection schedules, inspections and health
checks, return visits, products, releases and upgrade notices. Each resource: what it answers,
who may write (403), what another organisation gets (404), bad input (400, nothing saved), and
the list's query count."""

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from maintenance import services
from maintenance.models import (
    BillableItem,
    Coverage,
    Inspection,
    InspectionSchedule,
    Product,
    Release,
    ReturnVisit,
    ServiceContract,
    UpgradeNotice,
    Warranty,
    WarrantyTerms,
)
from tests.customers.factories import InstalledProductFactory, ProjectFactory
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TERMS = "/api/v1/warranty-terms/"
WARRANTIES = "/api/v1/warranties/"
CONTRACTS = "/api/v1/contracts/"
SCHEDULES = "/api/v1/inspection-schedules/"
INSPECTIONS = "/api/v1/inspections/"
RETURN_VISITS = "/api/v1/return-visits/"
PRODUCTS = "/api/v1/products/"
RELEASES = "/api/v1/releases/"
NOTICES = "/api/v1/upgrade-notices/"


def sh(*args: int) -> datetime.datetime:
    """A wall-clock moment in Asia/Shanghai."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def on(*args: int):
    """Freeze time at a Shanghai wall-clock moment (noon when no hour is given)."""
    moment = sh(*args) if len(args) > 3 else sh(*args, 12)
    return time_machine.travel(moment, tick=False)


def assert_bad(response, *fields: str) -> dict:
    """A 400 in the one error format, naming exactly these fields."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body["errors"]) == set(fields), body
    return body


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["id"] for row in rows}


def ticket(project, actor, received_at: datetime.datetime, title: str = "Gateway restarts"):
    return ticket_create(
        actor=actor, project=project, title=title, description="It restarts every hour", received_at=received_at
    )


def coverage_url(ticket_id: int) -> str:
    return f"/api/v1/tickets/{ticket_id}/coverage/"


def items_url(ticket_id: int, item_id: int | None = None) -> str:
    return f"/api/v1/tickets/{ticket_id}/billable-items/" + (f"{item_id}/" if item_id else "")


# --- warranty terms -------------------------------------------------------------------------


def test_an_admin_configures_terms_with_name_and_duration(api, admin_user):
    response = api.as_user(admin_user).post(TERMS, {"name": "Two years", "duration_months": 24}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Two years" and body["duration_months"] == 24
    assert body["covered_causes"] == ["product_quality", "installation"]
    assert body["excluded_causes"] == ["misuse", "force_majeure", "third_party", "other"]
    assert body["services_included"] == ["repair", "replacement", "patch", "minor_upgrade"]
    assert body["excluded_services"] == ["major_upgrade"]
    assert WarrantyTerms.objects.get().duration_months == 24


def test_terms_may_list_the_causes_and_services_they_cover(api, admin_user):
    data = {
        "name": "Full cover",
        "duration_months": 36,
        "covered_causes": ["product_quality", "installation", "misuse", "misuse"],
        "services_included": ["repair", "major_upgrade"],
        "description": "Everything",
    }
    response = api.as_user(admin_user).post(TERMS, data, format="json")

    assert response.status_code == 201, response.content
    terms = WarrantyTerms.objects.get()
    assert terms.covered_causes == ["product_quality", "installation", "misuse"]
    assert terms.services_included == ["repair", "major_upgrade"]
    assert response.json()["excluded_services"] == ["replacement", "patch", "minor_upgrade"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"duration_months": 24}, "name"),
        ({"name": "X"}, "duration_months"),
        ({"name": "X", "duration_months": 0}, "duration_months"),
        ({"name": "X", "duration_months": 601}, "duration_months"),
        ({"name": "X", "duration_months": "24"}, "duration_months"),
        ({"name": "X", "duration_months": 24.0}, "duration_months"),
        ({"name": 5, "duration_months": 24}, "name"),
        ({"name": "Standard 2 years", "duration_months": 24}, "name"),  # taken
        ({"name": "X", "duration_months": 24, "covered_causes": ["bad luck"]}, "covered_causes"),
        ({"name": "X", "duration_months": 24, "covered_causes": "misuse"}, "covered_causes"),
        ({"name": "X", "duration_months": 24, "services_included": ["everything"]}, "services_included"),
    ],
)
def test_bad_terms_are_refused_and_nothing_is_saved(api, admin_user, terms, data, field):
    assert_bad(api.as_user(admin_user).post(TERMS, data, format="json"), field)

    assert list(WarrantyTerms.objects.values_list("name", flat=True)) == ["Standard 2 years"]


def test_staff_read_terms_admins_write_them(api, terms, customer_a, engineer, manager, admin_user):
    assert api.as_user(customer_a).get(TERMS).status_code == 403
    assert ids(api.as_user(engineer).get(TERMS)) == {terms.pk}
    for user in (customer_a, engineer, manager):
        client = api.as_user(user)
        assert client.post(TERMS, {"name": "Other", "duration_months": 12}, format="json").status_code == 403
        assert client.patch(f"{TERMS}{terms.pk}/", {"description": "x"}, format="json").status_code == 403
    response = api.as_user(admin_user).patch(f"{TERMS}{terms.pk}/", {"description": "Standard"}, format="json")
    assert response.status_code == 200 and response.json()["description"] == "Standard"
    assert WarrantyTerms.objects.count() == 1


def test_terms_in_use_keep_their_duration(api, admin_user, warranty_a, terms):
    response = api.as_user(admin_user).patch(f"{TERMS}{terms.pk}/", {"duration_months": 36}, format="json")

    assert_bad(response, "duration_months")
    terms.refresh_from_db()
    warranty_a.refresh_from_db()
    assert terms.duration_months == 24 and warranty_a.end_date == datetime.date(2026, 2, 28)
    # another change is fine
    response = api.as_user(admin_user).patch(f"{TERMS}{terms.pk}/", {"name": "Two years"}, format="json")
    assert response.status_code == 200, response.content


# --- warranties and the coverage check: the "done when" -----------------------------


def test_a_project_accepted_on_29_february_is_covered_through_28_february_two_years_on(
    api, manager, customer_a, project_a, terms
):
    project_a.final_acceptance_date = datetime.date(2024, 2, 29)
    project_a.save()

    with on(2025, 6, 1):
        response = api.as_user(manager).post(WARRANTIES, {"project": project_a.pk, "terms": terms.pk}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["start_date"] == "2024-02-29"
    assert body["end_date"] == "2026-02-28"
    assert body["status"] == "active"
    assert body["terms_name"] == "Standard 2 years" and body["project_name"] == "Project A"
    assert body["covered_causes"] == ["product_quality", "installation"]
    client = api.as_user(customer_a)
    check = f"{WARRANTIES}{body['id']}/coverage/"

    last_day = client.get(check, {"date": "2026-02-28"})
    assert last_day.status_code == 200
    assert set(last_day.json()) == {"covered", "reason"}
    assert last_day.json()["covered"] is True
    assert "Standard 2 years" in last_day.json()["reason"]

    day_after = client.get(check, {"date": "2026-03-01"}).json()
    assert day_after["covered"] is False
    assert "expired" in day_after["reason"]
    assert client.get(check, {"date": "2024-02-28"}).json()["covered"] is False
    assert client.get(check, {"date": "2024-02-29"}).json()["covered"] is True


def test_the_status_follows_today(api, customer_a, warranty_a):
    url = f"{WARRANTIES}{warranty_a.pk}/"
    for day, expected in [
        ((2024, 2, 28), "pending"),
        ((2025, 6, 1), "active"),
        ((2026, 1, 10), "expiring"),
        ((2026, 2, 28), "expiring"),
        ((2026, 3, 1), "expired"),
    ]:
        with on(*day):
            assert api.as_user(customer_a).get(url).json()["status"] == expected, day


def test_the_coverage_check_defaults_to_today(api, customer_a, warranty_a):
    url = f"{WARRANTIES}{warranty_a.pk}/coverage/"
    with on(2026, 2, 28, 23, 30):  # still the 28th in Shanghai
        assert api.as_user(customer_a).get(url).json()["covered"] is True
    with on(2026, 3, 1, 0, 30):
        assert api.as_user(customer_a).get(url).json()["covered"] is False


def test_the_coverage_check_may_judge_a_cause(api, customer_a, warranty_a):
    url = f"{WARRANTIES}{warranty_a.pk}/coverage/"
    client = api.as_user(customer_a)

    installation = client.get(url, {"date": "2025-06-01", "cause": "installation"}).json()
    misuse = client.get(url, {"date": "2025-06-01", "cause": "misuse"}).json()
    expired = client.get(url, {"date": "2026-03-01", "cause": "installation"}).json()

    assert installation["covered"] is True and "Installation" in installation["reason"]
    assert misuse["covered"] is False and "Misuse" in misuse["reason"]
    assert expired["covered"] is False and "expired" in expired["reason"]


@pytest.mark.parametrize(
    "params",
    [{"date": "2026-02-30"}, {"date": "28/02/2026"}, {"date": ""}, {"date": "tomorrow"}, {"cause": "bad luck"}],
)
def test_a_bad_coverage_question_is_a_400(api, customer_a, warranty_a, params):
    response = api.as_user(customer_a).get(f"{WARRANTIES}{warranty_a.pk}/coverage/", params)

    assert_bad(response, *params)


def test_a_warranty_may_start_on_a_given_date_and_cover_one_asset(api, manager, project_a, terms):
    asset = InstalledProductFactory(project=project_a, name="Gateway", serial_number="SN-1")
    data = {"project": project_a.pk, "terms": terms.pk, "start_date": "2025-01-31", "asset": asset.pk, "notes": "x"}

    response = api.as_user(manager).post(WARRANTIES, data, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["start_date"], body["end_date"]) == ("2025-01-31", "2027-01-31")
    assert body["asset"] == asset.pk and "Gateway" in body["asset_name"]


def test_a_project_without_an_acceptance_date_needs_a_start_date(api, manager, project_a, terms):
    project_a.final_acceptance_date = None
    project_a.save()

    body = assert_bad(
        api.as_user(manager).post(WARRANTIES, {"project": project_a.pk, "terms": terms.pk}, format="json"),
        "start_date",
    )

    assert "acceptance" in body["detail"]
    assert not Warranty.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"project": None}, "project"),
        ({"project": "1"}, "project"),
        ({"project": 999999}, "project"),
        ({"terms": 999999}, "terms"),
        ({"terms": True}, "terms"),
        ({"start_date": "2025-02-30"}, "start_date"),
        ({"start_date": 20250101}, "start_date"),
        ({"start_date": "9999-06-01"}, "start_date"),  # would end after the last date there is
        ({"notes": 5}, "notes"),
    ],
)
def test_a_bad_warranty_is_refused_and_nothing_is_saved(api, manager, project_a, terms, extra, field):
    data = {"project": project_a.pk, "terms": terms.pk, **extra}

    assert_bad(api.as_user(manager).post(WARRANTIES, data, format="json"), field)

    assert not Warranty.objects.exists()


def test_a_warranty_for_an_asset_of_another_project_is_refused(api, manager, project_a, project_b, terms):
    other = InstalledProductFactory(project=project_b)

    response = api.as_user(manager).post(
        WARRANTIES, {"project": project_a.pk, "terms": terms.pk, "asset": other.pk}, format="json"
    )

    assert_bad(response, "asset")
    assert not Warranty.objects.exists()


def test_managers_write_warranties_customers_and_engineers_do_not(
    api, project_a, terms, customer_a, customer_b, engineer, warranty_a
):
    data = {"project": project_a.pk, "terms": terms.pk}
    url = f"{WARRANTIES}{warranty_a.pk}/"

    assert api.as_user(engineer).post(WARRANTIES, data, format="json").status_code == 403
    assert api.as_user(customer_a).post(WARRANTIES, data, format="json").status_code == 403
    assert api.as_user(customer_b).post(WARRANTIES, data, format="json").status_code == 403
    assert api.as_user(engineer).patch(url, {"notes": "x"}, format="json").status_code == 403
    assert api.as_user(customer_a).patch(url, {"notes": "x"}, format="json").status_code == 403
    assert api.as_user(customer_b).patch(url, {"notes": "x"}, format="json").status_code == 404
    assert Warranty.objects.count() == 1
    assert Warranty.objects.get().notes == ""


def test_customers_see_only_their_own_warranties(api, customer_a, customer_b, warranty_a, project_b, terms):
    warranty_b = services.warranty_save(project=project_b, terms=terms)

    assert ids(api.as_user(customer_a).get(WARRANTIES)) == {warranty_a.pk}
    assert ids(api.as_user(customer_b).get(WARRANTIES)) == {warranty_b.pk}
    assert api.as_user(customer_b).get(f"{WARRANTIES}{warranty_a.pk}/").status_code == 404
    assert api.as_user(customer_b).get(f"{WARRANTIES}{warranty_a.pk}/coverage/").status_code == 404


def test_changing_the_terms_moves_the_end_date(api, manager, warranty_a):
    longer = WarrantyTerms.objects.create(name="Three years", duration_months=36)

    response = api.as_user(manager).patch(f"{WARRANTIES}{warranty_a.pk}/", {"terms": longer.pk}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["start_date"], response.json()["end_date"]) == ("2024-02-29", "2027-02-28")


def test_warranties_filter_by_status_and_project(api, engineer, project_a, project_b, terms):
    def make(project, start: datetime.date) -> int:
        return services.warranty_save(project=project, terms=terms, start_date=start).pk

    pending = make(project_a, datetime.date(2026, 6, 1))
    active = make(project_a, datetime.date(2025, 6, 1))  # through 2027-06-01
    expiring = make(project_b, datetime.date(2024, 2, 29))  # through 2026-02-28
    expired = make(project_b, datetime.date(2023, 1, 1))  # through 2025-01-01
    client = api.as_user(engineer)

    with on(2026, 1, 10):
        assert ids(client.get(WARRANTIES)) == {pending, active, expiring, expired}
        assert ids(client.get(WARRANTIES, {"status": "pending"})) == {pending}
        assert ids(client.get(WARRANTIES, {"status": "active"})) == {active}
        assert ids(client.get(WARRANTIES, {"status": "expiring"})) == {expiring}
        assert ids(client.get(WARRANTIES, {"status": "expired"})) == {expired}
        assert ids(client.get(WARRANTIES, {"project": project_b.pk})) == {expiring, expired}
        assert ids(client.get(WARRANTIES, {"project": project_a.pk, "status": "expired"})) == set()
        statuses = {row["id"]: row["status"] for row in client.get(WARRANTIES).json()["results"]}
    assert statuses == {pending: "pending", active: "active", expiring: "expiring", expired: "expired"}


@pytest.mark.parametrize(("params", "field"), [({"status": "dead"}, "status"), ({"status": ""}, "status")])
def test_a_bad_warranty_filter_is_a_400(api, engineer, params, field):
    assert_bad(api.as_user(engineer).get(WARRANTIES, params), field)


@pytest.mark.parametrize("count", [1, 6])
def test_the_warranty_list_query_count_does_not_grow(api, customer_a, terms, count, django_assert_max_num_queries):
    project = ProjectFactory(organisation=customer_a.organisation)
    for n in range(count):
        asset = InstalledProductFactory(project=project, name=f"Asset {n}")
        services.warranty_save(project=project, terms=terms, asset=asset)
    client = api.as_user(customer_a)

    with django_assert_max_num_queries(3):
        assert len(client.get(WARRANTIES).json()["results"]) == count


# --- service contracts ----------------------------------------------------------------------


CONTRACT = {
    "number": "SC-2026-001",
    "start_date": "2026-03-01",
    "end_date": "2027-02-28",
    "service_level": "7x24, 4-hour on-site response",
    "price_terms": "CNY 120,000 a year",
}


def test_a_manager_records_a_contract_after_the_warranty(api, manager, customer_a, project_a):
    data = {**CONTRACT, "project": project_a.pk, "covered_causes": ["product_quality", "installation", "misuse"]}

    with on(2026, 6, 1):
        response = api.as_user(manager).post(CONTRACTS, data, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "SC-2026-001" and body["status"] == "active"
    assert body["covered_causes"] == ["product_quality", "installation", "misuse"]
    assert body["services_included"] == ["repair", "replacement", "patch", "minor_upgrade"]
    assert ids(api.as_user(customer_a).get(CONTRACTS)) == {body["id"]}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"end_date": "2026-02-01"}, "end_date"),
        ({"number": ""}, "number"),
        ({"number": "SC-TAKEN"}, "number"),
        ({"project": 999999}, "project"),
        ({"start_date": None}, "start_date"),
        ({"covered_causes": ["weather"]}, "covered_causes"),
        ({"price_terms": 120000}, "price_terms"),
    ],
)
def test_a_bad_contract_is_refused_and_nothing_is_saved(api, manager, project_a, extra, field):
    services.contract_save(
        project=project_a, number="SC-TAKEN", start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2020, 12, 31)
    )
    data = {**CONTRACT, "project": project_a.pk, **extra}

    assert_bad(api.as_user(manager).post(CONTRACTS, data, format="json"), field)

    assert list(ServiceContract.objects.values_list("number", flat=True)) == ["SC-TAKEN"]


def test_contracts_are_scoped_and_written_by_managers(api, project_a, project_b, customer_a, customer_b, engineer):
    contract = services.contract_save(
        project=project_a, number="SC-A", start_date=datetime.date(2026, 3, 1), end_date=datetime.date(2027, 2, 28)
    )
    url = f"{CONTRACTS}{contract.pk}/"

    assert ids(api.as_user(customer_b).get(CONTRACTS)) == set()
    assert api.as_user(customer_b).get(url).status_code == 404
    assert api.as_user(customer_b).patch(url, {"notes": "x"}, format="json").status_code == 404
    assert api.as_user(customer_a).get(url).status_code == 200
    assert api.as_user(customer_a).patch(url, {"notes": "x"}, format="json").status_code == 403
    assert api.as_user(engineer).patch(url, {"notes": "x"}, format="json").status_code == 403
    for user in (customer_a, customer_b, engineer):
        data = {**CONTRACT, "project": project_a.pk}
        assert api.as_user(user).post(CONTRACTS, data, format="json").status_code == 403
    assert ServiceContract.objects.count() == 1


def test_a_manager_changes_a_contract_and_filters_by_status(api, manager, project_a):
    contract = services.contract_save(
        project=project_a, number="SC-A", start_date=datetime.date(2025, 3, 1), end_date=datetime.date(2026, 2, 28)
    )
    client = api.as_user(manager)

    response = client.patch(f"{CONTRACTS}{contract.pk}/", {"end_date": "2027-02-28"}, format="json")

    assert response.status_code == 200, response.content
    with on(2026, 3, 15):
        assert ids(client.get(CONTRACTS, {"status": "active"})) == {contract.pk}
        assert ids(client.get(CONTRACTS, {"status": "expired"})) == set()
    assert_bad(client.patch(f"{CONTRACTS}{contract.pk}/", {"end_date": "2020-01-01"}, format="json"), "end_date")
    contract.refresh_from_db()
    assert contract.end_date == datetime.date(2027, 2, 28)


@pytest.mark.parametrize("count", [1, 6])
def test_the_contract_list_query_count_does_not_grow(api, engineer, project_a, count, django_assert_max_num_queries):
    for n in range(count):
        asset = InstalledProductFactory(project=project_a, name=f"Asset {n}")
        services.contract_save(
            project=project_a,
            asset=asset,
            number=f"SC-{n}",
            start_date=datetime.date(2026, 1, 1),
            end_date=datetime.date(2026, 12, 31),
        )

    client = api.as_user(engineer)
    with django_assert_max_num_queries(3):
        assert len(client.get(CONTRACTS).json()["results"]) == count


# --- the coverage of a ticket: the "done when" --------------------------------------


def test_installation_inside_the_warranty_is_free_misuse_is_billable_and_the_ticket_says_why(
    api, engineer, customer_a, warranty_a
):
    with on(2025, 6, 2):
        installation = ticket(warranty_a.project, engineer, sh(2025, 6, 1, 10))
        misuse = ticket(warranty_a.project, engineer, sh(2025, 6, 1, 11), title="Operator pulled the cable")
    client = api.as_user(engineer)

    free = client.post(coverage_url(installation.pk), {"cause": "installation"}, format="json")
    billable = client.post(coverage_url(misuse.pk), {"cause": "misuse"}, format="json")

    assert free.status_code == 200, free.content
    assert free.json()["decided"] is True
    assert (free.json()["cause"], free.json()["decision"]) == ("installation", "free")
    assert free.json()["warranty"] == warranty_a.pk
    assert "Installation" in free.json()["reason"] and "2026" in free.json()["reason"]
    assert (billable.json()["cause"], billable.json()["decision"]) == ("misuse", "billable")
    assert "Misuse" in billable.json()["reason"]
    # the customer reads the same answer on its ticket
    seen = api.as_user(customer_a).get(coverage_url(misuse.pk)).json()
    assert seen == billable.json()
    assert seen["decided_by"] == engineer.pk and seen["decided_by_name"] == str(engineer)
    assert seen["decided_at"] is not None
    assert Coverage.objects.get(ticket=installation).decision == "free"


def test_a_fault_received_after_the_warranty_is_billable(api, engineer, warranty_a):
    with on(2026, 3, 2):
        late = ticket(warranty_a.project, engineer, sh(2026, 3, 1, 0, 5))

    body = api.as_user(engineer).post(coverage_url(late.pk), {"cause": "installation"}, format="json").json()

    assert body["decision"] == "billable"
    assert "no warranty or service contract" in body["reason"]


def test_an_undecided_ticket_shows_the_provisional_verdict(api, engineer, customer_a, warranty_a):
    with on(2025, 6, 2):
        fault = ticket(warranty_a.project, engineer, sh(2025, 6, 1, 10))

    body = api.as_user(customer_a).get(coverage_url(fault.pk)).json()

    assert body["decided"] is False
    assert body["cause"] is None and body["decided_by"] is None and body["decided_at"] is None
    assert body["decision"] == "free" and body["warranty"] == warranty_a.pk
    assert "Repair" in body["reason"]
    assert not Coverage.objects.exists()


def test_deciding_again_replaces_the_decision(api, engineer, manager, warranty_a):
    with on(2025, 6, 2):
        fault = ticket(warranty_a.project, engineer, sh(2025, 6, 1, 10))
    api.as_user(engineer).post(coverage_url(fault.pk), {"cause": "installation"}, format="json")

    body = api.as_user(manager).post(coverage_url(fault.pk), {"cause": "third_party"}, format="json").json()

    assert (body["cause"], body["decision"], body["decided_by"]) == ("third_party", "billable", manager.pk)
    assert Coverage.objects.get().cause == "third_party"


def test_ticket_coverage_is_scoped_and_decided_by_staff(api, engineer, customer_a, customer_b, warranty_a):
    with on(2025, 6, 2):
        fault = ticket(warranty_a.project, engineer, sh(2025, 6, 1, 10))
    url = coverage_url(fault.pk)

    assert api.as_user(customer_b).get(url).status_code == 404
    assert api.as_user(customer_b).post(url, {"cause": "misuse"}, format="json").status_code == 404
    assert api.as_user(customer_a).post(url, {"cause": "misuse"}, format="json").status_code == 403
    assert api.as_user(customer_a).post(url, {"cause": "bogus"}, format="json").status_code == 403
    assert api.as_user(engineer).get(coverage_url(999999)).status_code == 404
    assert not Coverage.objects.exists()


@pytest.mark.parametrize("data", [{}, {"cause": "bad luck"}, {"cause": 1}, {"cause": None}])
def test_a_bad_cause_is_refused_and_nothing_is_decided(api, engineer, warranty_a, data):
    with on(2025, 6, 2):
        fault = ticket(warranty_a.project, engineer, sh(2025, 6, 1, 10))

    assert_bad(api.as_user(engineer).post(coverage_url(fault.pk), data, format="json"), "cause")

    assert not Coverage.objects.exists()


# --- billable work --------------------------------------------------------------------------


def test_staff_record_billable_work_and_the_customer_reads_it(api, engineer, customer_a, project_a):
    fault = ticket(project_a, engineer, sh(2025, 6, 1, 10))
    client = api.as_user(engineer)

    hours = client.post(
        items_url(fault.pk), {"kind": "labour", "description": "On-site repair", "quantity": 2.5}, format="json"
    )
    part = client.post(items_url(fault.pk), {"kind": "part", "description": "PSU", "quantity": 1}, format="json")

    assert hours.status_code == 201, hours.content
    assert hours.json()["quantity"] == 2.5 and hours.json()["recorded_by"] == engineer.pk
    assert part.json()["quantity"] == 1
    listed = api.as_user(customer_a).get(items_url(fault.pk))
    assert listed.status_code == 200
    assert [(row["kind"], row["description"]) for row in listed.json()] == [
        ("labour", "On-site repair"),
        ("part", "PSU"),
    ]
    assert BillableItem.objects.get(kind="labour").quantity == Decimal("2.50")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "travel"}, "kind"),
        ({"description": ""}, "description"),
        ({"description": "x" * 201}, "description"),
        ({"quantity": "2.5"}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1.005}, "quantity"),
        ({"quantity": 100000}, "quantity"),
        ({"quantity": None}, "quantity"),
    ],
)
def test_bad_billable_work_is_refused_and_nothing_is_saved(api, engineer, project_a, data, field):
    fault = ticket(project_a, engineer, sh(2025, 6, 1, 10))
    body = {"kind": "labour", "description": "Repair", "quantity": 1, **data}

    assert_bad(api.as_user(engineer).post(items_url(fault.pk), body, format="json"), field)

    assert not BillableItem.objects.exists()


def test_billable_work_is_scoped_and_removed_by_staff(api, engineer, customer_a, customer_b, project_a, project_b):
    fault = ticket(project_a, engineer, sh(2025, 6, 1, 10))
    other = ticket(project_b, engineer, sh(2025, 6, 1, 11))
    item = services.billable_item_add(
        ticket_id=fault.pk, actor=engineer, kind="part", description="PSU", quantity=Decimal(1)
    )
    data = {"kind": "part", "description": "Fan", "quantity": 1}

    assert api.as_user(customer_b).get(items_url(fault.pk)).status_code == 404
    assert api.as_user(customer_b).post(items_url(fault.pk), data, format="json").status_code == 404
    assert api.as_user(customer_b).delete(items_url(fault.pk, item.pk)).status_code == 404
    assert api.as_user(customer_a).post(items_url(fault.pk), data, format="json").status_code == 403
    assert api.as_user(customer_a).delete(items_url(fault.pk, item.pk)).status_code == 403
    assert api.as_user(engineer).delete(items_url(other.pk, item.pk)).status_code == 404  # not that ticket's item
    assert BillableItem.objects.count() == 1

    assert api.as_user(engineer).delete(items_url(fault.pk, item.pk)).status_code == 204
    assert not BillableItem.objects.exists()


# --- inspection schedules -------------------------------------------------------------------


def schedule_data(project, engineer, checklist, **extra) -> dict:
    return {
        "project": project.pk,
        "name": "Quarterly inspection",
        "rule": "FREQ=MONTHLY;INTERVAL=3",
        "first_date": "2026-01-15",
        "engineer": engineer.pk,
        "checklist": checklist.pk,
        "lead_days": 30,
        **extra,
    }


def test_a_manager_schedules_quarterly_inspections_that_the_customer_reads(
    api, manager, engineer, customer_a, project_a, checklist
):
    response = api.as_user(manager).post(SCHEDULES, schedule_data(project_a, engineer, checklist), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rule"] == "FREQ=MONTHLY;INTERVAL=3" and body["is_active"] is True
    assert (body["engineer_name"], body["checklist_name"]) == (str(engineer), "Quarterly inspection")
    assert ids(api.as_user(customer_a).get(SCHEDULES)) == {body["id"]}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"rule": "every three months"}, "rule"),
        ({"rule": "FREQ=FORTNIGHTLY"}, "rule"),
        ({"rule": "FREQ=HOURLY"}, "rule"),
        ({"rule": "FREQ=MONTHLY;INTERVAL=0"}, "rule"),
        ({"rule": "FREQ=MONTHLY;INTERVAL=-3"}, "rule"),
        ({"rule": ""}, "rule"),
        ({"first_date": "2026-13-01"}, "first_date"),
        ({"lead_days": 366}, "lead_days"),
        ({"lead_days": "30"}, "lead_days"),
        ({"checklist": 999999}, "checklist"),
        ({"project": 999999}, "project"),
    ],
)
def test_a_bad_schedule_is_refused_and_nothing_is_saved(api, manager, engineer, project_a, checklist, extra, field):
    data = {**schedule_data(project_a, engineer, checklist), **extra}

    assert_bad(api.as_user(manager).post(SCHEDULES, data, format="json"), field)

    assert not InspectionSchedule.objects.exists()


def test_a_schedule_visits_with_staff_only(api, manager, customer_a, project_a, checklist):
    assert_bad(
        api.as_user(manager).post(SCHEDULES, schedule_data(project_a, customer_a, checklist), format="json"),
        "engineer",
    )
    assert not InspectionSchedule.objects.exists()


def test_schedules_are_scoped_and_written_by_managers(
    api, engineer, customer_a, customer_b, project_a, checklist, schedule_a
):
    url = f"{SCHEDULES}{schedule_a.pk}/"
    data = schedule_data(project_a, engineer, checklist)

    assert api.as_user(customer_b).get(url).status_code == 404
    assert ids(api.as_user(customer_b).get(SCHEDULES)) == set()
    assert api.as_user(customer_b).patch(url, {"is_active": False}, format="json").status_code == 404
    assert api.as_user(customer_a).patch(url, {"is_active": False}, format="json").status_code == 403
    assert api.as_user(engineer).patch(url, {"is_active": False}, format="json").status_code == 403
    for user in (customer_a, customer_b, engineer):
        assert api.as_user(user).post(SCHEDULES, data, format="json").status_code == 403
    assert InspectionSchedule.objects.count() == 1
    assert InspectionSchedule.objects.get().is_active


def test_a_manager_stops_a_schedule(api, manager, schedule_a):
    response = api.as_user(manager).patch(f"{SCHEDULES}{schedule_a.pk}/", {"is_active": False}, format="json")

    assert response.status_code == 200 and response.json()["is_active"] is False
    assert_bad(
        api.as_user(manager).patch(f"{SCHEDULES}{schedule_a.pk}/", {"rule": "FREQ=NEVER"}, format="json"), "rule"
    )
    schedule_a.refresh_from_db()
    assert schedule_a.rule == "FREQ=MONTHLY;INTERVAL=3"


# --- inspections ----------------------------------------------------------------------------


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile("cabinet.png", buffer.getvalue(), content_type="image/png")


def test_a_quarterly_schedule_creates_visits_that_the_api_lists_and_flags_overdue(
    api, engineer, customer_a, schedule_a
):
    services.inspections_plan(today=datetime.date(2026, 1, 1))
    visit = Inspection.objects.get()
    client = api.as_user(customer_a)

    with on(2026, 1, 10):
        listed = client.get(INSPECTIONS).json()["results"]
        assert [(row["due_date"], row["status"], row["overdue"]) for row in listed] == [
            ("2026-01-15", "planned", False)
        ]
        assert ids(client.get(INSPECTIONS, {"overdue": "true"})) == set()
    with on(2026, 1, 16):
        assert ids(client.get(INSPECTIONS, {"overdue": "true"})) == {visit.pk}
        assert ids(client.get(INSPECTIONS, {"overdue": "false"})) == set()
        services.inspections_flag_overdue()
        body = client.get(f"{INSPECTIONS}{visit.pk}/").json()
    assert body["overdue"] is True and body["overdue_at"] is not None
    assert body["report_url"] is None
    # the checklist is the engineer's until the visit is completed (test_results_visibility.py)
    assert body["answers"] == []
    staff_view = api.as_user(engineer).get(f"{INSPECTIONS}{visit.pk}/").json()
    assert [answer["label"] for answer in staff_view["answers"]] == ["Servers up", "CPU load", "Backups restorable"]


def test_an_engineer_records_and_completes_a_visit_and_the_customer_gets_the_report(
    api, engineer, customer_a, customer_b, schedule_a
):
    services.inspections_plan(today=datetime.date(2026, 1, 1))
    visit = Inspection.objects.get()
    servers, cpu, backups = visit.answers.order_by("position")
    client = api.as_user(engineer)
    url = f"{INSPECTIONS}{visit.pk}/"

    recorded = client.post(
        f"{url}record/",
        {
            "answers": [
                {"id": servers.pk, "result": "pass"},
                {"id": cpu.pk, "value": "35", "note": "Peak at 9:00"},
                {"id": backups.pk, "result": "fail", "note": "Restore test failed"},
            ],
            "findings": "Backups do not restore.",
            "recommendations": "Replace the tape drive.",
        },
        format="json",
    )
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["status"] == "in_progress"
    assert [(a["result"], a["value"]) for a in recorded.json()["answers"]] == [("pass", ""), ("", "35"), ("fail", "")]

    services.photo_add(inspection_id=visit.pk, actor=engineer, image=png(), caption="Cabinet")
    completed = client.post(f"{url}complete/")

    assert completed.status_code == 200, completed.content
    body = api.as_user(customer_a).get(url).json()
    assert body["status"] == "completed" and body["completed_at"] is not None
    assert body["report_url"].endswith(reverse("maintenance:inspection_pdf", args=[visit.pk]))
    photo = visit.photos.get()
    assert [p["caption"] for p in body["photos"]] == ["Cabinet"]
    assert body["photos"][0]["url"].endswith(reverse("maintenance:photo", args=[visit.pk, photo.pk]))
    assert api.as_user(customer_b).get(url).status_code == 404
    response = api.as_user(engineer).post(f"{url}record/", {"findings": "More"}, format="json")
    assert_bad(response)  # closed: the visit can no longer change
    visit.refresh_from_db()
    assert visit.findings == "Backups do not restore."


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ([{"id": 999999, "result": "pass"}], "answers"),
        ([{"id": "first", "result": "pass"}], "answers"),
        ([{"result": "pass"}], "answers"),
        ([{"id": "CPU", "result": "maybe"}], "answers"),
        ([{"id": "CPU", "result": "pass"}], "answers"),  # a value check takes no pass/fail
        ([{"id": "CPU", "value": "x" * 501}], "answers"),
        ([{"id": "CPU", "value": 35}], "answers"),
        ([{"id": "CPU", "value": "35"}, {"id": "CPU", "value": "36"}], "answers"),
        ("all passed", "answers"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_recorded(api, engineer, schedule_a, answers, field):
    services.inspections_plan(today=datetime.date(2026, 1, 1))
    visit = Inspection.objects.get()
    cpu = visit.answers.get(label="CPU load")
    if isinstance(answers, list):
        answers = [{**a, "id": cpu.pk} if a.get("id") == "CPU" else a for a in answers]

    response = api.as_user(engineer).post(
        f"{INSPECTIONS}{visit.pk}/record/", {"answers": answers, "findings": "All fine"}, format="json"
    )

    assert_bad(response, field)
    visit.refresh_from_db()
    assert (visit.status, visit.findings) == ("planned", "")
    assert not visit.answers.exclude(value="").exists()


def test_a_visit_is_completed_only_when_every_check_is_answered(api, engineer, schedule_a):
    services.inspections_plan(today=datetime.date(2026, 1, 1))
    visit = Inspection.objects.get()

    assert_bad(api.as_user(engineer).post(f"{INSPECTIONS}{visit.pk}/complete/"), "answers")

    visit.refresh_from_db()
    assert visit.status == "planned"


def test_managers_cancel_a_visit_with_a_reason(api, engineer, manager, customer_a, schedule_a):
    services.inspections_plan(today=datetime.date(2026, 1, 1))
    visit = Inspection.objects.get()
    url = f"{INSPECTIONS}{visit.pk}/cancel/"

    assert api.as_user(customer_a).post(url, {"reason": "Site closed"}, format="json").status_code == 403
    assert api.as_user(engineer).post(url, {"reason": "Site closed"}, format="json").status_code == 403
    assert_bad(api.as_user(manager).post(url, {"reason": "  "}, format="json"), "reason")
    assert_bad(api.as_user(manager).post(url, {}, format="json"), "reason")
    visit.refresh_from_db()
    assert visit.status == "planned"

    response = api.as_user(manager).post(url, {"reason": "Site closed for the holiday"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert "holiday" in response.json()["findings"]


def test_staff_start_an_ad_hoc_health_check(api, engineer, manager, project_a, checklist):
    data = {
        "project": project_a.pk,
        "engineer": engineer.pk,
        "due_date": "2026-02-10",
        "title": "Health check before the audit",
        "checklist": checklist.pk,
    }

    response = api.as_user(manager).post(INSPECTIONS, data, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["status"], body["schedule"]) == ("health_check", "planned", None)
    assert len(body["answers"]) == 3
    assert ids(api.as_user(engineer).get(INSPECTIONS, {"kind": "health_check"})) == {body["id"]}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"engineer": "CUSTOMER"}, "engineer"),
        ({"project": 999999}, "project"),
        ({"due_date": "soon"}, "due_date"),
        ({"title": ""}, "title"),
        ({"kind": "audit"}, "kind"),
        ({"checklist": 999999}, "checklist"),
    ],
)
def test_a_bad_health_check_is_refused_and_nothing_is_saved(
    api, engineer, customer_a, project_a, checklist, extra, field
):
    data = {"project": project_a.pk, "engineer": engineer.pk, "due_date": "2026-02-10", "title": "Check", **extra}
    if data["engineer"] == "CUSTOMER":
        data["engineer"] = customer_a.pk

    assert_bad(api.as_user(engineer).post(INSPECTIONS, data, format="json"), field)

    assert not Inspection.objects.exists()


def test_customers_cannot_create_or_record_visits(api, engineer, customer_a, customer_b, project_a, schedule_a):
    services.inspections_plan(today=datetime.date(2026, 1, 1))
    visit = Inspection.objects.get()
    data = {"project": project_a.pk, "engineer": engineer.pk, "due_date": "2026-02-10", "title": "Check"}

    assert api.as_user(customer_a).post(INSPECTIONS, data, format="json").status_code == 403
    assert api.as_user(customer_b).post(INSPECTIONS, data, format="json").status_code == 403
    assert api.as_user(customer_a).post(f"{INSPECTIONS}{visit.pk}/record/", {}, format="json").status_code == 403
    assert api.as_user(customer_b).post(f"{INSPECTIONS}{visit.pk}/record/", {}, format="json").status_code == 404
    assert api.as_user(customer_b).post(f"{INSPECTIONS}{visit.pk}/complete/").status_code == 404
    assert Inspection.objects.count() == 1


def test_inspections_filter_by_status_and_project(api, engineer, manager, project_a, project_b, schedule_a):
    services.inspections_plan(today=datetime.date(2026, 1, 1))
    planned = Inspection.objects.get().pk
    other = services.health_check_create(
        actor=engineer, project=project_b, engineer=engineer, due_date=datetime.date(2026, 2, 1), title="Check"
    ).pk
    services.inspection_cancel(inspection_id=other, actor=manager, reason="Not needed")
    client = api.as_user(engineer)

    assert ids(client.get(INSPECTIONS, {"status": "planned"})) == {planned}
    assert ids(client.get(INSPECTIONS, {"status": "cancelled"})) == {other}
    assert ids(client.get(f"{INSPECTIONS}?status=planned&status=cancelled")) == {planned, other}
    assert ids(client.get(INSPECTIONS, {"project": project_b.pk})) == {other}
    assert ids(client.get(INSPECTIONS, {"due_before": "2026-01-31"})) == {planned}
    assert_bad(client.get(INSPECTIONS, {"status": "lost"}), "status")
    assert_bad(client.get(INSPECTIONS, {"overdue": "yes"}), "overdue")


@pytest.mark.parametrize("count", [1, 6])
def test_the_inspection_list_query_count_does_not_grow(
    api, customer_a, engineer, project_a, checklist, count, django_assert_max_num_queries
):
    for n in range(count):
        services.health_check_create(
            actor=engineer,
            project=project_a,
            engineer=engineer,
            due_date=datetime.date(2026, 2, 1 + n),
            title=f"Check {n}",
            checklist=checklist,
        )

    client = api.as_user(customer_a)
    with django_assert_max_num_queries(3):
        assert len(client.get(INSPECTIONS).json()["results"]) == count


# --- return visits --------------------------------------------------------------------------


def test_staff_plan_a_return_visit_and_record_what_the_customer_said(api, engineer, customer_a, project_a):
    fault = ticket(project_a, engineer, sh(2025, 6, 1, 10))
    client = api.as_user(engineer)

    planned = client.post(
        RETURN_VISITS,
        {"project": project_a.pk, "ticket": fault.pk, "scheduled_for": "2026-02-01", "contact_name": "Alice Wu"},
        format="json",
    )

    assert planned.status_code == 201, planned.content
    assert (planned.json()["staff"], planned.json()["status"]) == (engineer.pk, "planned")
    assert planned.json()["ticket_reference"] == fault.reference
    url = f"{RETURN_VISITS}{planned.json()['id']}/"

    done = client.post(
        f"{url}done/", {"notes": "Happy with the repair", "satisfaction": 5, "suggestions": "Call first"}, format="json"
    )

    assert done.status_code == 200, done.content
    body = api.as_user(customer_a).get(url).json()
    assert (body["status"], body["satisfaction"], body["suggestions"]) == ("done", 5, "Call first")
    assert body["done_at"] is not None
    client = api.as_user(engineer)
    assert_bad(client.post(f"{url}done/", {"notes": "Again", "satisfaction": 4}, format="json"))  # not planned
    assert_bad(client.patch(url, {"contact_name": "Bob"}, format="json"))
    assert ReturnVisit.objects.get().satisfaction == 5


def test_a_customer_may_decline_to_give_a_score(api, engineer, project_a):
    visit = services.return_visit_save(
        actor=engineer, project=project_a, scheduled_for=datetime.date(2026, 2, 1), staff=engineer
    )

    response = api.as_user(engineer).post(f"{RETURN_VISITS}{visit.pk}/done/", {"notes": "No score"}, format="json")

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["satisfaction"]) == ("done", None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"satisfaction": 6}, "satisfaction"),
        ({"satisfaction": 0}, "satisfaction"),
        ({"satisfaction": "5"}, "satisfaction"),
        ({"satisfaction": 4.5}, "satisfaction"),
        ({"notes": ""}, "notes"),
        ({"notes": "   "}, "notes"),
        ({"notes": None}, "notes"),
    ],
)
def test_a_bad_return_visit_record_is_refused_and_changes_nothing(api, engineer, project_a, data, field):
    visit = services.return_visit_save(
        actor=engineer, project=project_a, scheduled_for=datetime.date(2026, 2, 1), staff=engineer
    )
    body = {"notes": "Fine", "satisfaction": 4, **data}

    assert_bad(api.as_user(engineer).post(f"{RETURN_VISITS}{visit.pk}/done/", body, format="json"), field)

    visit.refresh_from_db()
    assert (visit.status, visit.satisfaction, visit.notes) == ("planned", None, "")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"ticket": "OTHER"}, "ticket"),  # a ticket of another project
        ({"staff": "CUSTOMER"}, "staff"),
        ({"scheduled_for": None}, "scheduled_for"),
        ({"project": 999999}, "project"),
    ],
)
def test_a_bad_return_visit_is_refused_and_nothing_is_saved(
    api, engineer, customer_a, project_a, project_b, extra, field
):
    data = {"project": project_a.pk, "scheduled_for": "2026-02-01", **extra}
    if data.get("ticket") == "OTHER":
        data["ticket"] = ticket(project_b, engineer, sh(2025, 6, 1, 10)).pk
    if data.get("staff") == "CUSTOMER":
        data["staff"] = customer_a.pk

    assert_bad(api.as_user(engineer).post(RETURN_VISITS, data, format="json"), field)

    assert not ReturnVisit.objects.exists()


def test_return_visits_are_scoped_and_written_by_staff(api, engineer, customer_a, customer_b, project_a):
    visit = services.return_visit_save(
        actor=engineer, project=project_a, scheduled_for=datetime.date(2026, 2, 1), staff=engineer
    )
    url = f"{RETURN_VISITS}{visit.pk}/"
    data = {"project": project_a.pk, "scheduled_for": "2026-02-01"}

    assert ids(api.as_user(customer_a).get(RETURN_VISITS)) == {visit.pk}
    assert ids(api.as_user(customer_b).get(RETURN_VISITS)) == set()
    assert api.as_user(customer_b).get(url).status_code == 404
    assert api.as_user(customer_b).post(f"{url}done/", {"notes": "x"}, format="json").status_code == 404
    assert api.as_user(customer_a).post(f"{url}done/", {"notes": "x"}, format="json").status_code == 403
    assert api.as_user(customer_a).post(RETURN_VISITS, data, format="json").status_code == 403
    assert api.as_user(customer_b).post(RETURN_VISITS, data, format="json").status_code == 403
    assert ReturnVisit.objects.count() == 1


@pytest.mark.parametrize("count", [1, 6])
def test_the_return_visit_list_query_count_does_not_grow(
    api, engineer, project_a, count, django_assert_max_num_queries
):
    for n in range(count):
        services.return_visit_save(
            actor=engineer,
            project=project_a,
            ticket=ticket(project_a, engineer, sh(2025, 6, 1, 10), title=f"Fault {n}"),
            scheduled_for=datetime.date(2026, 2, 1 + n),
            staff=engineer,
        )

    client = api.as_user(engineer)
    with django_assert_max_num_queries(3):
        assert len(client.get(RETURN_VISITS).json()["results"]) == count


# --- products, releases and upgrade notices -------------------------------------------------


@pytest.fixture
def gateway(project_a, project_b):
    """The product "Gateway", installed at project A (1.0) and project B (1.0)."""
    InstalledProductFactory(project=project_a, name="Gateway", version="1.0")
    InstalledProductFactory(project=project_b, name="gateway", version="1.0")
    return services.product_save(name="Gateway")


def test_a_manager_records_and_publishes_a_release(api, manager, customer_a, customer_b, gateway, warranty_a):
    client = api.as_user(manager)
    data = {"product": gateway.pk, "version": "1.1", "released_on": "2025-06-01", "kind": "minor"}

    with on(2025, 6, 2):
        created = client.post(RELEASES, data, format="json")
        assert created.status_code == 201, created.content
        assert created.json()["published_at"] is None and created.json()["notices"] == []
        published = client.post(f"{RELEASES}{created.json()['id']}/publish/")

    assert published.status_code == 200, published.content
    body = published.json()
    assert body["count"] == 2
    decisions = {n["project_name"]: (n["decision"], n["from_version"], n["version"]) for n in body["notices"]}
    assert decisions == {"Project A": ("free", "1.0", "1.1"), "Project B": ("billable", "1.0", "1.1")}
    # publishing again reaches nobody new
    assert client.post(f"{RELEASES}{created.json()['id']}/publish/").json()["count"] == 0
    # each customer sees the release with its own notice only
    seen_a = api.as_user(customer_a).get(RELEASES).json()["results"]
    seen_b = api.as_user(customer_b).get(f"{RELEASES}{created.json()['id']}/").json()
    assert [[n["project_name"] for n in r["notices"]] for r in seen_a] == [["Project A"]]
    assert [n["project_name"] for n in seen_b["notices"]] == ["Project B"]


def test_customers_see_only_releases_that_reached_them(api, manager, customer_a, customer_b, project_a, gateway):
    Release.objects.create(product=gateway, version="0.9", released_on=datetime.date(2024, 1, 1))
    other = services.product_save(name="Historian")
    InstalledProductFactory(project=project_a, name="Historian", version="3")
    reached = services.release_save(product=other, version="4", released_on=datetime.date(2025, 1, 1), kind="major")
    services.release_publish(release_id=reached.pk, actor=manager)

    assert ids(api.as_user(customer_a).get(RELEASES)) == {reached.pk}
    assert ids(api.as_user(customer_b).get(RELEASES)) == set()
    assert api.as_user(customer_b).get(f"{RELEASES}{reached.pk}/").status_code == 404
    assert ids(api.as_user(manager).get(RELEASES)) == {reached.pk, Release.objects.get(version="0.9").pk}
    assert ids(api.as_user(manager).get(RELEASES, {"kind": "major"})) == {reached.pk}


def test_only_managers_record_and_publish_releases(api, engineer, customer_a, customer_b, gateway):
    release = services.release_save(product=gateway, version="1.1", released_on=datetime.date(2025, 6, 1))
    data = {"product": gateway.pk, "version": "1.2", "released_on": "2025-07-01"}

    for user in (engineer, customer_a, customer_b):
        assert api.as_user(user).post(RELEASES, data, format="json").status_code == 403
    assert api.as_user(engineer).post(f"{RELEASES}{release.pk}/publish/").status_code == 403
    assert api.as_user(customer_a).post(f"{RELEASES}{release.pk}/publish/").status_code == 404  # not reached yet
    assert Release.objects.count() == 1 and not UpgradeNotice.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"version": "1.1"}, None),  # taken for this product
        ({"version": ""}, "version"),
        ({"product": 999999}, "product"),
        ({"released_on": "June"}, "released_on"),
        ({"kind": "huge"}, "kind"),
        ({"security_advisory": "yes"}, "security_advisory"),
    ],
)
def test_a_bad_release_is_refused_and_nothing_is_saved(api, manager, gateway, extra, field):
    services.release_save(product=gateway, version="1.1", released_on=datetime.date(2025, 6, 1))
    data = {"product": gateway.pk, "version": "1.2", "released_on": "2025-07-01", **extra}

    response = api.as_user(manager).post(RELEASES, data, format="json")

    if field is None:
        assert response.status_code == 400 and response.json()["errors"] == {}, response.content
    else:
        assert_bad(response, field)
    assert Release.objects.count() == 1


def test_products_are_read_by_staff_and_written_by_managers(api, customer_a, engineer, manager, gateway):
    assert api.as_user(customer_a).get(PRODUCTS).status_code == 403
    assert ids(api.as_user(engineer).get(PRODUCTS)) == {gateway.pk}
    assert api.as_user(engineer).post(PRODUCTS, {"name": "Historian"}, format="json").status_code == 403
    assert_bad(api.as_user(manager).post(PRODUCTS, {"name": "Gateway"}, format="json"), "name")
    assert_bad(api.as_user(manager).post(PRODUCTS, {"name": ""}, format="json"), "name")
    # over the schema's maxLength as sent, even if trimming would bring it under (found by fuzzing)
    assert_bad(api.as_user(manager).post(PRODUCTS, {"name": "\u001d" + "*" * 200}, format="json"), "name")
    assert_bad(api.as_user(manager).patch(f"{PRODUCTS}{gateway.pk}/", {"name": " " * 201}, format="json"), "name")

    response = api.as_user(manager).post(PRODUCTS, {"name": "Historian", "description": "Trends"}, format="json")

    assert response.status_code == 201, response.content
    assert set(Product.objects.values_list("name", flat=True)) == {"Gateway", "Historian"}


def test_staff_track_an_upgrade_to_done(api, engineer, manager, customer_a, customer_b, gateway, project_a):
    release = services.release_save(product=gateway, version="1.1", released_on=datetime.date(2025, 6, 1))
    services.release_publish(release_id=release.pk, actor=manager)
    notice = UpgradeNotice.objects.get(project=project_a)
    url = f"{NOTICES}{notice.pk}/"

    assert ids(api.as_user(customer_a).get(NOTICES)) == {notice.pk}
    assert api.as_user(customer_b).get(url).status_code == 404
    assert api.as_user(customer_b).post(f"{url}track/", {"status": "done"}, format="json").status_code == 404
    assert api.as_user(customer_a).post(f"{url}track/", {"status": "done"}, format="json").status_code == 403
    assert_bad(api.as_user(engineer).post(f"{url}track/", {"status": "planned"}, format="json"), "planned_for")
    assert_bad(api.as_user(engineer).post(f"{url}track/", {"status": "notified"}, format="json"), "status")
    assert_bad(
        api.as_user(engineer).post(f"{url}track/", {"status": "planned", "planned_for": 1}, format="json"),
        "planned_for",
    )
    notice.refresh_from_db()
    assert notice.status == "notified"

    planned = api.as_user(engineer).post(
        f"{url}track/", {"status": "planned", "planned_for": "2025-07-01"}, format="json"
    )
    done = api.as_user(engineer).post(f"{url}track/", {"status": "done", "notes": "Upgraded"}, format="json")

    assert planned.json()["planned_for"] == "2025-07-01"
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["done_by"], done.json()["done_by_name"]) == (
        "done",
        engineer.pk,
        str(engineer),
    )
    assert notice.installed_product.__class__.objects.get(pk=notice.installed_product_id).version == "1.1"
    assert_bad(api.as_user(engineer).post(f"{url}track/", {"status": "declined"}, format="json"))  # final


@pytest.mark.parametrize("count", [1, 5])
def test_the_release_and_notice_lists_query_count_does_not_grow(
    api, manager, customer_a, count, django_assert_max_num_queries
):
    product = services.product_save(name="Gateway")
    for _ in range(count):
        project = ProjectFactory(organisation=customer_a.organisation)
        InstalledProductFactory(project=project, name="Gateway", version="1.0")
    for n in range(count):
        release = services.release_save(product=product, version=f"2.{n}", released_on=datetime.date(2025, 6, 1))
        services.release_publish(release_id=release.pk, actor=manager)
    for n, notice in enumerate(UpgradeNotice.objects.all()[:count]):
        services.notice_update(notice_id=notice.pk, actor=manager, status="done" if n % 2 else "declined")

    for user in (manager, customer_a):
        client = api.as_user(user)
        with django_assert_max_num_queries(4):
            assert len(client.get(RELEASES).json()["results"]) == count
        with django_assert_max_num_queries(3):
            assert len(client.get(NOTICES).json()["results"]) == count * count
