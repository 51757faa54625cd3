"""Requests to an address someone typed in: a personal or team webhook, an IM robot, a
mailbox's IMAP host. Without a check, whoever may enter such an address can make the desk's
servers call inside the network they run in (server-side request forgery): the database, the
cloud metadata service at 169.254.169.254, an admin port on localhost.

The rule, one owner for every entry point and every connection:

- a host that is, or resolves to, a loopback, private, link-local, multicast, reserved,
  unspecified or otherwise non-public address (IPv4 and IPv6; an IPv4-mapped or 6to4 IPv6
  address is judged by the IPv4 address inside it) is refused, unless it is listed in
  ``settings.OUTBOUND_ALLOWED_HOSTS`` (env ``OUTBOUND_ALLOWED_HOSTS``): an exact host name or IP
  address, ``.example.com`` for a domain and its subdomains, or a network such as
  ``10.1.0.0/16`` whose addresses are then allowed whatever name leads to them;
- when the address is entered (``validate_outbound_url``, ``validate_outbound_host``) a refusal
  is a ``ValidationError`` (a 400 in the API, a form error on a page or in the admin); a name
  that does not resolve is refused too, with its own message, so a typo is seen at once;
- when connecting, ``checked_address`` resolves the name again and returns the IP address to
  connect to, so a name that resolves to a public address when saved and to a private one later
  (DNS rebinding) is refused then (``OutboundRefused``): the connection goes to the address
  that was checked, never to a second lookup;
- ``post_json`` POSTs to a checked address, keeping the name for the ``Host`` header and for
  TLS (SNI and certificate verification), and never follows a redirect: a 3xx answer is a
  failure (``OutboundResponse.raise_for_status``).
"""

import base64
import ipaddress
import json
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import certifi
import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# how much of an answer is read: webhook receivers answer a few bytes of JSON
MAX_RESPONSE_BYTES = 1024 * 1024


class OutboundRefused(Exception):
    """The address may not be called (it is, or now resolves to, a non-public address; or the URL
    is not http(s)). Retrying does not help: the address has to change."""


class OutboundHTTPError(Exception):
    """The receiver answered with a status other than 2xx (a redirect included: not followed)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


# --- the rule --------------------------------------------------------------------------------


def _normal_host(host: str) -> str:
    return (host or "").strip().strip("[]").rstrip(".").lower()


def _allowed_entries() -> list[str]:
    return [_normal_host(entry) for entry in getattr(settings, "OUTBOUND_ALLOWED_HOSTS", []) if entry.strip()]


def _allowed_by_name(host: str) -> bool:
    host = _normal_host(host)
    for entry in _allowed_entries():
        if host == entry or (entry.startswith(".") and (host == entry[1:] or host.endswith(entry))):
            return True
    return False


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in _allowed_entries():
        if "/" in entry:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                continue
    return networks


def _inner(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (IPv4-mapped ``::ffff:a.b.c.d``, 6to4)."""
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped or address.sixtofour or address
    return address


def is_public(address: IPAddress) -> bool:
    """Whether the desk may call this address without it being listed."""
    for candidate in {address, _inner(address)}:
        if (
            candidate.is_loopback
            or candidate.is_private
            or candidate.is_link_local
            or candidate.is_multicast
            or candidate.is_reserved
            or candidate.is_unspecified
            or not candidate.is_global
        ):
            return False
    return True


def _permitted(address: IPAddress) -> bool:
    if is_public(address):
        return True
    return any(address in network or _inner(address) in network for network in _allowed_networks())


def _resolve(host: str, port: int | None) -> list[IPAddress]:
    """Every address ``host`` stands for (an IP literal stands for itself). Raises
    ``socket.gaierror`` (an ``OSError``) when the name does not resolve."""
    host = _normal_host(host)
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as error:  # a label too long for IDNA: no such name
        raise socket.gaierror(socket.EAI_NONAME, str(error)) from error
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]))
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
    return addresses


def _refusal(host: str, addresses: list[IPAddress]) -> str | None:
    refused = [address for address in addresses if not _permitted(address)]
    if not refused:
        return None
    return gettext(
        "%(host)s is, or resolves to, a non-public address (%(address)s): the desk does not call "
        "loopback, private, link-local or multicast addresses unless an administrator lists the "
        "host in OUTBOUND_ALLOWED_HOSTS."
    ) % {"host": host, "address": refused[0]}


