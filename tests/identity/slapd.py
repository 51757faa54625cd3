"""A private OpenLDAP server for the tests of the directory sign-in (Debian's ``slapd``).

The ``slapd_server`` fixture starts one for the test session: its own configuration (slapd.conf
format, ``-f``), an mdb database and its log in a temporary folder (the system's slapd, if any,
is never touched), listening on 127.0.0.1 only, on a free port, with STARTTLS offered under a
self-signed certificate for 127.0.0.1 made at start-up by the ``openssl`` command. The data is
loaded with ``slapadd`` before the start: the people and groups of ``DIRECTORY`` below.

``ou=people`` holds OpenLDAP-style people (groupOfNames groups in ``ou=groups`` name them as
``member``) and ``ou=ad`` Active Directory-style ones: a small test schema gives them AD's
``memberOf`` and ``userAccountControl`` attributes, written in the data as AD maintains them.

A test that changes the directory (moves a person out of a group, disables one) does it over
LDAP as the directory's manager with ``slapd.modify(dn, [(op, attr, values)])``; the
``directory`` fixture of conftest.py puts the data back after each test.
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ldap
import ldap.modlist
import pytest

from tests.processes import free_port, stop

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
HOST = "127.0.0.1"
SUFFIX = "dc=example,dc=com"
MANAGER_DN = f"cn=manager,{SUFFIX}"
MANAGER_PASSWORD = "Directory-Manager-2026"
READER_DN = f"cn=desk-reader,ou=services,{SUFFIX}"
READER_PASSWORD = "Desk-Reader-2026"
PASSWORD = "Directory-Pass-2026"  # every person's
START_SECONDS = 15

PEOPLE = f"ou=people,{SUFFIX}"
AD_PEOPLE = f"ou=ad,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
ADMINS = f"cn=desk-admins,{GROUPS}"
MANAGERS = f"cn=desk-managers,{GROUPS}"
ENGINEERS = f"cn=desk-engineers,{GROUPS}"
SUPPORT_TEAM = f"cn=desk-support,{GROUPS}"
EMERGENCY = f"cn=emergency-technical,{GROUPS}"
CUSTOMERS = f"cn=eastbay-water,{GROUPS}"
DISABLED = f"cn=desk-disabled,{GROUPS}"
UNMAPPED = f"cn=canteen,{GROUPS}"


def person(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


def ad_person(name: str) -> str:
    return f"cn={name},{AD_PEOPLE}"


# A test schema: the two Active Directory attributes the desk reads, on an auxiliary class (the
# OIDs are Active Directory's own).
AD_SCHEMA = """\
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.102 NAME 'memberOf'
  EQUALITY distinguishedNameMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.55555.1.1 NAME 'deskTestADUser' SUP top AUXILIARY
  MAY ( userAccountControl $ memberOf $ sAMAccountName ) )
