"""The asset pages (list with serial search, one asset with its history), and the fault report
and emergency report forms naming an asset by choice or by serial number."""

import datetime

import pytest
from django.urls import reverse

from customers import services
from emergency.models import Incident
from tests.customers.factories import InstalledProductFactory
from tests.emergency.conftest import create_emergency_defaults
from tests.tickets.conftest import groups  # noqa: F401  (the emergency groups)
from tickets import services as ticket_services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


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
    )


def fault(project, **extra) -> dict:
    return {
        "project": project.pk,
        "title": "Port 4 down",
        "priority": "normal",
        "category": "fault",
        "description": "No link on port 4 since 10:00.",
        **extra,
    }


class TestAssetPages:
    def test_a_customer_lists_its_assets_and_finds_one_by_serial(
        self, client, customer_a, switch_a, project_a, project_b
    ):
        InstalledProductFactory(project=project_b, name="Their router", serial_number="RT-1")
        InstalledProductFactory(project=project_a, name="Spare disk", serial_number="DK-9")
        client.force_login(customer_a)
        page = client.get(reverse("maintenance:assets"))
        assert page.status_code == 200
        assert "Core switch" in page.text and "Spare disk" in page.text and "Their router" not in page.text
        found = client.get(reverse("maintenance:assets"), {"q": "sw-0042"})
        assert "Core switch" in found.text and "Spare disk" not in found.text
        # another organisation's serial finds nothing
        assert "Their router" not in client.get(reverse("maintenance:assets"), {"q": "RT-1"}).text

    def test_the_project_page_links_to_its_assets(self, client, customer_a, switch_a, project_a):
        client.force_login(customer_a)
        page = client.get(reverse("customers:project_detail", args=[project_a.pk]))
        assert reverse("maintenance:asset_detail", args=[switch_a.pk]) in page.text
        assert f"{reverse('maintenance:assets')}?project={project_a.pk}" in page.text

    def test_the_asset_page_shows_its_history_and_another_organisation_gets_404(
        self, client, customer_a, customer_b, engineer, switch_a, project_a, django_assert_max_num_queries
    ):
        ticket = ticket_services.ticket_create(
            actor=customer_a, project=project_a, title="Port 4 down", description="No link", asset=switch_a
        )
        client.force_login(engineer)
        url = reverse("maintenance:asset_detail", args=[switch_a.pk])
        with django_assert_max_num_queries(16):
            page = client.get(url)
        assert page.status_code == 200
        assert "SW-0042" in page.text and "Building 1, rack 3" in page.text and ticket.reference in page.text
        client.force_login(customer_b)
        assert client.get(url).status_code == 404


class TestReportsNameAnAsset:
    def test_a_customer_names_the_asset_by_serial_number(self, client, customer_a, switch_a, project_a):
        client.force_login(customer_a)
        form = client.get(reverse("tickets:create"))
        assert "asset_serial" in form.text and "SW-0042" in form.text
        assert f'data-project="{project_a.pk}"' in form.text and "js/asset_picker.js" in form.text
        response = client.post(reverse("tickets:create"), fault(project_a, asset_serial=" sw-0042 "))
        assert response.status_code == 302
        assert Ticket.objects.get().asset == switch_a

    def test_an_unknown_serial_is_a_form_error_and_nothing_is_filed(self, client, customer_a, switch_a, project_a):
        client.force_login(customer_a)
        response = client.post(reverse("tickets:create"), fault(project_a, asset_serial="NOPE-1"))
        assert response.status_code == 200
        assert "No asset of this project has serial number NOPE-1." in response.text
        assert not Ticket.objects.exists()

    def test_an_asset_of_another_project_is_a_form_error(self, client, engineer, switch_a, project_a, org_a):
        other_project = project_a.__class__.objects.create(organisation=org_a, name="Other", code="other")
        client.force_login(engineer)
        response = client.post(reverse("tickets:create"), fault(other_project, asset=switch_a.pk))
        assert response.status_code == 200
        assert "Choose an asset of the ticket&#x27;s project." in response.text
        assert not Ticket.objects.exists()

    @pytest.mark.usefixtures("groups")
    def test_the_emergency_report_takes_a_serial_number(self, client, customer_a, switch_a, project_a):
        create_emergency_defaults()
        client.force_login(customer_a)
        data = {"project": project_a.pk, "title": "Core down", "symptoms": "No traffic", "asset_serial": "SW-0042"}
        response = client.post(reverse("emergency:report"), data)
        assert response.status_code == 302, response.text[:500]
        incident = Incident.objects.get()
        assert incident.asset == switch_a
        detail = client.get(reverse("emergency:detail", args=[incident.pk]))
        assert reverse("maintenance:asset_detail", args=[switch_a.pk]) in detail.text and "SW-0042" in detail.text
        wrong = client.post(reverse("emergency:report"), {**data, "asset_serial": "NOPE"})
        assert "No asset of this project has serial number NOPE." in wrong.text
        assert Incident.objects.count() == 1


class TestAssetAdmin:
    def test_the_admin_saves_through_the_service_and_refuses_a_duplicate_serial(
        self, client, admin_user, switch_a, project_a
    ):
        client.force_login(admin_user)
        url = reverse("admin:customers_installedproduct_add")
        data = {"project": project_a.pk, "name": "UPS", "version": "1", "serial_number": "sw-0042", "quantity": 1}
        refused = client.post(url, data)
        assert refused.status_code == 200
        assert "Serial number sw-0042 is already an asset of this project." in refused.text
        saved = client.post(url, {**data, "serial_number": "UPS-1", "location": "Basement"})
        assert saved.status_code == 302
        ups = project_a.products.get(serial_number="UPS-1")
        assert ups.location == "Basement" and ups.history.first().history_user == admin_user
        change = client.get(reverse("admin:customers_installedproduct_change", args=[ups.pk]))
        assert change.status_code == 200
