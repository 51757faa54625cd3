"""The permission matrix's rows for the second factor (issue 24, docs/two-factor.md).

Every signed-in person manages their own factor (the matrix's users have none, and no role
requires one here: the set-up page answers, the actions that need a factor send them back to
it, the verify page sends them on). Anonymous visitors are sent to log in. Resetting another
person's factor is for admins only: everyone else gets 403 before the person is looked up, so
nobody learns who exists.
"""

import time
from typing import Any

from django_otp.oath import TOTP

from tests.security.matrix_rows import Row, everyone, signed_in

ROWS: list[Row] = [
    Row("accounts:two_factor", "get", signed_in(200, 302)),
    Row("accounts:two_factor_enrol", "post", signed_in(302, 302), data={}),
    # no set-up started: the confirmation is refused as a form error
    Row("accounts:two_factor_confirm", "post", signed_in(200, 302), data={"confirm-code": "000000"}),
    Row("accounts:two_factor_recovery_codes", "post", signed_in(302, 302), data={}),
    Row("accounts:two_factor_remove", "post", signed_in(302, 302), data={"remove-code": "000000"}),
    Row("accounts:two_factor_verify", "get", everyone(302)),
    Row(
        "accounts:two_factor_reset",
        "post",
        signed_in(403, 302, admin=302),
        args=["two_factor_subject"],
        data={},
    ),
]


def world(base: dict[str, Any]) -> dict[str, Any]:
    """An engineer with a confirmed authenticator app, whose factor the admin may reset."""
    from accounts.models import User
    from accounts.services import two_factor
    from tests.accounts.factories import UserFactory

    subject = UserFactory(username="tf-subject", role=User.Role.ENGINEER)
    device = two_factor.enrolment_start(user=subject).device
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    two_factor.enrolment_confirm(user=subject, code=f"{totp.token():06d}")
    return {"two_factor_subject": subject}