"""

CONFIG = """\
# written by tests/identity/slapd.py for one test session
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include {root}/ad.schema
pidfile {root}/slapd.pid
argsfile {root}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile {root}/cert.pem
TLSCertificateKeyFile {root}/key.pem
database mdb
maxsize 16777216
suffix "{suffix}"
rootdn "{manager_dn}"
rootpw {manager_password}
directory {root}/data
# a person's password: checked by binding as them, read by no one
access to attrs=userPassword by anonymous auth by self read by * none
# the rest: readable by whoever signed in (the desk's reader account)
access to * by users read by * none
"""


def _entry(dn: str, **attrs: str | list[str]) -> str:
    lines = [f"dn: {dn}"]
    for name, values in attrs.items():
        for value in [values] if isinstance(values, str) else values:
            lines.append(f"{name}: {value}")
    return "\n".join(lines) + "\n"


def _person(uid: str, given: str, surname: str, **extra: str | list[str]) -> str:
    return _entry(
        person(uid),
        objectClass=["inetOrgPerson"],
        uid=uid,
        cn=f"{given} {surname}",
        givenName=given,
        sn=surname,
        mail=f"{uid}@directory.example.com",
        telephoneNumber="+86 10 5555 0100",
        userPassword=PASSWORD,
        **extra,
    )


def _ad_person(name: str, given: str, surname: str, groups: list[str], control: int) -> str:
    return _entry(
        ad_person(name),
        objectClass=["inetOrgPerson", "deskTestADUser"],
        cn=name,
        sAMAccountName=name,
        givenName=given,
        sn=surname,
        mail=f"{name}@ad.example.com",
        userPassword=PASSWORD,
        memberOf=groups,
        userAccountControl=str(control),
    )


def _group(dn: str, *members: str) -> str:
    cn = dn.split(",", 1)[0].removeprefix("cn=")
    # groupOfNames needs a member: the manager stays in each, so a test may remove every person
    return _entry(dn, objectClass="groupOfNames", cn=cn, member=[*members, MANAGER_DN])


# The people: ada (admin), max (manager), erin (engineer in the support team and the emergency
# technical group), ivan (engineer, later disabled), carol (a customer of Eastbay Water by group),
# olga (a customer by her ``o`` attribute only), nora (in no mapped group), dora (in the disabled
# group). In ou=ad: alex (an AD engineer) and dana (an AD account with ACCOUNTDISABLE set).
DIRECTORY = "\n".join(
    [
        _entry(SUFFIX, objectClass=["dcObject", "organization"], dc="example", o="Example"),
        _entry(f"ou=people,{SUFFIX}", objectClass="organizationalUnit", ou="people"),
        _entry(f"ou=ad,{SUFFIX}", objectClass="organizationalUnit", ou="ad"),
        _entry(f"ou=groups,{SUFFIX}", objectClass="organizationalUnit", ou="groups"),
        _entry(f"ou=services,{SUFFIX}", objectClass="organizationalUnit", ou="services"),
        _entry(
            READER_DN,
            objectClass=["organizationalRole", "simpleSecurityObject"],
            cn="desk-reader",
            userPassword=READER_PASSWORD,
        ),
        _person("ada", "Ada", "Admin"),
        _person("max", "Max", "Manager"),
        _person("erin", "Erin", "Engineer"),
        _person("ivan", "Ivan", "Engineer"),
        _person("carol", "Carol", "Customer"),
        _person("olga", "Olga", "Customer", o="eastbay-water"),
        _person("nora", "Nora", "Nobody"),
        _person("dora", "Dora", "Disabled"),
        _ad_person("alex", "Alex", "Domain", [ENGINEERS, SUPPORT_TEAM], 512),  # NORMAL_ACCOUNT
        _ad_person("dana", "Dana", "Domain", [ENGINEERS], 514),  # NORMAL_ACCOUNT | ACCOUNTDISABLE
        _group(ADMINS, person("ada")),
        _group(MANAGERS, person("max")),
        _group(ENGINEERS, person("erin"), person("ivan"), person("dora")),
        _group(SUPPORT_TEAM, person("erin"), person("ivan")),
        _group(EMERGENCY, person("erin")),
        _group(CUSTOMERS, person("carol")),
        _group(DISABLED, person("dora")),
        _group(UNMAPPED, person("nora"), person("erin")),
    ]
)


@dataclass
class Slapd:
    root: Path
    port: int
    host: str = HOST

    @property
    def uri(self) -> str:
        return f"ldap://{self.host}:{self.port}"

    @property
    def ca_file(self) -> str:
        return str(self.root / "cert.pem")

    @property
    def log(self) -> str:
        path = self.root / "slapd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @contextlib.contextmanager
    def manager(self) -> Iterator[ldap.ldapobject.LDAPObject]:
        connection = ldap.initialize(self.uri, bytes_mode=False)
        connection.set_option(ldap.OPT_NETWORK_TIMEOUT, 5)
        try:
            connection.simple_bind_s(MANAGER_DN, MANAGER_PASSWORD)
            yield connection
        finally:
            connection.unbind_s()

    def modify(self, dn: str, changes: list[tuple[int, str, list[str]]]) -> None:
        """Change an entry as the directory's manager: ``(ldap.MOD_ADD|MOD_DELETE|MOD_REPLACE,
        attribute, values)``."""
        with self.manager() as connection:
            connection.modify_s(dn, [(op, name, [value.encode() for value in values]) for op, name, values in changes])

    def delete(self, dn: str) -> None:
        with self.manager() as connection:
            connection.delete_s(dn)

    def snapshot(self) -> dict[str, dict[str, list[bytes]]]:
        """Every entry below the suffix (what ``restore`` puts back)."""
        with self.manager() as connection:
            found = connection.search_s(SUFFIX, ldap.SCOPE_SUBTREE, "(objectClass=*)", ["*"])
        return dict(found)

    def move(self, dn: str, new_parent: str) -> str:
        """Move an entry to another branch, as a directory does when a person changes OU; returns its new DN."""
        rdn = dn.split(",", 1)[0]
        with self.manager() as connection:
            connection.rename_s(dn, rdn, new_parent)
        return f"{rdn},{new_parent}"

    def restore(self, snapshot: dict[str, dict[str, list[bytes]]]) -> None:
        """Put the entries back as they were in ``snapshot``: changed ones replaced, removed ones
        added again, new ones (a moved entry's new DN) removed."""
        current = self.snapshot()
        with self.manager() as connection:
            for dn in sorted(set(current) - set(snapshot), key=len, reverse=True):
                connection.delete_s(dn)
            for dn, attrs in sorted(snapshot.items(), key=lambda item: len(item[0])):
                if dn not in current:
                    connection.add_s(dn, ldap.modlist.addModlist(attrs))
                elif current[dn] != attrs:
                    connection.modify_s(dn, ldap.modlist.modifyModlist(current[dn], attrs))


def _certificate(root: Path) -> None:
    """A self-signed certificate for 127.0.0.1 and localhost (it is its own CA for the client)."""
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "7",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def _answers(server: Slapd) -> bool:
    """The server takes a bind as its reader on ``port``."""
    connection = ldap.initialize(server.uri, bytes_mode=False)
    connection.set_option(ldap.OPT_NETWORK_TIMEOUT, 1)
    try:
        connection.simple_bind_s(READER_DN, READER_PASSWORD)
        return True
    except ldap.LDAPError:
        return False
    finally:
        with contextlib.suppress(ldap.LDAPError):
            connection.unbind_s()


def start(root: Path) -> tuple[Slapd, subprocess.Popen]:
    server = Slapd(root=root, port=free_port())
    _certificate(root)
    (root / "data").mkdir()
    (root / "ad.schema").write_text(AD_SCHEMA)
    config = root / "slapd.conf"
    config.write_text(CONFIG.format(root=root, suffix=SUFFIX, manager_dn=MANAGER_DN, manager_password=MANAGER_PASSWORD))
    (root / "directory.ldif").write_text(DIRECTORY)
    loaded = subprocess.run(
        [SLAPADD, "-f", str(config), "-l", str(root / "directory.ldif")], capture_output=True, text=True
    )
    if loaded.returncode != 0:
        pytest.fail(f"slapadd could not load the test directory:\n{loaded.stderr}", pytrace=False)
    with open(root / "slapd.log", "wb") as log:
        # -d: stay in the foreground (logging what "stats" covers: connections, binds, searches)
        process = subprocess.Popen(
            [SLAPD, "-f", str(config), "-h", server.uri, "-d", "stats"], stdout=log, stderr=log, cwd=root
        )
    deadline = time.monotonic() + START_SECONDS
    while not _answers(server):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            pytest.fail(f"slapd did not start (exit {process.returncode}):\n{server.log}", pytrace=False)
        time.sleep(0.02)  # a subprocess starting, not test time: nothing else to wait on
    return server, process


@pytest.fixture(scope="session")
def slapd_server() -> Iterator[Slapd]:
    if not (os.access(SLAPD, os.X_OK) and os.access(SLAPADD, os.X_OK)):
        pytest.fail(
            f"{SLAPD} is missing: the directory sign-in is tested against a real OpenLDAP server. "
            "Install Debian's slapd (make test-deps).",
            pytrace=False,
        )
    root = Path(tempfile.mkdtemp(prefix="servicedesk-slapd-"))
    process = None
    try:
        server, process = start(root)
        yield server
    finally:
        if process is not None:
            stop(process)
        shutil.rmtree(root, ignore_errors=True)


def ldap_settings(server: Slapd, **overrides: object) -> dict[str, object]:
    """The LDAP_* settings of a desk that signs in through ``server`` (OpenLDAP style unless
    ``overrides`` say otherwise), with the AUTH_LDAP_* ones they give."""
    from servicedesk.identity_settings import ldap_auth_settings

    conf: dict[str, object] = {
        "LDAP_SERVER_URI": server.uri,
        "LDAP_BIND_DN": READER_DN,
        "LDAP_BIND_PASSWORD": READER_PASSWORD,
        "LDAP_START_TLS": False,
        "LDAP_CA_FILE": "",
        "LDAP_TIMEOUT": 5,
        "LDAP_USER_SEARCH_BASE": PEOPLE,
        "LDAP_USER_FILTER": "(uid=%(user)s)",
        "LDAP_GROUP_SEARCH_BASE": GROUPS,
        "LDAP_GROUP_MEMBERSHIP": "groupOfNames",
        "LDAP_USERNAME_ATTRIBUTE": "uid",
        "LDAP_FIRST_NAME_ATTRIBUTE": "givenName",
        "LDAP_LAST_NAME_ATTRIBUTE": "sn",
        "LDAP_EMAIL_ATTRIBUTE": "mail",
        "LDAP_PHONE_ATTRIBUTE": "telephoneNumber",
        "LDAP_ORGANISATION_ATTRIBUTE": "o",
        "LDAP_DISABLED_GROUP": DISABLED,
    }
    conf.update(overrides)
    return conf | ldap_auth_settings(conf)


def configure(settings, server: Slapd, **overrides: object) -> None:
    """Point the desk (pytest-django's ``settings``) at ``server``: the LDAP settings and the
    directory's backend after the local passwords', as identity_settings.py does."""
    for name, value in ldap_settings(server, **overrides).items():
        setattr(settings, name, value)
    backends = [path for path in settings.AUTHENTICATION_BACKENDS if path != "identity.ldap.DirectoryBackend"]
    settings.AUTHENTICATION_BACKENDS = [*backends, "identity.ldap.DirectoryBackend"]


@dataclass
class Directory:
    """The directory of a test, and the desk's mappings of its groups."""

    server: Slapd
    support: object  # Team
    technical: object  # Team (the emergency technical group)
    eastbay: object  # Organisation


@pytest.fixture(name="directory")
def directory_fixture(slapd_server, settings, db) -> Iterator[Directory]:
    """The desk signs in through the test directory, whose groups are mapped: desk-admins →
    admin, desk-managers → manager, desk-engineers → engineer, desk-support → the support team,
    emergency-technical → the emergency technical group, eastbay-water → the organisation
    Eastbay Water (code ``eastbay-water``; canteen is not mapped). The entries are put back as
    slapadd loaded them after the test."""
    from accounts.models import Team, User
    from identity.models import DirectoryGroup
    from tests.customers.factories import OrganisationFactory

    configure(settings, slapd_server)
    support = Team.objects.create(name="Directory support", slug="directory-support")
    technical = Team.objects.filter(kind=Team.Kind.TECHNICAL).first() or Team.objects.create(
        name="Emergency technical group", slug="emergency-technical", kind=Team.Kind.TECHNICAL
    )
    eastbay = OrganisationFactory(name="Eastbay Water Utility", code="eastbay-water")
    for name, fields in [
        (ADMINS, {"role": User.Role.ADMIN}),
        (MANAGERS, {"role": User.Role.MANAGER}),
        (ENGINEERS, {"role": User.Role.ENGINEER}),
        (SUPPORT_TEAM, {"team": support}),
        (EMERGENCY, {"team": technical}),
        (CUSTOMERS, {"organisation": eastbay}),
    ]:
        DirectoryGroup.objects.create(name=name, **fields)
    initial = slapd_server.snapshot()
    try:
        yield Directory(server=slapd_server, support=support, technical=technical, eastbay=eastbay)
    finally:
        slapd_server.restore(initial)
