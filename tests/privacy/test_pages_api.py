"""The pages, the API and the Django admin actions of personal data."""

import io
import json
import zipfile

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import AuditEvent, User
from tests.privacy.conftest import EMAIL


def document_of(response) -> dict:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return json.loads(zipfile.ZipFile(io.BytesIO(content)).read("personal-data.json"))


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def only_contact(world):
    """The contact is the only active contact of their organisation (their open ticket holds)."""
    User.objects.filter(pk=world.colleague.pk).update(is_active=False)
    return world.contact


# --- pages ------------------------------------------------------------------------------------


def test_everyone_downloads_their_own_data_from_the_preferences_page(client, world, customer_b):
    client.force_login(customer_b)
    page = client.get("/accounts/preferences/")
    assert reverse("privacy:my_data").encode() in page.content
    response = client.get(reverse("privacy:my_data"))
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    document = document_of(response)
    assert document["profile"]["username"] == customer_b.username
    assert EMAIL not in json.dumps(document)
    assert AuditEvent.objects.get(kind="data_exported").user == customer_b


def test_the_admin_exports_a_users_data(as_admin, world, admin_user):
    response = as_admin.get(reverse("privacy:user_export", args=[world.contact.pk]))
    assert document_of(response)["profile"]["email"] == EMAIL
    line = AuditEvent.objects.get(kind="data_exported")
    assert (line.user, line.actor) == (world.contact, admin_user)


def test_the_confirm_page_shows_the_refusal_as_a_form_error(as_admin, only_contact, world):
    url = reverse("privacy:user_erase", args=[only_contact.pk])
    page = as_admin.get(url).content.decode()
    assert "cannot be undone" in page
    assert 'role="alert"' in page and world.ticket.reference in page
    # posting anyway: refused, nothing changed
    response = as_admin.post(url, {"confirm": "on"})
    assert response.status_code == 200 and world.ticket.reference in response.content.decode()
    assert User.objects.get(pk=only_contact.pk).email == EMAIL


def test_the_erasure_needs_the_box_ticked_then_erases(as_admin, world):
    url = reverse("privacy:user_erase", args=[world.contact.pk])
    unticked = as_admin.post(url, {})
    assert unticked.status_code == 200 and b"Tick the box" in unticked.content
    assert User.objects.get(pk=world.contact.pk).is_active
    done = as_admin.post(url, {"confirm": "on"}, follow=True)
    assert b"has been erased" in done.content
    assert User.objects.get(pk=world.contact.pk).email == f"erased-{world.contact.pk}@invalid"


def test_the_user_actions_card_offers_export_and_erase(world, engineer):
    card = render_to_string("privacy/_user_actions.html", {"subject": world.contact})
    assert reverse("privacy:user_export", args=[world.contact.pk]) in card
    assert reverse("privacy:user_erase", args=[world.contact.pk]) in card
    staff_card = render_to_string("privacy/_user_actions.html", {"subject": engineer})
    assert reverse("privacy:user_erase", args=[engineer.pk]) not in staff_card


# --- API --------------------------------------------------------------------------------------


def test_the_api_exports_and_erases(api, admin_user, world):
    client = api.as_user(admin_user)
    response = client.get(f"/api/v1/users/{world.contact.pk}/personal-data/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert document_of(response)["profile"]["phone"] == world.contact.phone
    wrong = client.post(f"/api/v1/users/{world.contact.pk}/erase/", {"confirm_username": "nobody"}, format="json")
    assert wrong.status_code == 400 and "confirm_username" in wrong.json()["errors"]
    erased = client.post(
        f"/api/v1/users/{world.contact.pk}/erase/", {"confirm_username": world.contact.username}, format="json"
    )
    assert erased.status_code == 200
    assert erased.json()["username"] == f"erased-{world.contact.pk}"
    assert erased.json()["tokens_revoked"] == 1


def test_the_api_refuses_with_the_reason(api, admin_user, only_contact, world):
    response = api.as_user(admin_user).post(
        f"/api/v1/users/{only_contact.pk}/erase/", {"confirm_username": only_contact.username}, format="json"
    )
    assert response.status_code == 400
    assert world.ticket.reference in response.json()["detail"]


def test_unknown_ids_are_404_for_admins_and_403_for_others(api, admin_user, customer_a):
    assert api.as_user(admin_user).get("/api/v1/users/999999/personal-data/").status_code == 404
    assert api.as_user(admin_user).post("/api/v1/users/999999/erase/", {}, format="json").status_code == 404
    assert api.as_user(customer_a).get("/api/v1/users/999999/personal-data/").status_code == 403


def test_errors_stay_json_when_a_zip_is_asked_for(api, customer_a, admin_user):
    response = api.as_user(customer_a).get(
        f"/api/v1/users/{admin_user.pk}/personal-data/", HTTP_ACCEPT="application/zip"
    )
    assert response.status_code == 403 and response["Content-Type"].startswith("application/json")
    own = api.as_user(customer_a).get("/api/v1/me/personal-data/", HTTP_ACCEPT="application/zip")
    assert own.status_code == 200 and document_of(own)["profile"]["username"] == customer_a.username


def test_the_users_list_finds_a_person(api, admin_user, world):
    response = api.as_user(admin_user).get("/api/v1/users/", {"search": "meilin"})
    assert [row["id"] for row in response.json()["results"]] == [world.contact.pk]


# --- the Django admin -------------------------------------------------------------------------


def test_the_admin_actions_export_one_user_and_erase_after_a_confirm_page(as_admin, world, only_contact):
    changelist = reverse("admin:accounts_user_changelist")
    exported = as_admin.post(changelist, {"action": "export_personal_data", "_selected_action": [world.contact.pk]})
    assert document_of(exported)["profile"]["email"] == EMAIL
    # erase: a confirm page that says who is refused and why
    ids = [world.contact.pk, world.colleague.pk]
    confirm = as_admin.post(changelist, {"action": "erase_contact", "_selected_action": ids})
    assert confirm.status_code == 200
    assert world.ticket.reference.encode() in confirm.content  # the contact's refusal
    done = as_admin.post(
        changelist, {"action": "erase_contact", "_selected_action": ids, "confirmed": "yes"}, follow=True
    )
    assert b"1 contact erased." in done.content
    assert User.objects.get(pk=world.colleague.pk).username == f"erased-{world.colleague.pk}"
    assert User.objects.get(pk=world.contact.pk).email == EMAIL
