"""OpenID Connect sign-in against a real OpenID provider (tests/identity/oidc_provider.py): the
desk through Django's test client, the provider's pages through ``requests``, and the desk's
calls to the provider (token, JWKS, userinfo) real HTTP on loopback."""

from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import AuditEvent, TeamMembership, User
from identity.models import DirectoryGroup, ExternalIdentity
from tests.accounts.factories import TeamFactory, UserFactory
from tests.identity.oidc_provider import (  # noqa: F401  (the fixtures oidc_provider_server and oidc_provider)
    PASSWORD,
    provider_fixture,
    provider_server_fixture,
)

pytestmark = pytest.mark.django_db(transaction=False)

DESK = "http://testserver"


def sign_in(
    client: Client,
    username: str,
    *,
    password: str = PASSWORD,
    next_url: str = "",
    deny: bool = False,
    browser: requests.Session | None = None,
):
    """Click "Sign in with …" on the desk, sign in (and allow access) at the provider, come
    back to the desk's callback; returns the desk's last answer (redirects followed) and the
    callback URL the provider sent the browser to."""
    init = reverse("oidc_authentication_init") + (f"?next={next_url}" if next_url else "")
    answer = client.get(init)
    assert answer.status_code == 302, answer
    return follow(client, answer["Location"], username, password=password, deny=deny, browser=browser)


def follow(client, url, username="", *, password=PASSWORD, deny=False, browser=None):
    """Go on from ``url`` at the provider (its login and consent forms when it shows them) until
    it sends the browser back to the desk."""
    browser = browser or requests.Session()
    for _step in range(12):
        if url.startswith(DESK):
            return client.get(url.removeprefix(DESK), follow=True), url
        page = browser.get(url, allow_redirects=False, timeout=10)
        if page.is_redirect:
            url = urljoin(url, page.headers["Location"])
            continue
        assert page.status_code == 200, page.text
        base = url
        if 'name="login"' in page.text:
            action = page.text.split('action="', 1)[1].split('"', 1)[0]
            page = browser.post(
                urljoin(base, action), data={"login": username, "password": password}, allow_redirects=False
            )
        elif "/confirm" in page.text:
            target = "abort" if deny else "confirm"
            action = next(part.split('"', 1)[0] for part in page.text.split('action="')[1:] if target in part)
            page = browser.post(urljoin(base, action), allow_redirects=False)
        else:
            pytest.fail(f"unexpected page at the provider: {page.text[:500]}")
        if not page.is_redirect:
            return page, ""  # the provider answered with a page (wrong password)
        url = urljoin(base, page.headers["Location"])
    pytest.fail("the sign-in did not come back to the desk")


@pytest.fixture
def groups(org_a):
    engineers = TeamFactory(name="Support", slug="support")
    oncall = TeamFactory(name="On call", slug="on-call")
    DirectoryGroup.objects.create(name="desk-engineers", role=User.Role.ENGINEER, team=engineers)
    DirectoryGroup.objects.create(name="desk-oncall", team=oncall)
    DirectoryGroup.objects.create(name="desk-managers", role=User.Role.MANAGER)
    DirectoryGroup.objects.create(name="org-a-staff", organisation=org_a)
    return {"support": engineers, "oncall": oncall}


def _signed_in(client: Client) -> User | None:
    answer = client.get(reverse("accounts:preferences"))
    return answer.context["user"] if answer.status_code == 200 else None


def test_first_sign_in_creates_the_account_from_the_claims(oidc_provider, groups, client):
    # given a person at the provider in two mapped groups
    oidc_provider.set_account(
        "sub-ann",
        username="ann",
        email="ann@example.com",
        given_name="Ann",
        family_name="Lee",
        phone_number="+86 10 5555 0101",
        groups=["desk-engineers", "DESK-ONCALL", "unmapped"],
    )
    # when she signs in through the provider
    answer, callback = sign_in(client, "ann", next_url="/tickets/")
    # then the provider sent a code back, and the desk created and signed in her account
    assert "code" in parse_qs(urlsplit(callback).query)
    assert answer.redirect_chain[-1][0] == "/tickets/"
    user = User.objects.get(username="ann")
    assert _signed_in(client) == user
    assert (user.role, user.email, user.first_name, user.last_name, user.phone) == (
        User.Role.ENGINEER,
        "ann@example.com",
        "Ann",
        "Lee",
        "+86 10 5555 0101",
    )
    assert user.organisation is None
    assert not user.has_usable_password()
    assert set(TeamMembership.objects.filter(user=user).values_list("team__slug", flat=True)) == {"support", "on-call"}
    identity = ExternalIdentity.objects.get(user=user)
    assert (identity.source, identity.subject) == ("oidc", "sub-ann")
    assert client.session["_auth_user_backend"] == "identity.oidc.OpenIDConnectBackend"


