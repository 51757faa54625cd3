"""What the training module does: plans and sessions, enrolment with its waiting list,
reminders, attendance, feedback; and the knowledge base's articles, drafts from tickets and
the "this solved it" answers.

Every write goes through one of these functions, in one transaction; people are told through
``notifications.notify`` (mail, with the calendar invitation attached, leaves after commit).
Rules: docs/training.md and docs/knowledge-base.md.
"""

from training.services.articles import (
    SolvedTooOften,
    _language_of,
    _tags,
    article_from_ticket,
    article_save,
    article_solved,
    articles_reindex,
    category_save,
    solved_visitor,
    tag_save,
)
from training.services.attendance import (
    attendance_take,
    certificate_ready,
    feedback_submit,
    has_ended,
    may_take_attendance,
)
from training.services.common import INVITATION_FIELDS, _enrolment_for_update, _session_for_update
from training.services.enrolment import (
    _SUBJECTS,
    _seat_waiting,
    _tell_enrolment,
    _zone_of,
    enrol,
    enrolment_cancel,
    may_enrol,
    reminders_send,
    waiting_position,
)
from training.services.sessions import (
    _check_trainer,
    material_add,
    material_remove,
    plan_save,
    session_cancel,
    session_save,
)

__all__ = [
    "INVITATION_FIELDS",
    "_SUBJECTS",
    "SolvedTooOften",
    "_check_trainer",
    "_enrolment_for_update",
    "_language_of",
    "_seat_waiting",
    "_session_for_update",
    "_tags",
    "_tell_enrolment",
    "_zone_of",
    "article_from_ticket",
    "article_save",
    "article_solved",
    "articles_reindex",
    "attendance_take",
    "category_save",
    "certificate_ready",
    "enrol",
    "enrolment_cancel",
    "feedback_submit",
    "has_ended",
    "material_add",
    "material_remove",
    "may_enrol",
    "may_take_attendance",
    "plan_save",
    "reminders_send",
    "session_cancel",
    "session_save",
    "solved_visitor",
    "tag_save",
    "waiting_position",
]
