"""The desk's time zone and date: whoever asks, a decision that depends on "today" (overdue,
expiring, in force, the reports' days and months) is taken on the desk's date, never in the
viewer's zone (pages activate each user's own)."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def desk_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def desk_date(moment: datetime.datetime | None = None) -> datetime.date:
    """The date of ``moment`` (default: now) in the desk's time zone."""
    return timezone.localdate(moment or timezone.now(), desk_zone())


def desk_today() -> datetime.date:
    return desk_date()
