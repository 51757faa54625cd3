"""What the desk does with an email. ``message_ingest`` is the one way in: the poller, the
``fetch_mail --file`` command and the tests all call it with the raw bytes.

A message is stored once (its Message-ID is unique: a second copy, or the same one read again
after a crash between storing and marking it read, changes nothing), then:
- a robot's (auto-reply, bounce, list mail) or the desk's own is **ignored**: it opens nothing
  and nothing answers it;
- a reply (``In-Reply-To``/``References`` naming one of the desk's emails or of the ticket's
  thread, or the ticket's reference in the subject) from a contact of the ticket's
  organisation is **added to the ticket** as their reply, quoted history and signature trimmed,
  the original attached; from an engineer, as an internal note; a reply to a closed ticket
  opens a follow-up ticket;
- a new message from a contact **opens a ticket** in their organisation, in the project a rule,
  the mailbox's default or the organisation's only project chooses;
- the rest (unknown sender, several accounts on one address, staff writing a new email, no
  project) waits for **triage** by staff, never dropped and never creating a customer; a
  contact naming another organisation's ticket is treated as writing a new email;
- what cannot be read (broken, too large, or an error while filing it) is **quarantined** with
  the reason, for admins, and the poller goes on with the next message; once the cause is
  fixed, staff file it again from its stored original (``inbound_retry``).
"""

from mail.services.cc import cc_request_decide
from mail.services.common import (
    ORIGINAL_NAME,
    REFERENCE,
    REPLY_PREFIX,
    Status,
    choose_project,
    logger,
    own_addresses,
    routing_rule_save,
    thread_ticket,
)
from mail.services.ingest import (
    FILE_ERROR,
    READ_ERROR,
    Files,
    _add_reply,
    _cc,
    _failure,
    _file,
    _files,
    _header_id,
    _open_ticket,
    _quarantine,
    _record,
    _route,
    _store_raw,
    _title,
    _too_large,
    _why,
    _with_refusals,
    message_ingest,
)
from mail.services.polling import PollResult, mailbox_from_settings, mailbox_poll, mailbox_save, mailboxes_poll
from mail.services.triage import (
    READ_AGAIN,
    _handled,
    _triaged,
    inbound_add_to_ticket,
    inbound_dismiss,
    inbound_open_ticket,
    inbound_retry,
)

__all__ = [
    "FILE_ERROR",
    "ORIGINAL_NAME",
    "READ_AGAIN",
    "READ_ERROR",
    "REFERENCE",
    "REPLY_PREFIX",
    "Files",
    "PollResult",
    "Status",
    "_add_reply",
    "_cc",
    "_failure",
    "_file",
    "_files",
    "_handled",
    "_header_id",
    "_open_ticket",
    "_quarantine",
    "_record",
    "_route",
    "_store_raw",
    "_title",
    "_too_large",
    "_triaged",
    "_why",
    "_with_refusals",
    "cc_request_decide",
    "choose_project",
    "inbound_add_to_ticket",
    "inbound_dismiss",
    "inbound_open_ticket",
    "inbound_retry",
    "logger",
    "mailbox_from_settings",
    "mailbox_poll",
    "mailbox_save",
    "mailboxes_poll",
    "message_ingest",
    "own_addresses",
    "routing_rule_save",
    "thread_ticket",
]
