"""The iCalendar feeds of visits (inspections and health checks): one per engineer, one per
project, behind each viewer's own revocable links (``accounts.CalendarLink``) that calendar
clients subscribe to. A link works while its person is active and may still see what it shows.

A feed holds the visits due from ``FEED_PAST`` ago to ``FEED_AHEAD`` ahead, open, completed or
cancelled (cancelled ones as STATUS:CANCELLED, so a client removes what it already shows), each
an all-day event on its due date with the same UID on every fetch.
"""

import datetime
from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as accounts_services
from accounts.models import User
from core import feeds
from core.time import desk_today
from customers.models import Project
from customers.selectors import project_list
from maintenance.models import Inspection

# the feeds of ``accounts.CalendarLink``: one engineer's visits, one project's
FEED_ENGINEER = "maintenance.engineer"
FEED_PROJECT = "maintenance.project"
FEED_PAST = datetime.timedelta(days=90)
FEED_AHEAD = datetime.timedelta(days=366)


def _urls(keys: dict[int, str]) -> dict[int, str]:
    return {pk: feeds.feed_url("maintenance:calendar_feed", key) for pk, key in keys.items()}


def engineer_feed_urls(*, viewer: User, engineers: Iterable[User]) -> dict[int, str]:
    """The viewer's own links to these engineers' visit feeds (staff only see them), by id."""
    with accounts_services.in_language_of(viewer):
        labels = {
            each.pk: _("Your visits") if each.pk == viewer.pk else _("Visits of %(name)s") % {"name": each}
            for each in engineers
        }
    return _urls(accounts_services.calendar_link_keys(user=viewer, feed=FEED_ENGINEER, objects=labels))


def project_feed_urls(*, viewer: User, projects: Iterable[Project]) -> dict[int, str]:
    """The viewer's own links to these projects' visit feeds, by project id."""
    with accounts_services.in_language_of(viewer):
        labels = {each.pk: _("Visits of %(name)s") % {"name": each.name} for each in projects}
    return _urls(accounts_services.calendar_link_keys(user=viewer, feed=FEED_PROJECT, objects=labels))


def feed_for_key(key: str, *, today: datetime.date | None = None) -> bytes | None:
    """The iCalendar a link opens; ``None`` (the view's 404) when the link is unknown or
    revoked, or its person deactivated, or no longer allowed to see it: an engineer's visits
    are for staff, a project's for staff and the project's organisation (a customer moved to
    another organisation loses the link), and only while the project is active."""
    link = accounts_services.calendar_link_resolve(key=key, feeds=(FEED_ENGINEER, FEED_PROJECT))
    if link is None:
        return None
    if link.feed == FEED_ENGINEER:
        engineer = User.objects.staff().filter(pk=link.object_id).first()
        if engineer is None or not link.user.is_staff_member:
            return None
        return visits_feed(engineer=engineer, today=today)
    project = project_list(user=link.user).filter(pk=link.object_id, is_active=True).first()
    return visits_feed(project=project, today=today) if project is not None else None


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
