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
from tickets.services.imports import ImportedTicket, ticket_import_problems, tickets_import, tickets_import_update
from tickets.services.lifecycle import (
    comment_add,
    ticket_assign,
    ticket_create,
    ticket_rate,
    ticket_set_cc,
    ticket_update,
)
from tickets.services.macros import (
    macro_apply,
    macro_delete,
    macro_list,
    macro_may_change,
    macro_preview,
    macro_save,
)
from tickets.services.queue_views import queue_view_create, queue_view_delete, queue_view_may_change, queue_view_update
from tickets.services.time import (
    comment_add_with_time,
    minutes_label,
    register_time_billing,
    time_entry_add,
    time_entry_check,
    time_entry_delete,
    time_entry_may_change,
    time_entry_update,
    time_minutes_check,
)
from tickets.services.visits import ticket_arrive, ticket_dispatch, ticket_leave_site

__all__ = [
    "CUSTOMER_TRANSITIONS",
    "MAX_CC",
    "TRANSITIONS",
    "ImportedTicket",
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
    "comment_add_with_time",
    "macro_apply",
    "macro_delete",
    "macro_list",
    "macro_may_change",
    "macro_preview",
    "macro_save",
    "minutes_label",
    "queue_view_create",
    "queue_view_delete",
    "queue_view_may_change",
    "queue_view_update",
    "register_time_billing",
    "ticket_arrive",
    "ticket_assign",
    "ticket_create",
    "ticket_dispatch",
    "ticket_event_add",
    "ticket_for_update",
    "ticket_import_problems",
    "ticket_leave_site",
    "ticket_log_call",
    "ticket_rate",
    "ticket_set_cc",
    "ticket_update",
    "tickets_import",
    "tickets_import_update",
    "time_entry_add",
    "time_entry_check",
    "time_entry_delete",
    "time_entry_may_change",
    "time_entry_update",
    "time_minutes_check",
]
