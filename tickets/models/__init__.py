"""Tickets, their history, replies, attachments and on-site visits; business calendars, SLA
policies and the SLA clocks of each ticket.
"""

from tickets.models.calendars import BusinessCalendar, CalendarDay, WorkingHours
from tickets.models.clocks import EscalationFire, SLAClock, SLACycle
from tickets.models.common import Metric, Priority
from tickets.models.links import TicketLink
from tickets.models.macros import Macro
from tickets.models.policies import EscalationPolicy, EscalationStep, SLAPolicy, SLATarget
from tickets.models.queue_views import QueueView
from tickets.models.tickets import (
    OPEN_STATUS_VALUES,
    Attachment,
    Comment,
    OnsiteVisit,
    Ticket,
    TicketCounter,
    TicketEvent,
    attachment_path,
)
from tickets.models.time import MAX_MINUTES, TimeEntry, TimeEntryBase

__all__ = [
    "MAX_MINUTES",
    "OPEN_STATUS_VALUES",
    "Attachment",
    "BusinessCalendar",
    "CalendarDay",
    "Comment",
    "EscalationFire",
    "EscalationPolicy",
    "EscalationStep",
    "Macro",
    "Metric",
    "OnsiteVisit",
    "Priority",
    "QueueView",
    "SLAClock",
    "SLACycle",
    "SLAPolicy",
    "SLATarget",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "TicketLink",
    "TimeEntry",
    "TimeEntryBase",
    "WorkingHours",
    "attachment_path",
]
