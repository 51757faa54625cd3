import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_customer_gets_404_for_another_organisations_project_page(client, customer_a, project_a, project_b):
    client.force_login(customer_a)
    assert client.get(reverse("customers:project_detail", args=[project_b.pk])).status_code == 404
    assert client.get(reverse("customers:organisation_detail", args=[project_b.organisation_id])).status_code == 404
    page = client.get(reverse("customers:project_detail", args=[project_a.pk]))
    assert page.status_code == 200
    assert "Project A" in page.text


def test_customer_lists_show_only_its_own_projects(client, customer_a, project_a, project_b):
    client.force_login(customer_a)
    page = client.get(reverse("customers:project_list"))
    assert "Project A" in page.text
    assert "Project B" not in page.text
    # "Organisations" leads a customer to its own organisation
    response = client.get(reverse("customers:organisation_list"))
    assert response.url == reverse("customers:organisation_detail", args=[customer_a.organisation_id])


def test_customer_does_not_see_the_change_history(client, customer_a, project_a):
    client.force_login(customer_a)
    page = client.get(reverse("customers:project_detail", args=[project_a.pk]))
    assert 'id="history"' not in page.text


def test_staff_see_every_organisation_and_the_history(client, engineer, project_a, project_b):
    client.force_login(engineer)
    page = client.get(reverse("customers:organisation_list"))
    assert "Organisation A" in page.text and "Organisation B" in page.text
    page = client.get(reverse("customers:project_detail", args=[project_b.pk]))
    assert 'id="history"' in page.text


def test_search_filters_the_list(client, engineer, project_a, project_b):
    client.force_login(engineer)
    page = client.get(reverse("customers:project_list"), {"q": "prj-b"})
    assert "Project B" in page.text and "Project A" not in page.text


@pytest.mark.parametrize(
    "name", ["home", "customers:organisation_list", "customers:project_list", "accounts:preferences"]
)
def test_pages_ask_anonymous_users_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