def test_a_second_sign_in_follows_the_changed_claims_and_keeps_the_account(oidc_provider, groups, client):
    oidc_provider.set_account("sub-bo", username="bo", email="bo@example.com", groups=["desk-engineers", "desk-oncall"])
    sign_in(client, "bo")
    first = User.objects.get(username="bo")
    unmapped = TeamFactory(slug="unmapped")
    TeamMembership.objects.create(user=first, team=unmapped)
    # the provider now says: manager, left on-call, new username and email (same sub)
    oidc_provider.set_account("sub-bo", username="bo.chen", email="bo.chen@example.com", groups=["desk-managers"])
    browser = Client()
    answer, _callback = sign_in(browser, "bo.chen")
    assert answer.status_code == 200
    user = User.objects.get(pk=first.pk)
    assert _signed_in(browser) == user
    assert User.objects.filter(external_identities__subject="sub-bo").count() == 1
    assert (user.role, user.email) == (User.Role.MANAGER, "bo.chen@example.com")
    # mapped teams follow the groups; a team no group maps is left alone
    assert set(TeamMembership.objects.filter(user=user).values_list("team__slug", flat=True)) == {"unmapped"}


def test_a_customer_gets_the_organisation_of_the_claim(oidc_provider, groups, org_b, client, settings):
    settings.OIDC_ORGANISATION_CLAIM = "organisation"
    oidc_provider.set_account("sub-cy", username="cy", email="cy@example.com", organisation="ORG-B")
    sign_in(client, "cy")
    user = User.objects.get(username="cy")
    assert (user.role, user.organisation) == (User.Role.CUSTOMER, org_b)
    # and from a mapped group when there is no claim
    oidc_provider.set_account("sub-di", username="di", email="di@example.com", groups=["org-a-staff"])
    sign_in(Client(), "di")
    assert User.objects.get(username="di").organisation.code == "org-a"


def test_no_mapped_group_is_refused_with_the_reason_on_the_login_page(oidc_provider, groups, client):
    oidc_provider.set_account("sub-ed", username="ed", email="ed@example.com", groups=["cafeteria"])
    answer, _callback = sign_in(client, "ed", next_url="/tickets/")
    assert answer.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "next=%2Ftickets%2F" in answer.redirect_chain[-1][0]
    assert "None of your directory groups gives access to the service desk." in answer.content.decode()
    assert not User.objects.filter(username="ed").exists()
    assert _signed_in(client) is None
    line = AuditEvent.objects.get(kind=AuditEvent.Kind.DIRECTORY_REFUSED)
    assert (line.username, line.method) == ("ed", "oidc")


def test_the_reason_is_shown_in_the_person_s_language(oidc_provider, groups, client):
    oidc_provider.set_account("sub-fu", username="fu", email="fu@example.com", groups=[])
    client.cookies["django_language"] = "zh-hans"
    answer, _callback = sign_in(client, "fu")
    assert answer.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    with translation.override("zh-hans"):
        reason = gettext("None of your directory groups gives access to the service desk.")
    assert reason in answer.content.decode()


def test_another_sub_with_the_same_email_is_not_merged(oidc_provider, groups, client):
    existing = UserFactory(username="gail", email="gail@example.com")
    oidc_provider.set_account("sub-gail", username="g.wong", email="GAIL@example.com", groups=["desk-engineers"])
    answer, _callback = sign_in(client, "g.wong")
    assert "Another desk account already uses your email address." in answer.content.decode()
    assert _signed_in(client) is None
    assert not ExternalIdentity.objects.exists()
    assert not User.objects.filter(username="g.wong").exists()
    existing.refresh_from_db()
    assert existing.has_usable_password()


def test_another_sub_with_the_username_of_a_held_account_is_refused(oidc_provider, groups, client):
    oidc_provider.set_account("sub-hal-1", username="hal", email="hal@example.com", groups=["desk-engineers"])
    sign_in(client, "hal")
    held = User.objects.get(username="hal")
    # the provider re-created the person (a new sub), or someone else got the username
    oidc_provider.set_account(
        "sub-hal-2", username="hal", login="hal-2", email="hal2@example.com", groups=["desk-managers"]
    )
    browser = Client()
    answer, _callback = sign_in(browser, "hal-2")
    assert "held by another directory entry" in answer.content.decode()
    assert _signed_in(browser) is None
    held.refresh_from_db()
    assert held.role == User.Role.ENGINEER
    assert list(ExternalIdentity.objects.values_list("subject", flat=True)) == ["sub-hal-1"]


