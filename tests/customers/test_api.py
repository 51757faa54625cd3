import datetime

import pytest

from customers.models import Organisation, Project
from tests.customers.factories import InstalledProductFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _ids(response):
    return [row["id"] for row in response.json()["results"]]


class TestScoping:
    def test_customer_lists_only_its_organisation(self, api, customer_a, project_a, project_b):
        response = api.as_user(customer_a).get("/api/v1/projects/")
        assert response.status_code == 200
        assert _ids(response) == [project_a.pk]
        response = api.get("/api/v1/organisations/")
        assert _ids(response) == [customer_a.organisation_id]

    def test_customer_gets_404_for_another_organisations_objects(self, api, customer_a, project_b):
        client = api.as_user(customer_a)
        assert client.get(f"/api/v1/projects/{project_b.pk}/").status_code == 404
        assert client.get(f"/api/v1/organisations/{project_b.organisation_id}/").status_code == 404
        # writing to it is also "not found", not "forbidden": its existence does not leak
        response = client.patch(f"/api/v1/projects/{project_b.pk}/", {"name": "taken"}, format="json")
        assert response.status_code == 404
        assert response.json() == {"detail": "No Project matches the given query.", "errors": {}}
        assert Project.objects.get(pk=project_b.pk).name == "Project B"

    def test_customer_may_read_but_not_change_its_own_project(self, api, customer_a, project_a):
        client = api.as_user(customer_a)
        assert client.get(f"/api/v1/projects/{project_a.pk}/").json()["name"] == "Project A"
        response = client.patch(f"/api/v1/projects/{project_a.pk}/", {"name": "Renamed"}, format="json")
        assert response.status_code == 403
        assert client.post("/api/v1/projects/", {}, format="json").status_code == 403
        assert Project.objects.get(pk=project_a.pk).name == "Project A"

    def test_staff_see_every_organisation(self, api, engineer, project_a, project_b):
        response = api.as_user(engineer).get("/api/v1/projects/")
        assert sorted(_ids(response)) == sorted([project_a.pk, project_b.pk])

    def test_anonymous_is_refused(self, api, project_a):
        response = api.get("/api/v1/projects/")
        assert response.status_code == 401
        assert set(response.json()) == {"detail", "errors"}


