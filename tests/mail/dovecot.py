"""A private Dovecot IMAP server for the tests of the email intake (Debian's ``dovecot-imapd``,
installed by ``make test-deps``).

The ``dovecot_server`` fixture starts one for the test session: its own configuration, state,
sockets, log and mail in a temporary folder (the system's Dovecot is never touched), listening
on 127.0.0.1 only, on two free ports: plain IMAP (which also offers STARTTLS) and IMAPS, with a
self-signed certificate for 127.0.0.1 and localhost made at start-up by the ``openssl``
command. One user, ``desk``, whose mail is a maildir. Run as root (CI), Dovecot's processes
drop to its ``dovecot``/``dovenull`` accounts (or ``nobody``); run as an ordinary user, they
stay that user.

The ``imap`` fixture hands a test that server with its INBOX emptied, and points
``MAIL_IMAP_CA_FILE`` at the certificate so the poller verifies it. A test delivers mail the
way a mail server would leave it: ``imap.deliver(raw)`` appends it to the INBOX, unread.
"""

import contextlib
import grp
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapclient import IMAPClient

from mail.models import Mailbox
from tests.processes import free_port, stop

DOVECOT = "/usr/sbin/dovecot"
HOST = "127.0.0.1"
USER = "desk"
PASSWORD = "Mailbox-Secret-2026"
START_SECONDS = 15