def test_a_local_account_of_the_same_username_is_taken_over(oidc_provider, groups, client):
    local = UserFactory(username="ivy", email="ivy@example.com", role=User.Role.ENGINEER)
    oidc_provider.set_account("sub-ivy", username="Ivy", email="ivy@example.com", groups=["desk-managers"])
    sign_in(client, "Ivy")
    local.refresh_from_db()
    assert _signed_in(client) == local
    assert local.role == User.Role.MANAGER
    assert not local.has_usable_password()
    assert ExternalIdentity.objects.get(user=local).subject == "sub-ivy"


def test_a_superuser_is_never_taken_over(oidc_provider, groups, admin_user, client):
    oidc_provider.set_account("sub-adm", username="adm", email="someone@example.com", groups=["desk-managers"])
    answer, _callback = sign_in(client, "adm")
    assert "superuser" in answer.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.has_usable_password() and admin_user.role == User.Role.ADMIN
    assert not ExternalIdentity.objects.exists()


def test_a_wrong_password_stays_at_the_provider(oidc_provider, groups, client):
    oidc_provider.set_account("sub-jo", username="jo", email="jo@example.com", groups=["desk-engineers"])
    page, callback = sign_in(client, "jo", password="wrong")
    assert callback == "" and "Wrong username or password." in page.text
    assert _signed_in(client) is None


def test_denied_at_the_provider_lands_on_the_login_page(oidc_provider, groups, client):
    oidc_provider.set_account("sub-kim", username="kim", email="kim@example.com", groups=["desk-engineers"])
    answer, callback = sign_in(client, "kim", deny=True)
    assert parse_qs(urlsplit(callback).query)["error"] == ["access_denied"]
    assert answer.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "was cancelled or refused by Test provider" in answer.content.decode()
    assert _signed_in(client) is None


def test_a_forged_or_replayed_callback_fails_safely(oidc_provider, groups, client):
    oidc_provider.set_account("sub-lu", username="lu", email="lu@example.com", groups=["desk-engineers"])
    callback = reverse("oidc_authentication_callback")
    # no sign-in started in this browser
    answer = client.get(f"{callback}?code=forged&state=forged", follow=True)
    assert answer.redirect_chain[-1][0] == reverse("accounts:login")
    assert "did not complete" in answer.content.decode()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_IN_FAILED, method="oidc").count() == 1
    # a sign-in started, but the state is not the one this browser was given
    client.get(reverse("oidc_authentication_init"))
    answer = client.get(f"{callback}?code=forged&state=other", follow=True)
    assert answer.redirect_chain[-1][0] == reverse("accounts:login")
    assert _signed_in(client) is None
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_IN_FAILED, method="oidc").exists()
    # a real code and state, replayed in another browser, then in the same one
    _answer, real = sign_in(client, "lu")
    lu = User.objects.get(username="lu")
    assert _signed_in(client) == lu
    thief = Client()
    answer = thief.get(real.removeprefix(DESK), follow=True)
    assert answer.redirect_chain[-1][0] == reverse("accounts:login")
    assert _signed_in(thief) is None
    answer = client.get(real.removeprefix(DESK), follow=True)
    assert answer.redirect_chain[0][0] == reverse("accounts:login")  # then home: still signed in as before
    assert "did not complete" in answer.content.decode()
    assert _signed_in(client) == lu


def test_a_code_for_the_right_state_but_rejected_by_the_provider_fails_safely(oidc_provider, groups, client):
    oidc_provider.set_account("sub-mo", username="mo", email="mo@example.com", groups=["desk-engineers"])
    answer = client.get(reverse("oidc_authentication_init"))
    state = parse_qs(urlsplit(answer["Location"]).query)["state"][0]
    answer = client.get(reverse("oidc_authentication_callback"), {"code": "made-up", "state": state}, follow=True)
    assert answer.redirect_chain[-1][0] == reverse("accounts:login")
    assert "did not complete" in answer.content.decode()
    assert _signed_in(client) is None


def test_the_login_page_shows_the_button_when_configured(oidc_provider, client):
    page = client.get(reverse("accounts:login") + "?next=/tickets/").content.decode()
    assert "Sign in with Test provider" in page
    assert 'href="/oidc/authenticate/?next=/tickets/"' in page


