"""What the maintenance pages share beyond ``core.pages``: list decorations."""

import datetime

from maintenance import coverage
from maintenance.models import (
    UpgradeNotice,
)

DUE_DAYS = 14  # "due soon" on the overview and the inspection list
OPEN_NOTICES = (UpgradeNotice.Status.NOTIFIED, UpgradeNotice.Status.PLANNED)


def _labels(values: list[str], choices) -> list[str]:
    return [str(choices(value).label) for value in values if value in choices.values]


def _with_state(warranties, today: datetime.date):
    for warranty in warranties:
        warranty.state = coverage.warranty_status(warranty, today)
        warranty.state_label = coverage.STATUS_LABELS[warranty.state]
    return warranties
