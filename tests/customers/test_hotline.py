"""Hotline numbers: set by admins (through ``services.hotline_number_*``), the desk's for staff
and visitors, an organisation's own for its customers (the desk's when it has none), kept in
the cache and dropped from it when one is saved."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from core.errors import ServiceDeskError
from customers import selectors, services
from customers.models import HotlineNumber
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(admin_user):
    return services.hotline_number_save(
        actor=admin_user, label="24-hour hotline", number="400-800-1234", hours="24 x 7", position=1
    )


def numbers(hotlines) -> list[str]:
    return [line.number for line in hotlines]


def test_everyone_without_numbers_of_their_own_sees_the_desks(desk, admin_user, customer_a, engineer, org_b):
    # given: organisation B has its own number, A has none, one of the desk's is inactive
    services.hotline_number_save(actor=admin_user, organisation=org_b, label="B line", number="021-555", hours="9-17")
    services.hotline_number_save(actor=admin_user, label="Old", number="000", hours="never", is_active=False)
    # then
    assert numbers(selectors.hotlines_for(user=customer_a)) == ["400-800-1234"]
    assert numbers(selectors.hotlines_for(user=engineer)) == ["400-800-1234"]
    assert numbers(selectors.hotlines_for(user=None)) == ["400-800-1234"]


def test_a_customer_of_an_organisation_with_its_own_numbers_sees_only_those(desk, admin_user, customer_b, org_b):
    services.hotline_number_save(
        actor=admin_user, organisation=org_b, label="Night", number="021-999", hours="18-9", position=2
    )
    services.hotline_number_save(
        actor=admin_user, organisation=org_b, label="Day", number="021-555", hours="9-18", position=1
    )
    hotlines = selectors.hotlines_for(user=customer_b)
    assert [(h.label, h.number, h.hours) for h in hotlines] == [
        ("Day", "021-555", "9-18"),
        ("Night", "021-999", "18-9"),
    ]


def test_the_numbers_are_read_once_and_a_change_shows_at_once(
    desk, admin_user, django_assert_num_queries, django_capture_on_commit_callbacks
):
    selectors.hotlines_for(user=None)
    with django_assert_num_queries(0):  # kept
        assert numbers(selectors.hotlines_for(user=None)) == ["400-800-1234"]
    with django_capture_on_commit_callbacks(execute=True):
        services.hotline_number_save(actor=admin_user, hotline=desk, number="400-800-9999")
    assert numbers(selectors.hotlines_for(user=None)) == ["400-800-9999"]
    with django_capture_on_commit_callbacks(execute=True):
        services.hotline_number_delete(actor=admin_user, hotline=desk)
    assert selectors.hotlines_for(user=None) == []


def test_a_number_without_digits_is_refused_and_nothing_is_saved(admin_user):
    with pytest.raises(ServiceDeskError) as error:
        services.hotline_number_save(actor=admin_user, label="Hotline", number="  ", hours="24 x 7")
    assert error.value.field == "number"
    assert not HotlineNumber.objects.exists()


def test_the_admin_saves_through_the_service(client, admin_user, org_a):
    client.force_login(admin_user)
    form = {"organisation": org_a.pk, "label": "Zephyr line", "number": "010-1234", "hours": "8-20", "position": 0}
    response = client.post(reverse("admin:customers_hotlinenumber_add"), {**form, "is_active": "on"})
    assert response.status_code == 302
    assert numbers(selectors.hotlines_of(organisation_id=org_a.pk)) == ["010-1234"]
    hotline = HotlineNumber.objects.get()
    response = client.post(reverse("admin:customers_hotlinenumber_change", args=[hotline.pk]), {**form, "number": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert client.get(reverse("admin:customers_hotlinenumber_changelist")).status_code == 200


# --- where the numbers show ------------------------------------------------------------------


def test_the_login_page_shows_the_desks_numbers_to_visitors(client, desk):
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'href="tel:400-800-1234"' in page and "24-hour hotline, 24 x 7" in page


def test_the_login_page_says_call_the_hotline_when_no_number_is_set(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Urgent fault? Call the service hotline, any time." in page


@pytest.mark.parametrize(
    "url",
    [reverse("home"), reverse("tickets:create"), reverse("emergency:board"), reverse("emergency:report")],
    ids=["home", "fault", "incidents", "incident-report"],
)
def test_a_customer_sees_its_organisations_number_where_it_reports(client, desk, admin_user, customer_b, org_b, url):
    services.hotline_number_save(actor=admin_user, organisation=org_b, label="B line", number="021-555", hours="9-17")
    client.force_login(customer_b)
    response = client.get(url)
    assert response.status_code == 200
    card = response.content.decode().split('id="hotline"')[1].split("</div>\n</div>")[0]
    assert "021-555" in card and "9-17" in card and "400-800-1234" not in card


def test_every_page_footer_shows_the_numbers_the_cache_holds_without_a_query(client, desk, engineer):
    client.force_login(engineer)
    cache.clear()
    page = client.get(reverse("tickets:list")).content.decode()
    assert 'id="footer-hotline"' not in page and "Service hotline: round the clock, every day." in page
    selectors.hotlines_for(user=None)  # read by a page that shows them (the login page, a form)
    page = client.get(reverse("tickets:list")).content.decode()
    assert 'id="footer-hotline"' in page and "400-800-1234 (24 x 7)" in page


def test_staff_see_the_customers_own_liaison_on_the_ticket_page(client, engineer, customer_a, project_a):
    customer_a.phone = "+86 21 5555 0000"
    customer_a.save()
    services.project_update(actor=engineer, project=project_a, customer_liaison=customer_a)
    ticket = ticket_services.ticket_create(actor=customer_a, project=project_a, title="Down", description="All of it")
    client.force_login(engineer)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    liaison = page.split('id="ticket-customer-liaison">')[1].split("</dd>")[0]
    assert str(customer_a) in liaison and "+86 21 5555 0000" in liaison
    client.force_login(customer_a)
    assert (
        'id="ticket-customer-liaison"' not in client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    )