class TestWrites:
    def test_manager_creates_a_project_with_products(self, api, manager, org_a, customer_a):
        payload = {
            "organisation": org_a.pk,
            "code": "new-prj",
            "name": "New project",
            "final_acceptance_date": "2026-03-31",
            "customer_liaison": customer_a.pk,
            "products": [{"name": "Gateway", "version": "3.1", "serial_number": "GW-1", "quantity": 2}],
        }
        response = api.as_user(manager).post("/api/v1/projects/", payload, format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["organisation_name"] == "Organisation A"
        assert body["customer_liaison_name"] == str(customer_a)
        project = Project.objects.get(code="new-prj")
        assert body["products"] == [
            {
                "id": project.products.get().pk,
                "name": "Gateway",
                "version": "3.1",
                "serial_number": "GW-1",
                "quantity": 2,
                "location": "",
                "installed_on": None,
                "accepted_on": None,
                "notes": "",
            }
        ]
        assert project.history.first().history_user == manager

    def test_engineer_may_not_create(self, api, engineer, org_a):
        response = api.as_user(engineer).post("/api/v1/organisations/", {"name": "X", "code": "x"}, format="json")
        assert response.status_code == 403

    def test_bad_input_is_a_400_with_messages_and_nothing_saved(self, api, manager, org_a):
        response = api.as_user(manager).post(
            "/api/v1/projects/",
            {"organisation": org_a.pk, "code": "bad code!", "name": "", "final_acceptance_date": "31/02/2026"},
            format="json",
        )
        assert response.status_code == 400
        body = response.json()
        assert set(body["errors"]) == {"code", "name", "final_acceptance_date"}
        assert body["detail"]
        assert not Project.objects.exists()

    def test_liaison_from_another_organisation_is_refused(self, api, manager, org_a, customer_b):
        response = api.as_user(manager).post(
            "/api/v1/projects/",
            {"organisation": org_a.pk, "code": "p", "name": "P", "customer_liaison": customer_b.pk},
            format="json",
        )
        assert response.status_code == 400
        assert "customer_liaison" in response.json()["errors"]
        assert not Project.objects.exists()

    def test_duplicate_code_is_a_400(self, api, manager, org_a):
        client = api.as_user(manager)
        assert client.post("/api/v1/organisations/", {"name": "One", "code": "dup"}, format="json").status_code == 201
        response = client.post("/api/v1/organisations/", {"name": "Two", "code": "dup"}, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["code"]
        assert Organisation.objects.filter(code="dup").count() == 1

    def test_a_bad_product_saves_nothing(self, api, manager, project_a):
        InstalledProductFactory(project=project_a, name="Old")
        response = api.as_user(manager).patch(
            f"/api/v1/projects/{project_a.pk}/",
            {"name": "Renamed", "products": [{"name": "Ok"}, {"name": "", "quantity": 1}]},
            format="json",
        )
        assert response.status_code == 400
        project_a.refresh_from_db()
        assert project_a.name == "Project A"
        assert list(project_a.products.values_list("name", flat=True)) == ["Old"]

    def test_patch_replaces_products_only_when_given(self, api, manager, project_a):
        InstalledProductFactory(project=project_a, name="Kept")
        client = api.as_user(manager)
        assert client.patch(f"/api/v1/projects/{project_a.pk}/", {"name": "R"}, format="json").status_code == 200
        assert list(project_a.products.values_list("name", flat=True)) == ["Kept"]
        response = client.patch(f"/api/v1/projects/{project_a.pk}/", {"products": [{"name": "New"}]}, format="json")
        assert [p["name"] for p in response.json()["products"]] == ["New"]

    def test_an_asset_under_warranty_is_kept_and_cannot_be_dropped(self, api, manager, project_a):
        """Found by fuzzing the demo desk: replacing the products deleted every asset, and one
        with a warranty answered 500."""
        from maintenance import services as maintenance_services
        from maintenance.models import Warranty, WarrantyTerms

        asset = InstalledProductFactory(project=project_a, name="Gateway", version="3.1", serial_number="GW-1")
        terms = WarrantyTerms.objects.create(name="2 years", duration_months=24)
        maintenance_services.warranty_save(
            project=project_a, terms=terms, asset=asset, start_date=datetime.date(2026, 1, 1)
        )
        client = api.as_user(manager)
        url = f"/api/v1/projects/{project_a.pk}/"

        dropped = client.patch(url, {"name": "R", "products": [{"name": "Other"}]}, format="json")
        assert dropped.status_code == 400 and list(dropped.json()["errors"]) == ["products"]
        assert "Gateway 3.1" in dropped.json()["errors"]["products"][0]
        project_a.refresh_from_db()
        assert project_a.name == "Project A" and list(project_a.products.all()) == [asset]

        gateway = {"name": "Gateway", "version": "3.1", "serial_number": "GW-1", "quantity": 3}
        kept = client.patch(url, {"products": [gateway, {"name": "Spare disk"}]}, format="json")
        assert kept.status_code == 200, kept.json()
        assert sorted(p["name"] for p in kept.json()["products"]) == ["Gateway", "Spare disk"]
        asset.refresh_from_db()
        assert asset.quantity == 3 and Warranty.objects.get().asset == asset

    def test_there_is_no_delete(self, api, admin_user, project_a):
        assert api.as_user(admin_user).delete(f"/api/v1/projects/{project_a.pk}/").status_code == 405


def test_list_query_count_does_not_grow_with_rows(api, manager, django_assert_max_num_queries, org_a):
    for _ in range(15):
        project = ProjectFactory(organisation=org_a)
        InstalledProductFactory.create_batch(3, project=project)
    client = api.as_user(manager)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/projects/")
    assert len(response.json()["results"]) == 15


def test_filters_and_search(api, manager, project_a, project_b):
    client = api.as_user(manager)
    assert _ids(client.get(f"/api/v1/projects/?organisation={project_b.organisation_id}")) == [project_b.pk]
    assert _ids(client.get("/api/v1/projects/?search=prj-a")) == [project_a.pk]
    response = client.get("/api/v1/projects/?organisation=not-a-number")
    assert response.status_code == 400
    assert "organisation" in response.json()["errors"]
