"""What the ticket tests share: calendars' hours, Shanghai wall-clock moments, frozen time."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")
BUSINESS_HOURS = [
    {"weekday": weekday, "start_minute": start, "end_minute": end}
    for weekday in range(5)
    for start, end in ((9 * 60, 12 * 60), (13 * 60, 18 * 60))
]
ROUND_THE_CLOCK = [{"weekday": weekday, "start_minute": 0, "end_minute": 1440} for weekday in range(7)]


def sh(*args: int) -> datetime:
    """A wall-clock moment in Asia/Shanghai."""
    return datetime(*args, tzinfo=SHANGHAI)


def travel(moment: datetime):
    return time_machine.travel(moment, tick=False)
