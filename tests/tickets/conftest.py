from datetime import date
from types import SimpleNamespace

import pytest

from tests.tickets.helpers import BUSINESS_HOURS, ROUND_THE_CLOCK
from tickets.calendars import calendar_save
from tickets.policies import policy_save


@pytest.fixture
def sla_setup(db):
    """A business calendar (Mon-Fri 09:00-12:00 and 13:00-18:00 Asia/Shanghai, Saturday
    2026-02-14 a make-up working day), a 24x7 calendar, and the default policy: normal tickets
    on business hours, urgent ones round the clock; low and high have no targets."""
    business = calendar_save(
        name="Business hours",
        timezone_name="Asia/Shanghai",
        hours=BUSINESS_HOURS,
        days=[{"date": date(2026, 2, 14), "kind": "workday", "name": "Spring Festival make-up day"}],
    )
    always = calendar_save(name="Round the clock", timezone_name="Asia/Shanghai", hours=ROUND_THE_CLOCK)
    policy = policy_save(
        name="Standard",
        is_default=True,
        targets=[
            {"priority": "normal", "metric": "first_response", "minutes": 240, "calendar": business},
            {"priority": "normal", "metric": "resolution", "minutes": 960, "calendar": business},
            {"priority": "urgent", "metric": "first_response", "minutes": 60, "calendar": always},
            {"priority": "urgent", "metric": "resolution", "minutes": 240, "calendar": always},
            {"priority": "urgent", "metric": "onsite_arrival", "minutes": 120, "calendar": always},
        ],
    )
    return SimpleNamespace(business=business, always=always, policy=policy)