CONFIG = """\
# written by tests/mail/dovecot.py for one test session
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
instance_name = servicedesk-tests-{port}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
# loopback only: the plain port takes passwords too (STARTTLS is offered on it as well)
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # no one may use the penalty socket, so failed logins are not slowed down more at each
  # attempt (2, 4, 8 s): a wrong password is one of the tests
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


@dataclass
class Dovecot:
    root: Path
    port: int  # plain IMAP, with STARTTLS
    tls_port: int  # IMAPS
    user: str = USER
    password: str = PASSWORD
    host: str = HOST

    @property
    def ca_file(self) -> str:
        return str(self.root / "cert.pem")

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @contextlib.contextmanager
    def client(self) -> Iterator[IMAPClient]:
        """The test user, logged in over TLS: what the tests use to deliver and look."""
        context = ssl.create_default_context(cafile=self.ca_file)
        client = IMAPClient(self.host, port=self.tls_port, ssl=True, ssl_context=context, timeout=10)
        try:
            client.login(self.user, self.password)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def deliver(self, raw: bytes, folder: str = "INBOX") -> int:
        """Leave ``raw`` in ``folder``, unread, as the mail server does with incoming mail.
        Returns its UID."""
        with self.client() as client:
            answer = client.append(folder, raw, flags=())
        match = re.search(rb"\[APPENDUID \d+ (\d+)\]", answer)
        assert match, answer
        return int(match.group(1))

    def empty(self, folder: str = "INBOX") -> None:
        """Delete every message of ``folder``, creating it if it does not exist."""
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.select_folder(folder)
            uids = client.search(["ALL"])
            if uids:
                client.delete_messages(uids)
                client.expunge()

    def messages(self, folder: str = "INBOX") -> list[tuple[bytes, set[bytes]]]:
        """(Message-ID header line, flags but \\Recent) of every message in ``folder``, oldest
        first, read without changing a flag."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search(["ALL"]))
            if not uids:
                return []
            answer = client.fetch(uids, ["FLAGS", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
            return [
                (
                    bytes(answer[uid][b"BODY[HEADER.FIELDS (MESSAGE-ID)]"]).strip(),
                    set(answer[uid][b"FLAGS"]) - {b"\\Recent"},
                )
                for uid in uids
            ]

    def unseen(self, folder: str = "INBOX") -> int:
        return sum(b"\\Seen" not in flags for _id, flags in self.messages(folder))

    def mailbox(self, security: str = Mailbox.Security.TLS, **fields) -> Mailbox:
        """A mailbox of the desk reading this server's INBOX as the test user."""
        port = self.tls_port if security == Mailbox.Security.TLS else self.port
        values = {
            "name": f"Support ({security})",
            "host": self.host,
            "port": port,
            "security": security,
            "username": self.user,
            "password": self.password,
            "folder": "INBOX",
        }
        return Mailbox.objects.create(**(values | fields))


def _accounts() -> dict[str, str | int]:
    """Whom Dovecot's processes run as. Dovecot refuses to run its login processes or to read
    mail as root: as root, they drop to Dovecot's own accounts (the package makes them), else
    to ``nobody``; as anyone else, they stay that user."""
    if os.getuid() != 0:
        me = pwd.getpwuid(os.getuid())
        group = _group_name(me.pw_gid)
        return {
            "internal_user": me.pw_name,
            "internal_group": group,
            "login_user": me.pw_name,
            "mail_uid": me.pw_uid,
            "mail_gid": me.pw_gid,
        }

    def account(*names: str) -> pwd.struct_passwd:
        for name in names:
            with contextlib.suppress(KeyError):
                return pwd.getpwnam(name)
        raise LookupError(names)

    internal, login = account("dovecot", "nobody"), account("dovenull", "nobody")
    return {
        "internal_user": internal.pw_name,
        "internal_group": _group_name(internal.pw_gid),
        "login_user": login.pw_name,
        "mail_uid": internal.pw_uid,
        "mail_gid": internal.pw_gid,
    }


def _group_name(gid: int) -> str:
    return grp.getgrgid(gid).gr_name


def _certificate(root: Path) -> None:
    """A self-signed certificate for 127.0.0.1 and localhost (it is its own CA for the client)."""
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-sha256",
            "-days",
            "7",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(root / "key.pem"),
            "-out",
            str(root / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )


def _greets(port: int, ca_file: str | None = None) -> bool:
    """The server answers on ``port`` with an IMAP greeting (over TLS when ``ca_file`` is given)."""
    try:
        with socket.create_connection((HOST, port), timeout=1) as connection:
            if ca_file is None:
                return connection.recv(64).startswith(b"* OK")
            context = ssl.create_default_context(cafile=ca_file)
            with context.wrap_socket(connection, server_hostname=HOST) as tls:
                return tls.recv(64).startswith(b"* OK")
    except OSError:
        return False


def start(root: Path) -> tuple[Dovecot, subprocess.Popen]:
    server = Dovecot(root=root, port=free_port(), tls_port=free_port())
    accounts = _accounts()
    _certificate(root)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    for name in ("mail", "home"):
        (root / name).mkdir()
        os.chown(root / name, int(accounts["mail_uid"]), int(accounts["mail_gid"]))
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(host=HOST, root=root, port=server.port, tls_port=server.tls_port, **accounts))
    # the auth process (Dovecot's internal user) reads the password file; the folder is private to the test
    root.chmod(0o755)
    (root / "passwd").chmod(0o644)
    with open(root / "stderr.log", "wb") as stderr:
        process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=stderr, stderr=stderr, cwd=root)
    deadline = time.monotonic() + START_SECONDS
    while not (_greets(server.port) and _greets(server.tls_port, server.ca_file)):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            stderr = (root / "stderr.log").read_text(errors="replace")
            pytest.fail(f"Dovecot did not start (exit {process.returncode}):\n{stderr}\n{server.log}", pytrace=False)
        time.sleep(0.02)  # a subprocess starting, not test time: nothing else to wait on
    return server, process


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    if not os.access(DOVECOT, os.X_OK):
        pytest.fail(
            f"{DOVECOT} is missing: the email intake is tested against a real IMAP server. "
            "Run `make test-deps` (it installs Debian's dovecot-imapd).",
            pytrace=False,
        )
    root = Path(tempfile.mkdtemp(prefix="sd-dovecot-"))
    try:
        server, process = start(root)
        try:
            yield server
        finally:
            stop(process)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(name="imap")
def imap_fixture(dovecot_server: Dovecot, settings) -> Dovecot:
    """The server with an empty INBOX, its certificate trusted by the poller."""
    dovecot_server.empty()
    settings.MAIL_IMAP_CA_FILE = dovecot_server.ca_file
    return dovecot_server
