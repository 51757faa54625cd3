"""Reading one email as sent in the wild: MIME parts, encoded words and bodies in GB2312, GBK,
GB18030, Big5 or UTF-8 (and 8-bit bytes in headers that declare nothing), quoted-printable and
base64, text preferred over HTML, attachments and inline images, and the signs of a robot.

Declared charsets are read as their supersets (GB2312 and GBK as GB18030, Big5 as Big5-HKSCS):
Chinese mail programs label GBK text as GB2312 all the time. Bytes no charset can read become
U+FFFD rather than an error; a message with no sender or no header at all is broken.
"""

import codecs
import datetime
import email
import email.header
import email.message
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_noop

from mail.html import html_to_text

SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "x-big5": "big5hkscs",
    "us-ascii": "utf-8",  # 8-bit bytes under a US-ASCII label are nearly always UTF-8
    "ascii": "utf-8",
}
# tried in order when nothing (or something unknown) is declared
FALLBACKS = ("utf-8", "gb18030", "big5hkscs")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


class BrokenMessage(Exception):
    """The message cannot be read as email: ``template`` (marked for translation) and ``params``
    say why, for the admins; ``str()`` in English."""

    def __init__(self, template: str, **params: str) -> None:
        super().__init__(template % params if params else template)
        self.template, self.params = template, params

    def said(self) -> str:
        """Why, in the active language."""
        text = gettext(self.template)
        return text % self.params if self.params else text


@dataclass
class Part:
    name: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str = ""


@dataclass
class ParsedMessage:
    raw: bytes
    message_id: str
    sender: str
    sender_name: str
    to: list[str]
    cc: list[str]
    delivered_to: list[str]  # the server's Delivered-To / X-Original-To: where it arrived
    subject: str
    sent_at: datetime.datetime | None
    in_reply_to: list[str]
    references: list[str]
    text: str
    attachments: list[Part] = field(default_factory=list)
    auto: str = ""  # why it is a robot's (auto-reply, bounce, list mail), or ""
    from_addresses: list[str] = field(default_factory=list)  # every address of From:
    authentication_results: list[str] = field(default_factory=list)  # each header's value, top first

    @property
    def thread_ids(self) -> list[str]:
        """The Message-IDs it answers, the nearest first."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))


@dataclass(frozen=True)
class Limits:
    """What one message may hold; over any of them it is quarantined (``MAIL_MAX_*``)."""

    parts: int
    attachments: int
    attachments_bytes: int
    header_bytes: int

    @classmethod
    def from_settings(cls) -> "Limits":
        from django.conf import settings

        return cls(
            parts=settings.MAIL_MAX_PARTS,
            attachments=settings.MAIL_MAX_ATTACHMENTS,
            attachments_bytes=settings.MAIL_MAX_ATTACHMENTS_BYTES,
            header_bytes=settings.MAIL_MAX_HEADER_BYTES,
        )


def header_section(raw: bytes) -> bytes:
    """The bytes before the first empty line (all of them when there is none)."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    return head.split(b"\n\n", 1)[0]


