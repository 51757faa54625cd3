"""Configuration from the environment: embedded defaults, production, `check --deploy`."""

import json
import os
import subprocess
import sys

from django.conf import settings

PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'broker': s.CELERY_BROKER_URL, "
    "'tz': s.TIME_ZONE, 'debug': s.DEBUG, 'cache': s.CACHES['default']['BACKEND'], "
    "'email': s.EMAIL_BACKEND, 'hosts': s.ALLOWED_HOSTS}))"
)


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "SECRET_KEY",
            "DEBUG",
            "ALLOWED_HOSTS",
            "EMAIL_URL",
            "TIME_ZONE",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="servicedesk.settings")
    return subprocess.run([sys.executable, *args], cwd=settings.BASE_DIR, env=clean, capture_output=True, text=True)


def test_with_nothing_set_it_runs_on_sqlite_and_the_filesystem_broker(tmp_path):
    result = _run({"DEBUG": "true", "VAR_DIR": str(tmp_path)}, "-c", PRINT_SETTINGS)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["db"] == "django.db.backends.sqlite3"
    assert values["broker"] == "filesystem://"
    assert values["tz"] == "Asia/Shanghai"
    assert values["cache"].endswith("FileBasedCache")
    assert values["email"].endswith("console.EmailBackend")
    assert (tmp_path / "broker" / "queue").is_dir()


def test_without_debug_a_secret_key_is_required(tmp_path):
    result = _run({"VAR_DIR": str(tmp_path)}, "-c", PRINT_SETTINGS)
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


PRODUCTION = {
    "DATABASE_URL": "postgres://service:secret@db.internal:5432/servicedesk",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "SECRET_KEY": "x" * 30 + "production-like-secret-key-with-enough-entropy-4815162342",
    "ALLOWED_HOSTS": "desk.example.com",
    "EMAIL_URL": "smtp+tls://desk:pw@mail.example.com:587",
    "TIME_ZONE": "Europe/Berlin",
}


def test_production_settings_come_from_the_environment(tmp_path):
    result = _run({**PRODUCTION, "VAR_DIR": str(tmp_path)}, "-c", PRINT_SETTINGS)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["db"] == "django.db.backends.postgresql"
    assert values["broker"] == "redis://cache.internal:6379/0"
    assert values["cache"].endswith("RedisCache")
    assert values["email"].endswith("smtp.EmailBackend")
    assert (values["tz"], values["debug"], values["hosts"]) == ("Europe/Berlin", False, ["desk.example.com"])


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = _run({**PRODUCTION, "VAR_DIR": str(tmp_path)}, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_about_the_embedded_defaults(tmp_path):
    env = {"SECRET_KEY": PRODUCTION["SECRET_KEY"], "ALLOWED_HOSTS": "desk.example.com", "VAR_DIR": str(tmp_path)}
    result = _run(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "servicedesk.W001" in result.stderr and "servicedesk.W002" in result.stderr


def test_every_variable_the_settings_read_is_documented_and_in_the_example():
    """docs/configuration.md has a row for each, and .env.example names each."""
    import re

    source = (settings.BASE_DIR / "servicedesk" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.[a-z_]+)?\(\s*"([A-Z][A-Z0-9_]+)"', source))
    assert {"DATABASE_URL", "REDIS_URL", "DESK_COUNTRY", "SLA_URGENT_RESPONSE_HOURS"} <= read
    table = (settings.BASE_DIR / "docs/configuration.md").read_text()
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    documented = {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}
    example = (settings.BASE_DIR / ".env.example").read_text()
    assert not read - documented, f"not in docs/configuration.md: {sorted(read - documented)}"
    assert not [name for name in read if name not in example], "not in .env.example"
