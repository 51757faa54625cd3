"""What the benchmarks share: a PostgreSQL database of their own, the app's commands run
against it, and gunicorn serving it on loopback."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = "ServiceDesk-2026"


class Bench:
    def __init__(self, db_name: str, port: int) -> None:
        self.db_name, self.port = db_name, port
        self.base = f"http://127.0.0.1:{port}"
        self.database_url = f"postgres://postgres@127.0.0.1:5432/{db_name}"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": "redis://127.0.0.1:6379/13",
            "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "TOKEN_THROTTLE_RATE": "100000/min",
            "LOG_LEVEL": "ERROR",
            "VAR_DIR": str(ROOT / "var" / "bench"),
        }

    def sh(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=ROOT, env=self.env, check=check, capture_output=True, text=True)

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self.sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAc", sql).stdout.strip()

    def django_print(self, code: str) -> str:
        """What a snippet run in the app prints (``manage.py shell``)."""
        return self.sh(PYTHON, "manage.py", "shell", "--no-imports", "-c", code).stdout

    def prepare(self, extra_projects: int) -> None:
        if self.psql(f"SELECT 1 FROM pg_database WHERE datname='{self.db_name}'") != "1":
            self.psql(f"CREATE DATABASE {self.db_name}")
        self.sh(PYTHON, "manage.py", "migrate", "--noinput")
        self.sh(PYTHON, "manage.py", "collectstatic", "--noinput")
        self.sh(PYTHON, "manage.py", "seed_demo")
        self.sh(PYTHON, "bench/populate.py", str(extra_projects))

    def start_gunicorn(self, workers: int) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "servicedesk.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        return self.wait_healthy(process)

    def wait_healthy(self, process: subprocess.Popen) -> subprocess.Popen:
        """``process`` once ``/healthz`` answers 200 (30 s at most, else it is stopped)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return process
            except requests.RequestException:
                pass
            time.sleep(0.5)
        stop(process)
        raise SystemExit("gunicorn did not become healthy")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