def _over_limit(template: str, count: int, limit: int, size: bool = False) -> BrokenMessage:
    from django.template.defaultfilters import filesizeformat

    shown = (lambda n: str(filesizeformat(n))) if size else str
    return BrokenMessage(template, count=shown(count), limit=shown(limit))


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    charset = charset.strip().strip('"').lower()
    charset = SUPERSETS.get(charset, charset)
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text from bytes in their declared charset (read as its superset), else the first of
    UTF-8, GB18030 and Big5 that reads them whole, else GB18030 with replacement characters."""
    declared = _codec(charset)
    if declared:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass
    for candidate in FALLBACKS:
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    return data.decode(declared or "gb18030", errors="replace")


def decode_header(value: str | email.header.Header | None) -> str:
    """A header's text: RFC 2047 encoded words in any charset, and raw 8-bit bytes (which the
    parser hands over as surrogate escapes, or as a ``Header`` of unknown-8bit chunks) read
    like a body without a charset."""
    if not value:
        return ""
    pieces = []
    try:
        # a Header keeps its 8-bit bytes; str() of it would turn them into U+FFFD
        chunks = email.header.decode_header(value if isinstance(value, email.header.Header) else str(value))
    except (ValueError, AssertionError, LookupError):
        chunks = [(str(value), None)]
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8", "surrogateescape")
        pieces.append(decode_bytes(chunk, charset))
    # plain chunks keep their blanks; the blanks between encoded words are dropped (RFC 2047)
    return re.sub(r"\s+", " ", "".join(pieces)).strip()


def _addresses(message: email.message.Message, *names: str) -> list[tuple[str, str]]:
    values = [decode_header(v) for name in names for v in message.get_all(name, [])]
    found = []
    for display, address in email.utils.getaddresses(values):
        address = address.strip().lower()
        if "@" in address and " " not in address:
            found.append((display.strip(), address))
    return found


def _ids(value: str | None) -> list[str]:
    return MESSAGE_ID.findall(decode_header(value)) if value else []


def auto_reason(message: email.message.Message, sender: str) -> str:
    """Why a message is a robot's, so that it opens nothing and is answered by nothing: RFC
    3834 ``Auto-Submitted``, ``Precedence: bulk/junk/list/auto_reply``, the X-Autoreply family,
    Exchange's ``X-Auto-Response-Suppress`` on its own out-of-office notes, delivery status and
    read notifications (RFC 3464, 8098), mailer daemons and an empty return path."""
    auto_submitted = (message.get("Auto-Submitted") or "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    precedence = (message.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if message.get(name):
            return f"{name}: {message.get(name)}"
    suppress = (message.get("X-Auto-Response-Suppress") or "").lower()
    if message.get("X-MS-Exchange-Generated-Message-Source") or (suppress and "oof" in suppress):
        return "Exchange automatic reply"
    if message.get_content_type() == "multipart/report":
        return f"report: {message.get_param('report-type') or 'unknown'}"
    local = sender.split("@", 1)[0]
    if local in ("mailer-daemon", "postmaster"):
        return f"sender: {sender}"
    if (message.get("Return-Path") or "").strip() == "<>":
        return "Return-Path: <>"
    if message.get("List-Id") or message.get("List-Unsubscribe"):
        return "mailing list"
    return ""


def _filename(part: email.message.Message) -> str:
    name = part.get_filename()  # RFC 2231 parameters are joined and decoded here
    if name is None:
        return ""
    if isinstance(name, tuple):  # (charset, language, value) left undecoded
        name = decode_bytes(name[2].encode("latin-1", "replace"), name[0])
    return decode_header(name).replace("/", "_").replace("\\", "_").strip()


def _body_text(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True) or b""
    return decode_bytes(payload, part.get_content_charset())


def _walk(message: email.message.Message, texts: list[str], htmls: list[str], attachments: list[Part]) -> None:
    """Collect the bodies and files: of a multipart/alternative, the plain text if it has one."""
    ctype = message.get_content_type()
    if ctype.startswith("message/"):
        # a forwarded email (or a bounce's report) is a file, not more text of this one
        payload = message.get_payload()
        if isinstance(payload, list):
            data = (
                payload[0].as_bytes()
                if ctype == "message/rfc822" and payload
                else b"".join(p.as_bytes() for p in payload)
            )
        else:
            data = message.get_payload(decode=True) or b""
        if ctype == "message/rfc822":
            attachments.append(Part(_filename(message) or "message.eml", "message/rfc822", data))
        else:
            attachments.append(Part(_filename(message) or f"{ctype.split('/')[1]}.txt", "text/plain", data))
        return
    if message.is_multipart():
        parts = message.get_payload()
        if not isinstance(parts, list):
            return
        if ctype == "multipart/alternative":
            plain = [p for p in parts if p.get_content_type() == "text/plain"]
            richer = [p for p in parts if p.get_content_type() != "text/plain"]
            if plain and _body_text(plain[-1]).strip():
                # the files an HTML alternative carries inline (multipart/related) still count
                _walk(plain[-1], texts, htmls, attachments)
                for part in richer:
                    _walk(part, [], [], attachments)
                return
        for part in parts:
            _walk(part, texts, htmls, attachments)
        return
    disposition = (message.get_content_disposition() or "").lower()
    name = _filename(message)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not name:
        (texts if ctype == "text/plain" else htmls).append(_body_text(message))
        return
    data = message.get_payload(decode=True) or b""
    content_id = (message.get("Content-ID") or "").strip().strip("<>")
    if not name:
        extension = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}.get(ctype, ".bin")
        name = f"{content_id.split('@')[0] or 'attachment'}{extension}"
    attachments.append(
        Part(name[:200], ctype, data, inline=disposition == "inline" or bool(content_id), content_id=content_id)
    )


def synthetic_id(raw: bytes) -> str:
    """For a message without a Message-ID: one from its bytes, the same on every poll."""
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def parse(raw: bytes, limits: Limits | None = None) -> ParsedMessage:
    """Read ``raw`` (RFC 5322 bytes). Raises ``BrokenMessage`` if it is not usable mail, or
    holds more than ``limits`` (default: the settings) allow."""
    limits = limits or Limits.from_settings()
    if not raw.strip():
        raise BrokenMessage(gettext_noop("The message is empty."))
    header_bytes = len(header_section(raw))
    if header_bytes > limits.header_bytes:
        raise _over_limit(
            gettext_noop("Its header is %(count)s, larger than the limit of %(limit)s."),
            header_bytes,
            limits.header_bytes,
            size=True,
        )
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as error:  # the parser is lenient; anything it raises means garbage
        raise BrokenMessage(gettext_noop("The message cannot be parsed: %(error)s"), error=str(error)) from error
    if not message.keys():
        raise BrokenMessage(gettext_noop("The message has no headers."))
    senders = _addresses(message, "From") or _addresses(message, "Sender")
    if not senders:
        raise BrokenMessage(gettext_noop("The message has no sender address."))
    sender_name, sender = senders[0]
    sent_at = None
    if message.get("Date"):
        try:
            sent_at = email.utils.parsedate_to_datetime(decode_header(message["Date"]))
            if sent_at.tzinfo is None:
                sent_at = sent_at.replace(tzinfo=datetime.UTC)
        except (TypeError, ValueError, IndexError):
            sent_at = None
    parts = sum(1 for _part in message.walk())
    if parts > limits.parts:
        raise _over_limit(
            gettext_noop("It has %(count)s parts, more than the limit of %(limit)s."), parts, limits.parts
        )
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Part] = []
    try:
        _walk(message, texts, htmls, attachments)
    except (LookupError, ValueError, AssertionError, TypeError) as error:
        raise BrokenMessage(gettext_noop("The message's parts cannot be read: %(error)s"), error=str(error)) from error
    if len(attachments) > limits.attachments:
        raise _over_limit(
            gettext_noop("It has %(count)s files, more than the limit of %(limit)s."),
            len(attachments),
            limits.attachments,
        )
    total = sum(len(part.data) for part in attachments)
    if total > limits.attachments_bytes:
        raise _over_limit(
            gettext_noop("Its files add up to %(count)s, more than the limit of %(limit)s."),
            total,
            limits.attachments_bytes,
            size=True,
        )
    text = "\n\n".join(t.strip() for t in texts if t.strip())
    if not text and htmls:
        text = "\n\n".join(html_to_text(h) for h in htmls).strip()
    ids = _ids(message.get("Message-ID"))
    return ParsedMessage(
        raw=raw,
        message_id=ids[0][:250] if ids else synthetic_id(raw),
        sender=sender,
        sender_name=sender_name[:200],
        to=[a for _n, a in _addresses(message, "To")],
        cc=[a for _n, a in _addresses(message, "Cc")],
        delivered_to=[a for _n, a in _addresses(message, "Delivered-To", "X-Original-To")],
        subject=decode_header(message.get("Subject"))[:998],
        sent_at=sent_at,
        in_reply_to=_ids(message.get("In-Reply-To")),
        references=_ids(message.get("References")),
        text=text.replace("\r\n", "\n"),
        attachments=attachments,
        auto=auto_reason(message, sender),
        from_addresses=[a for _n, a in _addresses(message, "From")],
        authentication_results=[decode_header(v) for v in message.get_all("Authentication-Results", [])],
    )