def test_off_no_button_and_the_endpoints_refuse(db, client, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    assert "oidc-sign-in" not in client.get(reverse("accounts:login")).content.decode()
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback") + "?code=x&state=y").status_code == 404


def test_a_deactivated_account_loses_its_session(oidc_provider, groups, client):
    oidc_provider.set_account("sub-ned", username="ned", email="ned@example.com", groups=["desk-engineers"])
    sign_in(client, "ned")
    User.objects.filter(username="ned").update(is_active=False)
    assert _signed_in(client) is None


def test_logout_ends_the_provider_session_only_when_asked(oidc_provider, groups, client, settings):
    oidc_provider.set_account("sub-oz", username="oz", email="oz@example.com", groups=["desk-engineers"])
    sign_in(client, "oz")
    assert f'action="{reverse("accounts:logout")}"' in client.get(reverse("home")).content.decode()
    answer = client.post(reverse("oidc_logout"))
    assert answer["Location"] == f"{DESK}{reverse('accounts:login')}"
    assert _signed_in(client) is None

    settings.OIDC_END_PROVIDER_SESSION = True
    settings.OIDC_STORE_ID_TOKEN = True
    sign_in(client, "oz")
    # the menu's "Log out" now goes through the provider
    assert f'action="{reverse("oidc_logout")}"' in client.get(reverse("home")).content.decode()
    answer = client.post(reverse("oidc_logout"))
    location = urlsplit(answer["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{oidc_provider.issuer}/session/end"
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == [f"{DESK}{reverse('accounts:login')}"]
    assert query["client_id"] == ["service-desk"] and query["id_token_hint"]
    assert _signed_in(client) is None
    # the provider accepts the request (its confirmation page)
    assert requests.get(answer["Location"], timeout=10).status_code == 200


@pytest.mark.parametrize("role", ["anonymous", "customer_a", "customer_b", "engineer", "manager", "admin_user"])
def test_every_role_is_sent_to_the_provider(oidc_provider, role, request):
    """The matrix's rows (tests/security/matrix_oidc.py) with OpenID Connect on."""
    client = Client()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    answer = client.get(reverse("oidc_authentication_init"), {"next": "/tickets/"})
    assert answer.status_code == 302
    location = urlsplit(answer["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{oidc_provider.issuer}/auth"
    query = parse_qs(location.query)
    assert query["client_id"] == ["service-desk"] and query["redirect_uri"] == [f"{DESK}/oidc/callback/"]
    assert query["code_challenge_method"] == ["S256"] and query["state"] and query["nonce"]
    # a callback this browser did not start: back to the login page, nothing changed
    answer = client.get(reverse("oidc_authentication_callback"), {"code": "x", "state": "y"})
    assert (answer.status_code, answer["Location"]) == (302, "/accounts/login/?next=%2Ftickets%2F")
    assert client.post(reverse("oidc_logout")).status_code == 302


def test_renewal_applies_the_mapping_again_and_signs_out_who_left(oidc_provider, groups, settings):
    settings.OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = 600
    oidc_provider.set_account("sub-pat", username="pat", email="pat@example.com", groups=["desk-engineers"])
    client, browser = Client(), requests.Session()
    sign_in(client, "pat", browser=browser)
    pat = User.objects.get(username="pat")
    # within the time, pages as usual
    assert client.get(reverse("tickets:list")).status_code == 200

    def expire():
        session = client.session
        session["oidc_id_token_expiration"] = 0
        session.save()

    # after it, a page first goes to the provider, silently, and the mapping follows its groups
    oidc_provider.set_account("sub-pat", username="pat", email="pat@example.com", groups=["desk-managers"])
    expire()
    # htmx and live.js: left alone
    assert client.get(reverse("tickets:list"), HTTP_HX_REQUEST="true").status_code == 200
    assert client.get(reverse("notifications:bell"), HTTP_X_REQUESTED_WITH="fetch").status_code == 200
    answer = client.get(reverse("tickets:list"))
    assert answer.status_code == 302 and answer["Location"].startswith(f"{oidc_provider.issuer}/auth?")
    assert parse_qs(urlsplit(answer["Location"]).query)["prompt"] == ["none"]
    answer, _callback = follow(client, answer["Location"], browser=browser)  # no form: straight back
    assert answer.redirect_chain[-1][0] == reverse("tickets:list")
    pat.refresh_from_db()
    assert pat.role == User.Role.MANAGER and _signed_in(client) == pat

    # signed out at the provider: signed out here at the next renewal
    browser.cookies.clear()
    expire()
    answer, _callback = follow(client, client.get(reverse("tickets:list"))["Location"], browser=browser)
    assert answer.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "has ended. Please sign in again." in answer.content.decode()
    assert _signed_in(client) is None

    # refused by the mapping at a renewal: signed out, with the reason
    sign_in(client, "pat", browser=browser)
    oidc_provider.set_account("sub-pat", username="pat", email="pat@example.com", groups=["cafeteria"])
    expire()
    answer, _callback = follow(client, client.get(reverse("tickets:list"))["Location"], browser=browser)
    assert "None of your directory groups gives access to the service desk." in answer.content.decode()
    assert _signed_in(client) is None


def test_no_renewal_by_default(oidc_provider, groups, client):
    oidc_provider.set_account("sub-quin", username="quin", email="quin@example.com", groups=["desk-engineers"])
    sign_in(client, "quin")
    session = client.session
    session["oidc_id_token_expiration"] = 0
    session.save()
    assert client.get(reverse("tickets:list")).status_code == 200
