"""What the maintenance module does: warranties and contracts, the coverage decision on a
ticket and its billable work, reminders, inspection schedules and visits, return visits,
satisfaction surveys, and releases reaching the projects that run them.

Every write goes through one of these functions, in one transaction, with the people told
through ``notifications.notify`` (mail and webhooks leave after commit).
"""

from maintenance.services.common import customer_contacts, managers
from maintenance.services.inspections import (
    PLAN_BACK_DAYS,
    RULE_LIMIT,
    RULE_YEARS,
    _copy_checklist,
    _lock_inspection,
    _require_open,
    _tell_assigned,
    health_check_create,
    inspection_cancel,
    inspection_complete,
    inspection_record,
    inspections_flag_overdue,
    inspections_plan,
    occurrences,
    parse_rule,
    photo_add,
    schedule_save,
)
from maintenance.services.releases import _installations, notice_update, product_save, release_publish, release_save
from maintenance.services.visits import (
    SURVEY_SALT,
    return_visit_done,
    return_visit_save,
    survey_answer,
    survey_ticket,
    survey_token,
    surveys_send,
)
from maintenance.services.warranties import (
    _check_asset,
    _ticket,
    billable_item_add,
    billable_item_remove,
    contract_save,
    coverage_decide,
    terms_save,
    ticket_verdict,
    warranties_remind_expiring,
    warranty_save,
)

__all__ = [
    "PLAN_BACK_DAYS",
    "RULE_LIMIT",
    "RULE_YEARS",
    "SURVEY_SALT",
    "_check_asset",
    "_copy_checklist",
    "_installations",
    "_lock_inspection",
    "_require_open",
    "_tell_assigned",
    "_ticket",
    "billable_item_add",
    "billable_item_remove",
    "contract_save",
    "coverage_decide",
    "customer_contacts",
    "health_check_create",
    "inspection_cancel",
    "inspection_complete",
    "inspection_record",
    "inspections_flag_overdue",
    "inspections_plan",
    "managers",
    "notice_update",
    "occurrences",
    "parse_rule",
    "photo_add",
    "product_save",
    "release_publish",
    "release_save",
    "return_visit_done",
    "return_visit_save",
    "schedule_save",
    "survey_answer",
    "survey_ticket",
    "survey_token",
    "surveys_send",
    "terms_save",
    "ticket_verdict",
    "warranties_remind_expiring",
    "warranty_save",
]