# --- when an address is entered ---------------------------------------------------------------


def validate_outbound_host(host: str) -> None:
    """Refuse (``ValidationError``) a host the desk may not call, or whose name does not resolve."""
    name = _normal_host(host)
    if not name:
        raise ValidationError(gettext("Enter a host name."), code="outbound_host")
    if _allowed_by_name(name):
        return
    try:
        addresses = _resolve(name, None)
    except OSError:
        raise ValidationError(
            gettext("%(host)s could not be resolved: check the name (it must exist in DNS when it is saved).")
            % {"host": name},
            code="outbound_unresolved",
        ) from None
    message = _refusal(name, addresses)
    if message:
        raise ValidationError(message, code="outbound_refused")


def validate_outbound_url(url: str) -> None:
    """Refuse (``ValidationError``) a URL that is not http(s) or whose host the desk may not call."""
    try:
        parts = urlsplit(url or "")
        host, _port = parts.hostname, parts.port
    except ValueError:
        raise ValidationError(gettext("Enter a valid URL."), code="invalid") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise ValidationError(gettext("Enter an http or https URL with a host name."), code="invalid")
    validate_outbound_host(host)


# --- when connecting ---------------------------------------------------------------------------


def checked_address(host: str, port: int) -> str:
    """Resolve ``host`` now and return the IP address to connect to. ``OutboundRefused`` when it
    resolves to an address the desk may not call (any of its addresses: a name that mixes
    public and private ones is refused); ``socket.gaierror`` (an ``OSError``, transient like a
    network failure) when it does not resolve. A host listed by name is only resolved."""
    addresses = _resolve(host, port)
    if not _allowed_by_name(host):
        message = _refusal(_normal_host(host), addresses)
        if message:
            raise OutboundRefused(message)
    return str(addresses[0])


@dataclass
class OutboundResponse:
    status_code: int
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; ``ValueError`` when it is not."""
        return json.loads(self.content.decode("utf-8"))

    def raise_for_status(self) -> None:
        """``OutboundHTTPError`` unless 2xx: a redirect is a failure, it is never followed."""
        if 200 <= self.status_code < 300:
            return
        if 300 <= self.status_code < 400:
            location = self.headers.get("location", "")
            message = f"HTTP {self.status_code}: redirects are not followed ({location})"
        else:
            message = f"HTTP {self.status_code}: {self.text[:200]}"
        raise OutboundHTTPError(message, status=self.status_code)


def _idna(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def post_json(url: str, payload: Any, *, timeout: float, headers: dict[str, str] | None = None) -> OutboundResponse:
    """POST ``payload`` (JSON-encoded; bytes are sent as they are, e.g. a signed body) to
    ``url`` through ``checked_address``: ``OutboundRefused`` when the address may not be
    called, ``OSError``/``urllib3`` errors on network failures. Redirects are not followed
    (the answer is returned as it is; ``raise_for_status`` fails on it). HTTPS verifies the
    certificate for the URL's host name."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as error:
        raise OutboundRefused(gettext("Enter a valid URL.")) from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise OutboundRefused(gettext("Enter an http or https URL with a host name."))
    port = port or (443 if scheme == "https" else 80)
    address = checked_address(host, port)
    name = _idna(_normal_host(host))
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    default_port = port == (443 if scheme == "https" else 80)
    host_header = f"[{name}]" if ":" in name else name
    request_headers = {"Content-Type": "application/json; charset=utf-8"}
    request_headers |= headers or {}
    request_headers["Host"] = host_header if default_port else f"{host_header}:{port}"
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        request_headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    options: dict[str, Any] = {
        "timeout": urllib3.Timeout(connect=timeout, read=timeout),
        "retries": False,
        "maxsize": 1,
    }
    if scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address,
            port,
            server_hostname=name,
            assert_hostname=name,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    try:
        response = pool.urlopen(
            "POST",
            target,
            body=body,
            headers=request_headers,
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            content = response.read(MAX_RESPONSE_BYTES)
        finally:
            response.release_conn()
        return OutboundResponse(
            status_code=response.status,
            content=content,
            headers={key.lower(): value for key, value in response.headers.items()},
        )
    finally:
        pool.close()
