"""Tickets, their history, replies, attachments and on-site visits; business calendars, SLA
policies and the SLA clocks of each ticket.
"""

from tickets.models.calendars import BusinessCalendar, CalendarDay, WorkingHours
from tickets.models.clocks import EscalationFire, SLAClock, SLACycle
from tickets.models.common import Metric, Priority
from tickets.models.policies import EscalationPolicy, EscalationStep, SLAPolicy, SLATarget
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

__all__ = [
    "OPEN_STATUS_VALUES",
    "Attachment",
    "BusinessCalendar",
    "CalendarDay",
    "Comment",
    "EscalationFire",
    "EscalationPolicy",
    "EscalationStep",
    "Metric",
    "OnsiteVisit",
    "Priority",
    "SLAClock",
    "SLACycle",
    "SLAPolicy",
    "SLATarget",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "WorkingHours",
    "attachment_path",
]
