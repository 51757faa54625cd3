"""The one client address of a request.

Throttles, login protection (django-axes), log lines and any row that records where a request
came from read it here, so they always agree.

The rule (``TRUSTED_PROXY_COUNT``, docs/security.md):

- ``0`` (the default): the desk is reached directly. ``X-Forwarded-For`` is ignored, whatever it
  says; the client is the connection's own address (``REMOTE_ADDR``).
- ``N`` > 0: the desk is reached only through N reverse proxies, each of which appends the address
  it received the connection from to ``X-Forwarded-For``. The client is then the Nth address from
  the right: the one the outermost trusted proxy saw. Whatever stands further left was sent by the
  client and is ignored. With fewer than N addresses in the header the leftmost one is used (every
  address present was appended by a trusted proxy); without the header, ``REMOTE_ADDR``.

An address is read as an IP address (a port or IPv6 brackets are dropped, an IPv4-mapped IPv6
address reads as IPv4); an entry that is not one falls back to ``REMOTE_ADDR``. With no usable
address at all the answer is ``""``.
"""

import contextvars
import ipaddress
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)

# The address of the request being served, for log lines written anywhere during it.
_current: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="")
_warned_unused_header = False


def _parse(value: str) -> str:
    """``value`` as a normalised IP address, or ``""``."""
    value = value.strip().strip('"')
    if value.startswith("["):  # [2001:db8::1]:443
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # 203.0.113.7:51234
        value = value.split(":", 1)[0]
    value = value.split("%", 1)[0]  # an IPv6 zone
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def forwarded_hops(request: HttpRequest) -> list[str]:
    """The addresses of ``X-Forwarded-For``, leftmost first (empty entries dropped)."""
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return [hop.strip() for hop in header.split(",") if hop.strip()]


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, by the rule of this module's docstring."""
    remote = _parse(request.META.get("REMOTE_ADDR", "") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = forwarded_hops(request)
    if not hops:
        return remote
    chosen = hops[-count] if len(hops) >= count else hops[0]
    return _parse(chosen) or remote


def axes_client_address(request: HttpRequest) -> str | None:
    """``client_address`` for django-axes (``AXES_CLIENT_IP_CALLABLE``), which stores "unknown" as NULL."""
    return client_address(request) or None


def current_client_address() -> str:
    """The client address of the request being served in this context; ``""`` outside one."""
    return _current.get()


class ClientAddressMiddleware:
    """First in ``MIDDLEWARE``: every log line written while a request is served carries its client
    address (``ClientAddressFilter``). Also warns once per process when an ``X-Forwarded-For``
    header arrives while ``TRUSTED_PROXY_COUNT`` is 0, the usual sign of a proxy left unconfigured
    (then every client behind it shares the proxy's address)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        global _warned_unused_header
        address = client_address(request)
        if not _warned_unused_header and settings.TRUSTED_PROXY_COUNT <= 0 and forwarded_hops(request):
            _warned_unused_header = True
            logger.warning(
                "A request came with X-Forwarded-For while TRUSTED_PROXY_COUNT is 0: the header is ignored. "
                "Behind a reverse proxy, set TRUSTED_PROXY_COUNT to the number of proxies in front of the desk."
            )
        token = _current.set(address)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


class ClientAddressFilter(logging.Filter):
    """Adds ``client_address`` to every log record: the address of the request being served (or of
    the request the record names, as ``django.request`` records do), ``-`` outside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        address = _current.get()
        if not address:
            request: Any = getattr(record, "request", None)
            if isinstance(request, HttpRequest):
                address = client_address(request)
        record.client_address = address or "-"
        return True
