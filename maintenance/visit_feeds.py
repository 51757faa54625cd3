"""The iCalendar feeds of visits (inspections and health checks): one per engineer, one per
project, behind signed links (``core.feeds``) that calendar clients subscribe to.

A feed holds the visits due from ``FEED_PAST`` ago to ``FEED_AHEAD`` ahead, open, completed or
cancelled (cancelled ones as STATUS:CANCELLED, so a client removes what it already shows), each
an all-day event on its due date with the same UID on every fetch.
"""

import datetime

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import feeds
from core.time import desk_today
from customers.models import Project
from maintenance.models import Inspection

FEED_SALT = "maintenance.calendar"
KINDS = ("engineer", "project")
FEED_PAST = datetime.timedelta(days=90)
FEED_AHEAD = datetime.timedelta(days=366)


def feed_token(kind: str, pk: int) -> str:
    return feeds.feed_token(salt=FEED_SALT, kind=kind, pk=pk)


def feed_subject(token: str) -> tuple[str, int] | None:
    """("engineer" or "project", id) of a feed link; ``None`` if it is forged or not ours."""
    return feeds.feed_subject(token, salt=FEED_SALT, kinds=KINDS)


def feed_url(kind: str, pk: int) -> str:
    return feeds.feed_url("maintenance:calendar_feed", feed_token(kind, pk))


def _event(inspection: Inspection, stamp: datetime.datetime) -> icalendar.Event:
    link = settings.SITE_URL.rstrip("/") + reverse("maintenance:inspection_detail", args=[inspection.pk])
    names = {"kind": inspection.get_kind_display(), "title": inspection.title, "project": inspection.project}
    event = icalendar.Event()
    event.add("uid", f"inspection-{inspection.pk}@servicedesk")
    event.add("dtstamp", stamp)
    event.add("last-modified", inspection.updated_at.astimezone(datetime.UTC))
    event.add("dtstart", inspection.due_date)  # a date: an all-day event
    event.add("dtend", inspection.due_date + datetime.timedelta(days=1))
    event.add("summary", _("%(kind)s: %(title)s (%(project)s)") % names)
    lines = [
        _("Status: %(status)s") % {"status": inspection.get_status_display()},
        _("Engineer: %(name)s") % {"name": inspection.engineer},
        link,
    ]
    event.add("description", "\n".join(lines))
    event.add("url", link)
    if inspection.project.site_address:
        event.add("location", inspection.project.site_address)
    cancelled = inspection.status == Inspection.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT")  # a day's visit does not block the whole day
    return event


def visits_feed(
    *, engineer: User | None = None, project: Project | None = None, today: datetime.date | None = None
) -> bytes:
    """An iCalendar of one engineer's visits or of one project's."""
    if (engineer is None) == (project is None):
        raise ValueError("Give an engineer or a project.")
    today = today or desk_today()
    visits = Inspection.objects.filter(
        due_date__gte=today - FEED_PAST, due_date__lte=today + FEED_AHEAD
    ).select_related("project", "engineer")
    if engineer is not None:
        visits = visits.filter(engineer=engineer)
        name = _("Visits: %(name)s") % {"name": engineer}
    else:
        visits = visits.filter(project=project)
        name = _("Visits: %(project)s") % {"project": project}
    calendar = feeds.calendar(product="Inspections", name=name)
    stamp = timezone.now().astimezone(datetime.UTC)
    for inspection in visits.order_by("due_date", "pk"):
        calendar.add_component(_event(inspection, stamp))
    return calendar.to_ical()
