"""The OpenAPI schema builds without warnings and equals the committed openapi.yaml, so that
every contract change shows up in review (`make schema` regenerates it)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings


def test_the_committed_schema_is_current(tmp_path):
    out = tmp_path / "openapi.yaml"
    # generated on SQLite whatever the suite runs on, like `make schema`: Django's integer ranges
    # (hence an unbounded field's maximum) differ between database backends
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(DEBUG="true", VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(out)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    committed = Path(settings.BASE_DIR, "openapi.yaml").read_text()
    assert out.read_text() == committed, "the API changed: run `make schema` and commit openapi.yaml"


@pytest.mark.django_db
def test_schema_and_docs_are_served_to_signed_in_users(client, customer_a, api):
    assert client.get("/api/schema/").status_code == 401
    assert client.get("/api/docs/").url.startswith("/accounts/login/")
    client.force_login(customer_a)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/projects/" in response.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content
    assert b"cdn" not in docs.content.lower(), "the docs page must work offline"
    response = api.as_user(customer_a).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
