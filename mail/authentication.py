"""Who really sent an email: the receiving server's ``Authentication-Results`` (RFC 8601).

``From:`` is whatever the sender typed. What the desk can trust is the verdict of its own
receiving server (the MTA in front of the IMAP mailbox, running SPF, DKIM and DMARC checks),
which it writes in an ``Authentication-Results`` header naming itself by its **authserv-id**
(``mx.desk.example``). Anyone can write such a header into their message too, so only the
headers carrying the configured authserv-id (``MAIL_AUTHSERV_ID``, or the mailbox's own) are
read; every other one is ignored. (RFC 8601 section 5: the receiving MTA removes headers that
claim its own authserv-id from incoming mail; OpenDMARC, OpenDKIM and rspamd do.)

A message is **verified** when one of those headers says

- ``dmarc=pass`` (for the From domain, when the result names it in ``header.from``), or
- ``dkim=pass`` with a signing domain (``header.d``, else the domain of ``header.i``) aligned
  with the From domain, or
- ``spf=pass`` with an ``smtp.mailfrom`` domain aligned with the From domain.

**Alignment** is relaxed as in DMARC, without a public suffix list: the same domain, or one a
subdomain of the other (``mail.example.com`` and ``example.com``). Two sibling subdomains
(``eu.example.com`` and ``us.example.com``) count as not aligned, which is stricter than DMARC,
never looser. Pure functions: no database.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

KEYWORD = re.compile(r"[A-Za-z0-9_-]+")
METHOD = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*(?:/\s*[0-9]+\s*)?=\s*([A-Za-z0-9_-]+)\s*")
# reason=value, or ptype.property=pvalue; a value is a quoted string or a run without blanks
PROPERTY = re.compile(r'\s*(?:(reason)|([A-Za-z0-9_-]+)\s*\.\s*([A-Za-z0-9_-]+))\s*=\s*("(?:[^"\\]|\\.)*"|[^\s";]+)\s*')


@dataclass
class Result:
    """One resinfo: ``dkim=pass header.d=example.com``."""

    method: str
    result: str
    reason: str = ""
    properties: dict[str, str] = field(default_factory=dict)  # "header.d" -> "example.com"


@dataclass
class AuthenticationResults:
    authserv_id: str
    results: list[Result]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _segments(value: str) -> list[str]:
    """The header's text split on ``;``, comments removed (nested parentheses, escapes), quoted
    strings kept whole (a ``;`` or ``(`` inside quotes is text)."""
    segments, current, depth, quoted, escaped = [], [], 0, False, False
    for char in value:
        if escaped:
            if depth == 0:
                current.append(char)
            escaped = False
            continue
        if char == "\\" and (quoted or depth):
            escaped = True
            if depth == 0:
                current.append(char)
            continue
        if depth:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0:
                current.append(" ")  # a comment separates like a blank
            continue
        if quoted:
            current.append(char)
            quoted = char != '"'
            continue
        if char == '"':
            quoted = True
            current.append(char)
        elif char == "(":
            depth = 1
        elif char == ";":
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
    segments.append("".join(current))
    return [" ".join(segment.split()) if '"' not in segment else segment.strip() for segment in segments]


def parse_authentication_results(value: str) -> AuthenticationResults | None:
    """An ``Authentication-Results`` header's value, or None when it has no authserv-id."""
    segments = _segments(value.replace("\r", " ").replace("\n", " "))
    head = segments[0].strip()
    if not head:
        return None
    if head.startswith('"'):
        match = re.match(r'"(?:[^"\\]|\\.)*"', head)
        authserv_id = _unquote(match.group()) if match else ""
    else:
        authserv_id = head.split()[0]  # any authres-version follows it
    if not authserv_id:
        return None
    results = []
    for segment in segments[1:]:
        method = METHOD.match(segment)
        if method is None:
            continue  # "none", or something unreadable: no result
        result = Result(method.group(1).lower(), method.group(2).lower())
        rest = segment[method.end() :]
        while rest.strip():
            prop = PROPERTY.match(rest)
            if prop is None:
                break
            if prop.group(1):
                result.reason = _unquote(prop.group(4))
            else:
                name = f"{prop.group(2).lower()}.{prop.group(3).lower()}"
                result.properties.setdefault(name, _unquote(prop.group(4)))
            rest = rest[prop.end() :]
        results.append(result)
    return AuthenticationResults(authserv_id, results)


def _domain(value: str) -> str:
    """The domain of ``user@example.com``, ``@example.com`` or ``example.com``."""
    value = value.strip().strip("<>").rstrip(".").lower()
    return value.rsplit("@", 1)[-1] if value else ""


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment without a public suffix list: the same domain, or one a subdomain of
    the other; never a bare top-level name."""
    domain, from_domain = _domain(domain), _domain(from_domain)
    if not domain or not from_domain or "." not in domain or "." not in from_domain:
        return False
    return domain == from_domain or domain.endswith("." + from_domain) or from_domain.endswith("." + domain)


@dataclass
class Verdict:
    verified: bool
    template: str  # why, marked for translation
    params: dict[str, str] = field(default_factory=dict)


def _summary(results: list[Result]) -> str:
    shown = []
    for result in results:
        if result.method not in ("dmarc", "dkim", "spf"):
            continue
        domain = result.properties.get("header.d") or result.properties.get("smtp.mailfrom", "")
        domain = domain or result.properties.get("header.from", "")
        shown.append(f"{result.method}={result.result}" + (f" ({_domain(domain)})" if domain else ""))
    return ", ".join(shown) or "no dmarc, dkim or spf result"


def sender_verdict(headers: list[str], from_addresses: list[str], authserv_id: str) -> Verdict:
    """Whether the From address is vouched for by the server named ``authserv_id``
    (``headers``: the values of every ``Authentication-Results`` header, in order;
    ``from_addresses``: the addresses of ``From:``)."""
    if len(from_addresses) != 1:
        return Verdict(
            False, gettext_noop("The message does not have exactly one From address: the sender is not verified.")
        )
    from_domain = _domain(from_addresses[0])
    ours = []
    for value in headers:
        parsed = parse_authentication_results(value)
        if parsed is not None and parsed.authserv_id.lower() == authserv_id.strip().lower():
            ours.extend(parsed.results)
    if not ours:
        return Verdict(
            False,
            gettext_noop("No Authentication-Results header of %(authserv_id)s: the sender is not verified."),
            {"authserv_id": authserv_id},
        )
    for result in ours:
        if result.result != "pass":
            continue
        if result.method == "dmarc":
            named = result.properties.get("header.from")
            if not named or _domain(named) == from_domain:
                return Verdict(
                    True, gettext_noop("Verified by %(authserv_id)s (DMARC pass)."), {"authserv_id": authserv_id}
                )
        if result.method == "dkim":
            signer = result.properties.get("header.d") or result.properties.get("header.i", "")
            if aligned(signer, from_domain):
                return Verdict(
                    True,
                    gettext_noop("Verified by %(authserv_id)s (DKIM pass for %(domain)s)."),
                    {"authserv_id": authserv_id, "domain": _domain(signer)},
                )
        if result.method == "spf":
            mailfrom = result.properties.get("smtp.mailfrom", "")
            if aligned(mailfrom, from_domain):
                return Verdict(
                    True,
                    gettext_noop("Verified by %(authserv_id)s (SPF pass for %(domain)s)."),
                    {"authserv_id": authserv_id, "domain": _domain(mailfrom)},
                )
    return Verdict(
        False,
        gettext_noop("%(authserv_id)s did not authenticate %(domain)s (%(results)s): the sender is not verified."),
        {"authserv_id": authserv_id, "domain": from_domain, "results": _summary(ours)},
    )
