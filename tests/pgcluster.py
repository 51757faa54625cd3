"""A private PostgreSQL cluster for the tests that must restart, stop or replicate a server: the
machine's shared PostgreSQL is left alone (other tests run on it). initdb and pg_ctl from the
server's binaries run as the ``postgres`` user when the tests run as root; the cluster listens on
loopback only, on a free port, with trust authentication, in a temporary directory removed by
``stop(remove=True)``.

    with Cluster() as cluster:          # or cluster = Cluster(); cluster.start() ... cluster.stop()
        cluster.psql("CREATE DATABASE app")
        url = cluster.url("app")
        cluster.restart()

The ``pg_cluster`` fixture gives one started cluster per test.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.processes import free_port

BIN_DIRS = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14)]


def bin_dir() -> Path | None:
    """The directory of the server's binaries (``PG_BIN_DIR`` first), or None if none is installed."""
    candidates = [Path(os.environ["PG_BIN_DIR"])] if os.environ.get("PG_BIN_DIR") else []
    candidates += BIN_DIRS
    if found := shutil.which("pg_ctl"):
        candidates.append(Path(found).parent)
    return next((d for d in candidates if (d / "initdb").exists() and (d / "pg_ctl").exists()), None)


class Cluster:
    """One PostgreSQL server of our own: ``start()``, ``restart()``, ``stop()``, ``url(dbname)``,
    ``psql(sql)``. ``settings`` are extra ``postgresql.conf`` lines (e.g. ``{"wal_level": "replica"}``)."""

    def __init__(self, *, port: int | None = None, settings: dict[str, str] | None = None, directory=None):
        self.bin = bin_dir()
        if self.bin is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) found")
        self.port = port or free_port()
        self.settings = settings or {}
        self.root = Path(directory or tempfile.mkdtemp(prefix="pgcluster-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.user = "postgres"
        self._initialised = (self.data / "PG_VERSION").exists()

    # -- running commands as the cluster's owner ---------------------------------------------
    def _as_owner(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, program: str, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        """Run one of the server's binaries (``initdb``, ``pg_ctl``, ``pg_basebackup``...) as the owner."""
        return subprocess.run(
            [*self._as_owner(), str(self.bin / program), *args],
            check=check,
            capture_output=True,
            text=True,
            **kwargs,
        )

    def _chown(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            os.chmod(self.root, 0o700)

    # -- lifecycle -----------------------------------------------------------------------------
    def init(self) -> None:
        self._chown()
        self.run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-sync")
        lines = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
            **self.settings,
        }
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in lines.items())
        self._initialised = True

    def start(self) -> "Cluster":
        if not self._initialised:
            self.init()
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        return self

    def restart(self, mode: str = "fast") -> None:
        """Stop (``fast`` ends the sessions, ``immediate`` crashes) and start again on the same port."""
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "restart", "-l", str(self.log))

    def stop(self, *, remove: bool = True, mode: str = "fast") -> None:
        if self.running():
            self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    def running(self) -> bool:
        return self.data.exists() and self.run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- reaching it ---------------------------------------------------------------------------
    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run ``sql`` (one or more statements, outside a transaction) and return the bare output."""
        result = subprocess.run(
            [
                str(self.bin / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                dbname,
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()


@pytest.fixture
def pg_cluster():
    """A started private cluster, removed after the test; skipped without server binaries."""
    if bin_dir() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    cluster = Cluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()
