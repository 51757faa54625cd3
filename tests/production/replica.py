"""A desk on a private PostgreSQL primary and its streaming replica, both on loopback: the
primary made by ``initdb`` (``tests/pgcluster.py``), the replica by ``pg_basebackup -R`` from it,
the desk's database migrated and seeded with the demo data. Used by
``tests/production/test_replica.py`` and ``bench/replica.py``."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.pgcluster import Cluster
from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]


class Desk:
    """The private primary and its streaming replica, the desk's database on them, and the
    environment of a process deployed against both."""

    def __init__(self, root: Path, *, primary_settings: dict[str, str] | None = None):
        self.root = root
        replication = {"wal_level": "replica", "max_wal_senders": "4", "hot_standby": "on"}
        self.primary = Cluster(settings={**replication, **(primary_settings or {})})
        self.replica: Cluster | None = None

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL", "DATABASE_REPLICA_URL")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="servicedesk.settings",
            DEBUG="true",
            ALLOWED_HOSTS="testserver",
            VAR_DIR=str(self.root / "var"),
            MEDIA_ROOT=str(self.root / "media"),
            DATABASE_URL=self.primary.url("desk"),
        )
        if self.replica is not None:
            env["DATABASE_REPLICA_URL"] = self.replica.url("desk")
        return env

    def run(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
        return result

    def probe(self, step: str) -> dict:
        return json.loads(self.run("-m", "tests.production.replica_probe", step).stdout.splitlines()[-1])

    def start(self) -> None:
        self.primary.start()
        self.primary.psql("CREATE DATABASE desk")
        self.run("manage.py", "migrate", "--noinput", "-v0")
        self.probe("seed")
        self.start_replica()

    def start_replica(self) -> None:
        """``pg_basebackup -R`` of the primary into a directory of its own, then a hot standby
        on another port, streaming from the primary."""
        root = Path(tempfile.mkdtemp(prefix="pgreplica-"))
        if os.geteuid() == 0:
            os.chown(root, *_postgres_ids())
            os.chmod(root, 0o700)
        port = free_port()
        self.primary.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres"),
            *("-D", str(root / "data"), "-R", "-X", "stream", "--checkpoint=fast"),
        )
        lines = f"port = {port}\nunix_socket_directories = '{root}'\n"
        with open(root / "data" / "postgresql.conf", "a") as conf:
            conf.write(lines)
        self.replica = Cluster(port=port, directory=root)
        self.replica.start()
        self.catch_up()

    def catch_up(self, timeout: float = 60) -> None:
        """Wait until the replica has replayed everything the primary has written."""
        target = self.primary.psql("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.replica.psql(f"SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '{target}') >= 0")
            if done == "t":
                return
            time.sleep(0.2)
        raise AssertionError(f"the replica did not reach {target} in {timeout} s")

    def stop(self) -> None:
        if self.replica is not None:
            self.replica.stop()
        self.primary.stop()


def _postgres_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid
