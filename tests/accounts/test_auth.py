import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


class TestToken:
    def test_username_and_password_give_a_token_that_authenticates(self, api, customer_a, password):
        response = api.post("/api/v1/auth/token/", {"username": "cust-a", "password": password}, format="json")
        assert response.status_code == 200
        token = response.json()["token"]
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        me = api.get("/api/v1/me/").json()
        assert (me["username"], me["role"], me["organisation"]) == ("cust-a", "customer", customer_a.organisation_id)
        # asking again issues another token (one per client), and the first still works
        again = api.post("/api/v1/auth/token/", {"username": "cust-a", "password": password}, format="json")
        assert again.json()["token"] != token
        assert api.get("/api/v1/me/").status_code == 200

    def test_a_wrong_password_is_a_400_in_the_error_format(self, api, customer_a):
        response = api.post("/api/v1/auth/token/", {"username": "cust-a", "password": "nope"}, format="json")
        assert response.status_code == 400
        assert response.json() == {
            "detail": "Unable to log in with the given username and password.",
            "errors": {"non_field_errors": ["Unable to log in with the given username and password."]},
        }

    def test_missing_fields_are_named(self, api):
        response = api.post("/api/v1/auth/token/", {}, format="json")
        assert response.status_code == 400
        assert set(response.json()["errors"]) == {"username", "password"}

    def test_an_inactive_user_gets_no_token(self, api, customer_a, password):
        customer_a.is_active = False
        customer_a.save()
        response = api.post("/api/v1/auth/token/", {"username": "cust-a", "password": password}, format="json")
        assert response.status_code == 400

    def test_a_bad_token_is_a_401(self, api):
        api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
        response = api.get("/api/v1/me/")
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid token.", "errors": {}}


class TestPages:
    def test_login_and_logout(self, client, engineer, password):
        page = client.get(reverse("accounts:login"))
        assert page.status_code == 200 and "csrfmiddlewaretoken" in page.text
        response = client.post(reverse("accounts:login"), {"username": "eng", "password": password})
        assert response.status_code == 302 and response.url == reverse("home")
        assert client.get(reverse("home")).status_code == 200
        response = client.post(reverse("accounts:logout"))
        assert response.status_code == 302
        assert client.get(reverse("home")).status_code == 302

    def test_a_wrong_password_shows_a_form_error(self, client, engineer):
        page = client.post(reverse("accounts:login"), {"username": "eng", "password": "wrong"})
        assert page.status_code == 200
        assert "Please enter a correct username and password" in page.text

    def test_password_reset_mails_a_link_that_sets_a_new_password(self, client, engineer):
        client.post(reverse("accounts:password_reset"), {"email": engineer.email})
        assert len(mail.outbox) == 1
        link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
        form_url = client.get(link).url  # Django swaps the token for a session marker
        response = client.post(form_url, {"new_password1": "Another-Secret-77", "new_password2": "Another-Secret-77"})
        assert response.status_code == 302
        assert User.objects.get(pk=engineer.pk).check_password("Another-Secret-77")

    def test_password_change_applies_the_password_policy(self, client, engineer, password):
        client.force_login(engineer)
        url = reverse("accounts:password_change")
        page = client.post(url, {"old_password": password, "new_password1": "123", "new_password2": "123"})
        assert page.status_code == 200
        assert "This password is too short" in page.text
        response = client.post(
            url, {"old_password": password, "new_password1": "Long-Enough-2026", "new_password2": "Long-Enough-2026"}
        )
        assert response.status_code == 302

    def test_preferences_set_time_zone_and_language(self, client, engineer):
        client.force_login(engineer)
        url = reverse("accounts:preferences")
        page = client.post(url, {"time_zone": "Not/AZone", "language": "en"})
        assert "time_zone" in page.context["form"].errors
        client.post(url, {"time_zone": "Europe/Berlin", "language": "zh-hans"})
        engineer.refresh_from_db()
        assert (engineer.time_zone, engineer.language) == ("Europe/Berlin", "zh-hans")
        page = client.get(reverse("home"))
        assert page.context["TIME_ZONE"] == "Europe/Berlin"
        assert 'lang="zh-Hans"' in page.text
