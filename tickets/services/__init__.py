"""Every write to a ticket. Each function locks the ticket row, checks the rule, writes, appends
the history event in the same transaction, moves the SLA clocks, and queues the emails after
commit. A broken rule raises ``ServiceDeskError`` (400) or ``NotAllowed`` (403) and nothing
changes.
"""

from tickets.services.calls import ticket_log_call
from tickets.services.common import (
    CUSTOMER_TRANSITIONS,
    MAX_CC,
    TRANSITIONS,
    Status,
    _apply_status,
    _check_files,
    _event,
    _lock,
    _next_reference,
    _notify,
    _responded,
    _save_attachments,
    _stop_first_response,
    _subject_context,
    clean_cc,
    ticket_event_add,
    ticket_for_update,
)
from tickets.services.lifecycle import (
    comment_add,
    ticket_assign,
    ticket_create,
    ticket_rate,
    ticket_set_cc,
    ticket_update,
)
from tickets.services.visits import ticket_arrive, ticket_dispatch, ticket_leave_site

__all__ = [
    "CUSTOMER_TRANSITIONS",
    "MAX_CC",
    "TRANSITIONS",
    "Status",
    "_apply_status",
    "_check_files",
    "_event",
    "_lock",
    "_next_reference",
    "_notify",
    "_responded",
    "_save_attachments",
    "_stop_first_response",
    "_subject_context",
    "clean_cc",
    "comment_add",
    "ticket_arrive",
    "ticket_assign",
    "ticket_create",
    "ticket_dispatch",
    "ticket_event_add",
    "ticket_for_update",
    "ticket_leave_site",
    "ticket_log_call",
    "ticket_rate",
    "ticket_set_cc",
    "ticket_update",
]
