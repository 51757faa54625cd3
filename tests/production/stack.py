"""The production stack as users deploy it, for the smoke test: a virtual environment from the
runtime lock alone, a database of its own on the test's server, and gunicorn, a Celery worker
and beat started the way the Dockerfile, docker-compose.yml and the Procfile start them."""

import fcntl
import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.txt"


def runtime_venv() -> Path:
    """A virtual environment with ``pip install --require-hashes -r requirements.txt`` and
    nothing else, kept under ``~/.cache/servicedesk`` by the lock's hash (RUNTIME_VENV_CACHE
    moves it): built once per lock, in about a minute."""
    digest = hashlib.sha256(LOCK.read_bytes() + sys.version.encode()).hexdigest()[:16]
    cache = Path(os.environ.get("RUNTIME_VENV_CACHE") or Path.home() / ".cache" / "servicedesk")
    cache.mkdir(parents=True, exist_ok=True)
    venv = cache / f"runtime-{digest}"
    with open(cache / ".lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # one builder at a time
        if not (venv / ".complete").exists():  # none yet, or a build that was cut short
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            install = [str(venv / "bin/pip"), "install", "--quiet", "--require-hashes", "-r", str(LOCK)]
            result = subprocess.run(install, capture_output=True, text=True)
            assert result.returncode == 0, f"{' '.join(install)}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
            (venv / ".complete").write_text(LOCK.read_text())
    return venv


@dataclass
class Database:
    url: str
    drop: object = None  # a callable that removes it

    @classmethod
    def fresh(cls, var_dir: Path) -> "Database":
        """A new, empty database on the PostgreSQL server of DATABASE_URL; a SQLite file in
        ``var_dir`` when the suite runs on SQLite (the embedded default, as on a laptop)."""
        configured = os.environ.get("DATABASE_URL", "")
        if not configured.startswith(("postgres://", "postgresql://")):
            return cls(url=f"sqlite:///{var_dir / 'db.sqlite3'}")
        import psycopg2

        parts = urllib.parse.urlsplit(configured)
        name = f"smoke_{os.getpid()}_{secrets.token_hex(3)}"
        admin = {
            "dbname": "postgres",
            "user": urllib.parse.unquote(parts.username or "postgres"),
            "password": urllib.parse.unquote(parts.password or "") or None,
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
        }

        def run(sql: str) -> None:
            connection = psycopg2.connect(**admin)
            connection.autocommit = True
            try:
                connection.cursor().execute(sql)
            finally:
                connection.close()

        run(f'CREATE DATABASE "{name}"')
        return cls(
            url=urllib.parse.urlunsplit(parts._replace(path=f"/{name}")),
            drop=lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'),
        )


def redis_url(db: int) -> str | None:
    """The REDIS_URL server, in a database of the smoke's own; None without REDIS_URL."""
    configured = os.environ.get("REDIS_URL")
    if not configured:
        return None
    parts = urllib.parse.urlsplit(configured)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{db}"))


def dockerfile_command() -> list[str]:
    """The Dockerfile's CMD (the web process of the image)."""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("CMD "):
            return json.loads(line[4:])
    raise AssertionError("the Dockerfile has no CMD")


def procfile_command(name: str) -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        process, _colon, command = line.partition(":")
        if process.strip() == name:
            return shlex.split(command)
    raise AssertionError(f"the Procfile has no {name} process")


def compose_command(service: str) -> list[str]:
    """A service's command in docker-compose.yml (its ``command: [...]`` line)."""
    text = (ROOT / "docker-compose.yml").read_text()
    match = re.search(rf"^  {re.escape(service)}:\n(?:    .*\n)*?    command: (\[.*\])$", text, re.MULTILINE)
    assert match, f"docker-compose.yml has no command for {service}"
    return json.loads(match[1])


@dataclass
class Stack:
    """Processes of one production environment, their logs, and how to stop them."""

    venv: Path
    env: dict[str, str]
    logs: Path
    port: int
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def run(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
        """``python manage.py ...`` of the runtime environment; fails with its output."""
        result = subprocess.run(
            [str(self.venv / "bin/python"), "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result

    def start(self, name: str, command: list[str]) -> None:
        executable = self.venv / "bin" / command[0]
        assert executable.exists(), f"{command[0]} is not installed by requirements.txt"
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed when the process is)
        self.processes[name] = subprocess.Popen(
            [str(executable), *command[1:]],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def alive(self) -> dict[str, int | None]:
        return {name: process.poll() for name, process in self.processes.items()}

    def stop(self, timeout: float = 30) -> dict[str, int | None]:
        """SIGTERM to each, as docker and honcho stop them; their exit codes."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        codes = {}
        deadline = time.monotonic() + timeout
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                codes[name] = None  # did not stop by itself
        return codes

    def tails(self, lines: int = 60) -> str:
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"----- {path.name} (last {len(text)} lines) -----\n" + "\n".join(text))
        return "\n".join(parts)
