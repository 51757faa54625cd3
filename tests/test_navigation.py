import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _nav(client, user):
    client.force_login(user)
    context = client.get(reverse("home")).context
    return [item["label"] for item in context["nav_items"] + context["menu_items"]]


def test_the_navigation_changes_with_the_role(client, customer_a, engineer, admin_user):
    # the bar, then the user menu: what is used less sits in the menu, so the bar stays on one
    # line on a laptop screen (staff reach home through the brand)
    assert _nav(client, customer_a) == [
        "Home",
        "Tickets",
        "Emergencies",
        "Warranty",
        "Training",
        "Knowledge base",
        "Projects",
        "Reports",
        "My organisation",
        "API",
    ]
    assert _nav(client, engineer) == [
        "Ticket queue",
        "Incident board",
        "Maintenance",
        "Training",
        "Knowledge base",
        "Reports",
        "Organisations",
        "Projects",
        "Spare parts",
        "Email",
        "API",
    ]
    assert _nav(client, admin_user) == [
        "Ticket queue",
        "Incident board",
        "Maintenance",
        "Training",
        "Knowledge base",
        "Reports",
        "Organisations",
        "Projects",
        "Spare parts",
        "Email",
        "API",
        "Administration",
    ]


def test_the_home_page_of_staff_shows_the_emergency_groups(client, manager):
    from accounts import services
    from accounts.models import Team
    from tests.accounts.factories import TeamFactory

    services.team_add_member(team=TeamFactory(kind=Team.Kind.LEADERSHIP), user=manager)
    client.force_login(manager)
    page = client.get(reverse("home"))
    assert "Emergency leadership group" in page.text
    assert str(manager) in page.text


def test_times_show_in_the_users_time_zone(client, engineer):
    engineer.time_zone = "America/New_York"
    engineer.save()
    client.force_login(engineer)
    assert "Times are shown in America/New_York." in client.get(reverse("home")).text
