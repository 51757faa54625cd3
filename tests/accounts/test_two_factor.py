"""The second factor: enrolment, sign-in with a code, recovery codes, removal, the admin's reset,
throttling and the rotated session key. Codes are computed from the device's key for the
moment the request is made (time is held still with time-machine), never stubbed."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, User
from accounts.services import two_factor
from accounts.services.two_factor import TwoFactorRefused
from core.errors import NotAllowed
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

# Any moment works: every code below is computed for the moment its request is made.
T0 = datetime.datetime(2026, 5, 4, 8, 0, 5, tzinfo=datetime.UTC)
STATUS = reverse("accounts:two_factor")
VERIFY = reverse("accounts:two_factor_verify")


def at(seconds: int) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


def code_of(device: TOTPDevice, moment: datetime.datetime) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = moment.timestamp()
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice, moment: datetime.datetime) -> str:
    """A six-digit code that no step within the tolerance accepts."""
    near = {code_of(device, moment + datetime.timedelta(seconds=30 * k)) for k in (-2, -1, 0, 1, 2)}
    return next(code for code in (f"{n:06d}" for n in range(123456, 999999, 111)) if code not in near)


def enrolled(user, moment: datetime.datetime = T0) -> tuple[TOTPDevice, list[str]]:
    """The user with a confirmed authenticator app (through the service), and their codes."""
    with time_machine.travel(moment, tick=False):
        enrolment = two_factor.enrolment_start(user=user)
        return two_factor.enrolment_confirm(user=user, code=code_of(enrolment.device, moment))


def sign_in(client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def kinds(user) -> list[str]:
    return list(AuditEvent.objects.filter(user=user).order_by("at", "pk").values_list("kind", flat=True))


class TestJourney:
    def test_enrol_confirm_sign_out_and_sign_in_with_a_code(self, client, engineer, password):
        with time_machine.travel(at(0), tick=False):
            sign_in(client, "eng", password)
            page = client.get(STATUS)
            assert page.status_code == 200 and "Set up a second factor" in page.text
            assert client.post(reverse("accounts:two_factor_enrol")).status_code == 302
            page = client.get(STATUS)
            device = TOTPDevice.objects.get(user=engineer, confirmed=False)
            assert 'role="img" aria-label="QR code' in page.text and "<svg" in page.text
            enrolment = two_factor.pending_enrolment(engineer)
            assert enrolment.otpauth_uri.startswith("otpauth://totp/Service%20desk%3Aeng?secret=")
            assert " ".join(re.findall(".{1,4}", enrolment.secret)) in page.text

            # a wrong code: a form error, audited, nothing confirmed
            refused = client.post(reverse("accounts:two_factor_confirm"), {"confirm-code": wrong_code(device, at(0))})
            assert refused.status_code == 200 and "That code is not right" in refused.text
            assert not two_factor.has_two_factor(engineer)

        with time_machine.travel(at(30), tick=False):
            page = client.post(reverse("accounts:two_factor_confirm"), {"confirm-code": code_of(device, at(30))})
            assert page.status_code == 200 and "no-store" in page["Cache-Control"]
            codes = re.search(r'<pre[^>]*id="recovery-codes"[^>]*>(.*?)</pre>', page.text, re.S).group(1).split()
            assert len(codes) == two_factor.RECOVERY_CODE_COUNT == 10
            assert "data:text/plain;charset=utf-8," in page.text
            assert client.get(reverse("home")).status_code == 200  # this session is verified
            client.post(reverse("accounts:logout"))

            sign_in(client, "eng", password)
            asked = client.get(reverse("tickets:list"))
            assert asked.status_code == 302
            assert asked["Location"] == f"{VERIFY}?next=%2Ftickets%2F"
            page = client.get(asked["Location"])
            assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.text
            refused = client.post(VERIFY, {"code": wrong_code(device, at(30)), "next": "/tickets/"})
            assert refused.status_code == 200 and "That code is not right" in refused.text
            assert client.get(reverse("home")).status_code == 302

        with time_machine.travel(at(60), tick=False):
            response = client.post(VERIFY, {"code": code_of(device, at(60)), "next": "/tickets/"})
            assert response.status_code == 302 and response["Location"] == "/tickets/"
            assert client.get(reverse("home")).status_code == 200
        assert kinds(engineer).count(AuditEvent.Kind.FACTOR_FAILED) == 2
        assert AuditEvent.Kind.FACTOR_ADDED in kinds(engineer)
        assert kinds(engineer)[-1] == AuditEvent.Kind.FACTOR_VERIFIED

    def test_a_code_is_accepted_once(self, client, engineer, password):
        device, _codes = enrolled(engineer, at(0))
        with time_machine.travel(at(40), tick=False):
            sign_in(client, "eng", password)
            code = code_of(device, at(40))
            assert client.post(VERIFY, {"code": code}).status_code == 302
            client.post(reverse("accounts:logout"))
            sign_in(client, "eng", password)
        with time_machine.travel(at(45), tick=False):
            refused = client.post(VERIFY, {"code": code})
            assert refused.status_code == 200 and "used already" in refused.text

    def test_the_session_key_changes_when_the_code_is_accepted(self, client, engineer, password):
        device, _codes = enrolled(engineer, at(0))
        with time_machine.travel(at(40), tick=False):
            sign_in(client, "eng", password)
            before = client.session.session_key
            client.post(VERIFY, {"code": code_of(device, at(40))})
            assert client.session.session_key != before
            assert client.get(reverse("home")).status_code == 200

    def test_without_a_factor_sign_in_is_as_before(self, client, engineer, password):
        response = sign_in(client, "eng", password)
        assert response.status_code == 302 and response["Location"] == "/"
        assert client.get(reverse("tickets:list")).status_code == 200
        assert client.get(VERIFY).status_code == 302  # nothing to verify: on to the page
        assert not [kind for kind in kinds(engineer) if kind.startswith("factor")]


class TestRecoveryCodes:
    def test_a_recovery_code_signs_in_once(self, client, engineer, password):
        _device, codes = enrolled(engineer, at(0))
        with time_machine.travel(at(40), tick=False):
            sign_in(client, "eng", password)
            page = client.get(VERIFY + "?recovery=1")
            assert "Recovery code" in page.text
            response = client.post(VERIFY, {"code": codes[0].upper(), "recovery": "1"})
            assert response.status_code == 302
            assert client.get(reverse("home")).status_code == 200
            assert two_factor.recovery_codes_left(engineer) == 9
            client.post(reverse("accounts:logout"))
            sign_in(client, "eng", password)
            refused = client.post(VERIFY, {"code": codes[0], "recovery": "1"})
            assert refused.status_code == 200 and "That code is not right" in refused.text
        assert AuditEvent.objects.filter(user=engineer, kind=AuditEvent.Kind.RECOVERY_CODE_USED).count() == 1

    def test_renewing_invalidates_the_old_codes(self, client, engineer, password):
        device, old = enrolled(engineer, at(0))
        with time_machine.travel(at(40), tick=False):
            sign_in(client, "eng", password)
            client.post(VERIFY, {"code": code_of(device, at(40))})
            page = client.post(reverse("accounts:two_factor_recovery_codes"))
            assert page.status_code == 200
            new = re.search(r'id="recovery-codes"[^>]*>(.*?)</pre>', page.text, re.S).group(1).split()
        assert len(new) == 10 and not set(new) & set(old)
        with time_machine.travel(at(60), tick=False), pytest.raises(TwoFactorRefused):
            two_factor.code_verify(user=engineer, code=old[1])
        with time_machine.travel(at(100), tick=False):  # after the throttle's wait
            assert isinstance(two_factor.code_verify(user=engineer, code=new[1]), StaticDevice)
        assert AuditEvent.Kind.RECOVERY_CODES_RENEWED in kinds(engineer)

    def test_an_unverified_session_cannot_renew_them(self, client, engineer, password):
        enrolled(engineer, at(0))
        sign_in(client, "eng", password)
        response = client.post(reverse("accounts:two_factor_recovery_codes"))
        assert response.status_code == 302 and response["Location"].startswith(VERIFY)
        assert two_factor.recovery_codes_left(engineer) == 10


class TestRemoval:
    def test_removal_needs_a_valid_code(self, client, engineer, password):
        device, _codes = enrolled(engineer, at(0))
        with time_machine.travel(at(40), tick=False):
            sign_in(client, "eng", password)
            client.post(VERIFY, {"code": code_of(device, at(40))})
        with time_machine.travel(at(70), tick=False):
            refused = client.post(reverse("accounts:two_factor_remove"), {"remove-code": wrong_code(device, at(70))})
            assert refused.status_code == 200 and "That code is not right" in refused.text
            assert two_factor.has_two_factor(engineer)
        with time_machine.travel(at(100), tick=False):
            response = client.post(reverse("accounts:two_factor_remove"), {"remove-code": code_of(device, at(100))})
            assert response.status_code == 302
            assert client.get(reverse("home")).status_code == 200
        assert not TOTPDevice.objects.filter(user=engineer).exists()
        assert not StaticDevice.objects.filter(user=engineer).exists()
        assert kinds(engineer)[-1] == AuditEvent.Kind.FACTOR_REMOVED


class TestAdminReset:
    def test_an_admin_resets_another_persons_factor(self, client, engineer, admin_user):
        enrolled(engineer)
        client.force_login(admin_user)
        url = reverse("accounts:two_factor_reset", args=[engineer.pk])
        response = client.post(url, {"next": "/accounts/security/"})
        assert response.status_code == 302 and response["Location"] == "/accounts/security/"
        assert not two_factor.has_two_factor(engineer)
        event = AuditEvent.objects.get(user=engineer, kind=AuditEvent.Kind.FACTOR_REMOVED)
        assert event.actor == admin_user and event.detail == {"reset": True}

    @pytest.mark.parametrize("role", ["engineer", "manager", "customer_a"])
    def test_nobody_else_can(self, client, role, request):
        subject = UserFactory(username="tech", role=User.Role.ENGINEER)
        enrolled(subject)
        client.force_login(request.getfixturevalue(role))
        assert client.post(reverse("accounts:two_factor_reset", args=[subject.pk])).status_code == 403
        assert client.post(reverse("accounts:two_factor_reset", args=[999999])).status_code == 403
        assert two_factor.has_two_factor(subject)
        with pytest.raises(NotAllowed):
            two_factor.factor_reset(user=subject, actor=request.getfixturevalue(role))

    def test_the_admin_action_and_no_device_admin(self, client, engineer, admin_user):
        enrolled(engineer)
        client.force_login(admin_user)
        # the devices are not edited in the admin, behind the services' back
        for model in ("otp_totp/totpdevice", "otp_static/staticdevice"):
            assert client.get(f"/admin/{model}/").status_code == 404
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "reset_two_factor", "_selected_action": [engineer.pk]},
        )
        assert response.status_code == 302
        assert not two_factor.has_two_factor(engineer)

    def test_the_card_shows_the_reset_to_an_admin_only(self, rf, engineer, admin_user, manager):
        from django.template.loader import render_to_string

        enrolled(engineer)
        for viewer, shown in [(admin_user, True), (manager, False)]:
            request = rf.get("/accounts/users/")
            request.user = viewer
            card = render_to_string("accounts/_two_factor_card.html", {"subject": engineer}, request=request)
            assert "On" in card and "10 recovery codes left" in card
            assert (reverse("accounts:two_factor_reset", args=[engineer.pk]) in card) is shown
        request = rf.get("/accounts/security/")
        request.user = engineer
        own = render_to_string("accounts/_two_factor_card.html", {"subject": engineer}, request=request)
        assert "Manage the second factor" in own and "reset" not in own


class TestThrottling:
    def test_repeated_wrong_codes_make_the_next_one_wait(self, engineer):
        device, _codes = enrolled(engineer, at(0))
        for second in (40, 41, 43):  # each wrong code doubles the wait: 1, 2, then 4 seconds
            with time_machine.travel(at(second), tick=False), pytest.raises(TwoFactorRefused, match="not right"):
                two_factor.code_verify(user=engineer, code=wrong_code(device, at(second)))
        throttled = pytest.raises(TwoFactorRefused, match="Too many wrong codes: wait 3 seconds")
        with time_machine.travel(at(44), tick=False), throttled:
            two_factor.code_verify(user=engineer, code=code_of(device, at(44)))
        with time_machine.travel(at(47), tick=False):
            assert two_factor.code_verify(user=engineer, code=code_of(device, at(47))) == device
        failures = AuditEvent.objects.filter(user=engineer, kind=AuditEvent.Kind.FACTOR_FAILED)
        assert [event.detail["reason"] for event in failures.order_by("pk")] == ["wrong"] * 3 + ["throttled"]
