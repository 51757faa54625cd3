"""The second factor in a real browser: an engineer sets up an authenticator app from the QR
code's key, confirms it, keeps the recovery codes, signs out, and signs in again with a code;
a wrong code is a form error first. Codes are computed from the device's key, as an app would."""

import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The app's code now (or the next step's: accepted within the tolerance of one step, and
    never one that was used before)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def test_an_engineer_sets_up_the_second_factor_and_signs_in_with_it(page, log_in, engineer, password):
    log_in("eng", password)
    page.locator("#user-menu").click()
    page.get_by_role("link", name="Second factor").click()
    page.wait_for_url(re.compile(r"/accounts/two-factor/"))
    expect(page.locator("#two-factor-card")).to_contain_text("Off")
    page.get_by_role("button", name="Set up a second factor").click()

    expect(page.get_by_role("img", name=re.compile("^QR code"))).to_be_visible()
    secret = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    device = TOTPDevice.objects.get(user=engineer, confirmed=False)
    assert secret and device.config_url.split("secret=")[1].startswith(secret)
    expect(page.locator("#two-factor-uri")).to_have_attribute("href", re.compile("^otpauth://totp/"))
    page.get_by_label("Code from your authenticator app").fill(code(device))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert len(page.locator("#recovery-codes").inner_text().split()) == 10
    expect(page.get_by_role("link", name="Download as text")).to_have_attribute("download", "recovery-codes.txt")
    page.get_by_role("link", name="I have saved them").click()
    expect(page.locator("#two-factor-card")).to_contain_text("On")

    page.locator("#user-menu").click()
    page.get_by_role("button", name="Log out").click()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "eng")
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/accounts/two-factor/verify/"))
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()

    near = {code(device, steps) for steps in (-1, 0, 1, 2)}
    page.get_by_label("Code from your authenticator app").fill(next(c for c in ("000000", "111111") if c not in near))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    time.sleep(1.1)  # the throttle's first wait after a wrong code
    page.get_by_label("Code from your authenticator app").fill(code(device, 1))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/$"))
    kinds = set(AuditEvent.objects.filter(user=engineer).values_list("kind", flat=True))
    assert {AuditEvent.Kind.FACTOR_ADDED, AuditEvent.Kind.FACTOR_FAILED, AuditEvent.Kind.FACTOR_VERIFIED} <= kinds
