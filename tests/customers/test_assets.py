"""Assets (installed products by serial number): the customers services, /api/v1/assets/ with its
warranty status and history, and tickets and incidents naming an asset."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.errors import ServiceDeskError
from customers import services
from customers.asset_history import HistoryEntry, asset_history, register, registered_kinds
from customers.asset_history import _providers as providers
from emergency import services as emergency_services
from maintenance import services as maintenance_services
from maintenance.models import Inspection, WarrantyTerms
from tests.customers.factories import InstalledProductFactory
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
ASSETS = "/api/v1/assets/"
# a fixed day: every warranty status below is relative to it
TODAY = datetime.datetime(2026, 5, 4, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def switch_a(project_a, manager):
    return services.asset_create(
        actor=manager,
        project=project_a,
        name="Core switch",
        version="2.0",
        serial_number="SW-0042",
        location="Building 1, rack 3",
        installed_on=datetime.date(2025, 5, 1),
        accepted_on=datetime.date(2025, 6, 30),
    )


@pytest.fixture
def terms(db):
    return WarrantyTerms.objects.create(name="Standard 2 years", duration_months=24)


def _ids(response):
    return [row["id"] for row in response.json()["results"]]


# --- services --------------------------------------------------------------------------------


class TestAssetServices:
    def test_a_serial_number_names_one_asset_of_a_project_in_any_letter_case(self, switch_a, project_a, manager):
        with pytest.raises(ServiceDeskError) as error:
            services.asset_create(actor=manager, project=project_a, name="Spare", serial_number=" sw-0042 ")
        assert error.value.field == "serial_number" and "sw-0042" in error.value.message
        assert project_a.products.count() == 1

    def test_the_same_serial_may_stand_in_another_project_and_blank_serials_repeat(
        self, switch_a, project_b, project_a, manager
    ):
        other = services.asset_create(actor=manager, project=project_b, name="Core switch", serial_number="SW-0042")
        first = services.asset_create(actor=manager, project=project_a, name="Cable", serial_number="")
        second = services.asset_create(actor=manager, project=project_a, name="Cable", serial_number="")
        assert other.pk and first.pk != second.pk

    def test_update_keeps_its_own_serial_and_refuses_another_assets(self, switch_a, project_a, manager):
        spare = services.asset_create(actor=manager, project=project_a, name="Spare", serial_number="SP-1")
        changed = services.asset_update(actor=manager, asset=switch_a, version="2.1", serial_number="SW-0042")
        assert changed.version == "2.1"
        assert changed.history.first().history_user == manager
        with pytest.raises(ServiceDeskError):
            services.asset_update(actor=manager, asset=spare, serial_number="sw-0042")

    def test_acceptance_cannot_come_before_installation(self, switch_a, manager):
        with pytest.raises(ServiceDeskError) as error:
            services.asset_update(actor=manager, asset=switch_a, accepted_on=datetime.date(2025, 4, 1))
        assert error.value.field == "accepted_on"

    def test_replacing_a_projects_products_keeps_an_asset_by_its_serial_number(self, switch_a, project_a, manager):
        # given a ticket naming the asset; when the products list upgrades its version
        ticket = ticket_services.ticket_create(
            actor=manager, project=project_a, title="Port down", description="Port 4", asset=switch_a
        )
        services.project_update(
            actor=manager,
            project=project_a,
            products=[{"name": "Core switch", "version": "3.0", "serial_number": "sw-0042"}],
        )
        # then it is the same asset (the ticket still names it), at the new version
        ticket.refresh_from_db()
        assert ticket.asset_id == switch_a.pk
        switch_a.refresh_from_db()
        assert switch_a.version == "3.0"


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.mark.usefixtures("today")
class TestAssetsApi:
    def test_the_fields_and_the_warranty_status(self, api, customer_a, switch_a, project_a, terms):
        project_a.final_acceptance_date = datetime.date(2024, 2, 29)
        project_a.save()
        project_warranty = maintenance_services.warranty_save(project=project_a, terms=terms)
        body = api.as_user(customer_a).get(f"{ASSETS}{switch_a.pk}/").json()
        assert body["product"] == "Core switch" and body["version"] == "2.0"
        assert body["serial_number"] == "SW-0042" and body["location"] == "Building 1, rack 3"
        assert (body["installed_on"], body["accepted_on"]) == ("2025-05-01", "2025-06-30")
        assert body["project"] == project_a.pk and body["project_name"] == "Project A"
        # the project's 2-year warranty ended on 2026-02-28
        assert body["warranty"] == {
            "status": "expired",
            "end_date": "2026-02-28",
            "scope": "project",
            "warranty": project_warranty.pk,
        }
        # the asset's own warranty, in force, speaks for it before the project's
        own = maintenance_services.warranty_save(
            project=project_a, terms=terms, asset=switch_a, start_date=datetime.date(2025, 6, 30)
        )
        body = api.get(f"{ASSETS}{switch_a.pk}/").json()
        assert body["warranty"] == {"status": "active", "end_date": "2027-06-30", "scope": "asset", "warranty": own.pk}

    def test_no_warranty_at_all_is_none(self, api, customer_a, switch_a):
        body = api.as_user(customer_a).get(f"{ASSETS}{switch_a.pk}/").json()
        assert body["warranty"] == {"status": "none", "end_date": None, "scope": None, "warranty": None}

    def test_a_customer_sees_its_organisations_assets_only(self, api, customer_a, switch_a, project_b):
        theirs = InstalledProductFactory(project=project_b, serial_number="SW-0042")
        client = api.as_user(customer_a)
        assert _ids(client.get(ASSETS)) == [switch_a.pk]
        assert client.get(f"{ASSETS}{theirs.pk}/").status_code == 404
        assert client.get(f"{ASSETS}{theirs.pk}/history/").status_code == 404
        assert _ids(client.get(ASSETS, {"serial": "SW-0042"})) == [switch_a.pk]

    def test_serial_and_project_filters(self, api, engineer, switch_a, project_a, project_b):
        theirs = InstalledProductFactory(project=project_b, serial_number="sw-0042")
        InstalledProductFactory(project=project_a, serial_number="SW-00421")
        client = api.as_user(engineer)
        assert sorted(_ids(client.get(ASSETS, {"serial": "Sw-0042"}))) == sorted([switch_a.pk, theirs.pk])
        assert _ids(client.get(ASSETS, {"serial": "SW-0042", "project": project_b.pk})) == [theirs.pk]
        assert client.get(ASSETS, {"project": "x"}).status_code == 400

    def test_staff_create_and_a_duplicate_serial_is_a_400(self, api, engineer, project_a, switch_a):
        client = api.as_user(engineer)
        payload = {"project": project_a.pk, "product": "UPS", "version": "1", "serial_number": "UPS-1"}
        created = client.post(ASSETS, payload, format="json")
        assert created.status_code == 201, created.json()
        assert created.json()["product"] == "UPS" and created.json()["warranty"]["status"] == "none"
        duplicate = client.post(ASSETS, {**payload, "serial_number": "sw-0042"}, format="json")
        assert duplicate.status_code == 400
        assert list(duplicate.json()["errors"]) == ["serial_number"]
        assert project_a.products.count() == 2

    def test_staff_change_an_asset_but_not_its_project(self, api, engineer, switch_a, project_b):
        client = api.as_user(engineer)
        response = client.patch(
            f"{ASSETS}{switch_a.pk}/", {"location": "Building 2", "project": project_b.pk}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["location"] == "Building 2" and response.json()["project"] == switch_a.project_id

    def test_a_customer_may_not_write(self, api, customer_a, switch_a, project_a, project_b):
        theirs = InstalledProductFactory(project=project_b)
        client = api.as_user(customer_a)
        assert client.post(ASSETS, {"project": project_a.pk, "product": "X"}, format="json").status_code == 403
        assert client.patch(f"{ASSETS}{switch_a.pk}/", {"location": "Home"}, format="json").status_code == 403
        assert client.patch(f"{ASSETS}{theirs.pk}/", {"location": "Home"}, format="json").status_code == 404

    def test_the_list_costs_the_same_queries_for_many_assets(
        self, api, engineer, project_a, terms, django_assert_max_num_queries
    ):
        maintenance_services.warranty_save(project=project_a, terms=terms)
        for number in range(12):
            asset = InstalledProductFactory(project=project_a, serial_number=f"SN-{number}")
            if number % 3 == 0:
                maintenance_services.warranty_save(project=project_a, terms=terms, asset=asset)
        client = api.as_user(engineer)
        with django_assert_max_num_queries(5):  # token, user, count, page, warranties
            response = client.get(ASSETS)
        assert len(response.json()["results"]) == 12
        statuses = {row["warranty"]["scope"] for row in response.json()["results"]}
        assert statuses == {"asset", "project"}


# --- tickets and incidents name an asset -----------------------------------------------------


class TestTicketsAndIncidentsNameAnAsset:
    def test_a_customer_files_a_ticket_for_an_asset(self, api, customer_a, switch_a, project_a):
        payload = {"project": project_a.pk, "asset": switch_a.pk, "title": "Port down", "description": "Port 4"}
        response = api.as_user(customer_a).post("/api/v1/tickets/", payload, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["asset"] == switch_a.pk
        assert api.get(f"/api/v1/tickets/{response.json()['id']}/").json()["asset"] == switch_a.pk

    def test_an_asset_of_another_project_is_a_400(self, api, engineer, customer_a, project_a, project_b):
        theirs = InstalledProductFactory(project=project_b)
        payload = {"project": project_a.pk, "asset": theirs.pk, "title": "Port down", "description": "Port 4"}
        staff = api.as_user(engineer).post("/api/v1/tickets/", payload, format="json")
        assert staff.status_code == 400 and list(staff.json()["errors"]) == ["asset"]
        # a customer naming another organisation's asset: it does not exist for them
        customer = api.as_user(customer_a).post("/api/v1/tickets/", payload, format="json")
        assert customer.status_code == 400 and list(customer.json()["errors"]) == ["asset"]
        assert "does not exist" in customer.json()["errors"]["asset"][0]
        assert not project_a.tickets.exists()

    def test_an_incident_names_an_asset_and_a_promoted_tickets_asset_carries_over(
        self, api, engineer, switch_a, project_a
    ):
        payload = {"project": project_a.pk, "asset": switch_a.pk, "title": "Core down", "symptoms": "No traffic"}
        payload["reporter_name"] = "Alice Wu"
        response = api.as_user(engineer).post("/api/v1/incidents/", payload, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["asset"] == switch_a.pk
        ticket = ticket_services.ticket_create(
            actor=engineer, project=project_a, title="Port down", description="Port 4", asset=switch_a
        )
        promoted = emergency_services.incident_create(actor=engineer, project=project_a, ticket=ticket)
        assert promoted.asset == switch_a

    def test_an_incident_for_an_asset_of_another_project_is_refused(self, engineer, project_a, project_b):
        theirs = InstalledProductFactory(project=project_b)
        with pytest.raises(ServiceDeskError) as error:
            emergency_services.incident_create(
                actor=engineer, project=project_a, asset=theirs, title="Down", symptoms="S", reporter_name="A"
            )
        assert error.value.field == "asset"


# --- the history -----------------------------------------------------------------------------


class TestAssetHistory:
    def test_every_ticket_incident_inspection_and_upgrade_in_time_order(
        self, api, engineer, customer_a, switch_a, project_a, django_assert_max_num_queries
    ):
        other = InstalledProductFactory(project=project_a, serial_number="OTHER")
        with time_machine.travel(datetime.datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI), tick=False):
            first = ticket_services.ticket_create(
                actor=customer_a, project=project_a, title="Port flaps", description="Port 4", asset=switch_a
            )
            ticket_services.ticket_create(
                actor=customer_a, project=project_a, title="Other", description="Not this one", asset=other
            )
        with time_machine.travel(datetime.datetime(2026, 2, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
            incident = emergency_services.incident_create(
                actor=engineer, project=project_a, asset=switch_a, title="Core down", symptoms="S", reporter_name="A"
            )
        inspection = Inspection.objects.create(
            project=project_a,
            title="Quarterly inspection",
            due_date=datetime.date(2026, 3, 1),
            engineer=engineer,
            status=Inspection.Status.COMPLETED,
            completed_at=datetime.datetime(2026, 3, 2, 15, 0, tzinfo=SHANGHAI),
        )
        Inspection.objects.create(  # planned, not done: not history yet
            project=project_a, title="Next inspection", due_date=datetime.date(2026, 6, 1), engineer=engineer
        )
        client = api.as_user(customer_a)
        with django_assert_max_num_queries(8):
            response = client.get(f"{ASSETS}{switch_a.pk}/history/")
        assert response.status_code == 200
        rows = response.json()
        assert [(row["kind"], row["object_id"]) for row in rows] == [
            ("ticket", first.pk),
            ("incident", incident.pk),
            ("inspection", inspection.pk),
        ]
        assert rows[0]["reference"] == first.reference and rows[0]["url"] == f"/tickets/{first.pk}/"

    def test_another_app_registers_its_lines(self, customer_a, switch_a, monkeypatch):
        monkeypatch.setitem(
            providers,
            "part",
            lambda *, asset, user: [
                HistoryEntry(
                    at=datetime.datetime(2020, 1, 1, tzinfo=SHANGHAI),
                    kind="part",
                    object_id=7,
                    reference="PN-1",
                    title=f"Fan replaced in {asset.serial_number}",
                )
            ],
        )
        assert "part" in registered_kinds()
        entries = asset_history(asset=switch_a, user=customer_a)
        assert [entry.title for entry in entries] == ["Fan replaced in SW-0042"]

    def test_registering_again_replaces(self, monkeypatch):
        monkeypatch.setitem(providers, "x", lambda *, asset, user: [])
        register("x", lambda *, asset, user: [])
        assert registered_kinds().count("x") == 1
