"""A private OpenID provider for the tests of OpenID Connect sign-in: the npm package
``oidc-provider`` (tests/oidc_provider/, installed from its package-lock.json by ``make test-deps``)
run by Debian's ``node`` on a free loopback port, for the test session.

One confidential client, ``service-desk``, whose redirect URI is the Django test client's
callback (``http://testserver/oidc/callback/``). A test module imports ``provider_fixture`` and
``provider_server_fixture`` and asks for ``oidc_provider``. The provider's people and their claims are a
JSON file it re-reads at every look-up: ``provider.set_account(sub, ...)`` adds or changes one
between two sign-ins. ``provider.settings()`` are the desk's OIDC_* settings pointing at it.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.processes import free_port, stop

HOST = "127.0.0.1"
PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc_provider"
CLIENT_ID = "service-desk"
CLIENT_SECRET = "Provider-Secret-2026"
REDIRECT_URI = "http://testserver/oidc/callback/"
LOGOUT_URI = "http://testserver/accounts/login/"
START_SECONDS = 20
PASSWORD = "Provider-Password-2026"


@dataclass
class OpenIDProvider:
    root: Path
    port: int
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log(self) -> str:
        path = self.root / "provider.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _write(self) -> None:
        path = self.root / "accounts.json"
        path.with_suffix(".tmp").write_text(json.dumps(self.accounts))
        path.with_suffix(".tmp").replace(path)

    def set_account(self, sub: str, *, username: str, login: str = "", password: str = PASSWORD, **claims: Any) -> None:
        """Add or replace the person ``sub``: ``username`` is their preferred_username claim,
        ``login`` what they type in the provider's login form (default: the username);
        ``claims`` are email, given_name, family_name, phone_number, groups (a list),
        organisation."""
        self.accounts[sub] = {
            "login": login or username,
            "password": password,
            "preferred_username": username,
            **claims,
        }
        self._write()

    def clear(self) -> None:
        self.accounts.clear()
        self._write()

    def settings(self) -> dict[str, Any]:
        """The desk's settings for this provider (as identity_settings.py sets them from the
        environment), OpenID Connect on."""
        from servicedesk.identity_settings import AUTHENTICATION_BACKENDS

        return {
            "OIDC_PROVIDER_NAME": "Test provider",
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_ISSUER": self.issuer,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.issuer}/auth",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.issuer}/me",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.issuer}/jwks",
            "OIDC_OP_LOGOUT_ENDPOINT": f"{self.issuer}/session/end",
            "OIDC_RP_SCOPES": "openid email profile phone groups",
            "AUTHENTICATION_BACKENDS": [
                *[path for path in AUTHENTICATION_BACKENDS if path != "identity.oidc.OpenIDConnectBackend"],
                "identity.oidc.OpenIDConnectBackend",
            ],
        }


def _answers(issuer: str) -> bool:
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
    except requests.RequestException:
        return False
    return response.status_code == 200 and response.json().get("issuer") == issuer


@pytest.fixture(scope="session", name="oidc_provider_server")
def provider_server_fixture() -> Iterator[OpenIDProvider]:
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(
            "OpenID Connect sign-in is tested against a real OpenID provider: it needs Debian's nodejs "
            "and tests/oidc_provider/node_modules. Run `make test-deps` (npm ci from package-lock.json).",
            pytrace=False,
        )
    root = Path(tempfile.mkdtemp(prefix="sd-oidc-"))
    provider = OpenIDProvider(root=root, port=free_port())
    provider._write()
    environment = {
        **os.environ,
        "OIDC_TEST_PORT": str(provider.port),
        "OIDC_TEST_CLIENT_ID": CLIENT_ID,
        "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_TEST_REDIRECT_URIS": REDIRECT_URI,
        "OIDC_TEST_LOGOUT_URIS": LOGOUT_URI,
        "OIDC_TEST_ACCOUNTS_FILE": str(root / "accounts.json"),
        "NODE_ENV": "test",
    }
    with open(root / "provider.log", "wb") as log:
        process = subprocess.Popen(
            [node, str(PROVIDER_DIR / "provider.mjs")], stdout=log, stderr=log, cwd=PROVIDER_DIR, env=environment
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _answers(provider.issuer):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"the OpenID provider did not start (exit {process.poll()}):\n{provider.log}", pytrace=False
                )
            time.sleep(0.05)  # a subprocess starting, not test time: nothing else to wait on
        yield provider
    finally:
        stop(process)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(name="oidc_provider")
def provider_fixture(oidc_provider_server: OpenIDProvider, settings) -> OpenIDProvider:
    """The provider with no people yet, and the desk's OpenID Connect settings pointing at it."""
    oidc_provider_server.clear()
    for name, value in oidc_provider_server.settings().items():
        setattr(settings, name, value)
    return oidc_provider_server
