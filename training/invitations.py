"""The calendar invitation of a training session (RFC 5546 iTIP, as Outlook, Google Calendar
and Thunderbird read it from an email attachment): ``METHOD:REQUEST`` when a seat is given or
the session changes, ``METHOD:CANCEL`` when the seat or the session is cancelled. The event's
UID is the session's, its SEQUENCE the session's revision, so a client updates the event it
holds instead of adding a second one."""

import datetime

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import feeds
from training.models import Enrolment, TrainingSession


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _address(email: str, name: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params["cn"] = icalendar.vText(name)
    return address


def session_event(session: TrainingSession, *, cancelled: bool = False) -> icalendar.Event:
    link = _site(reverse("training:session_detail", args=[session.pk]))
    event = icalendar.Event()
    event.add("uid", f"training-session-{session.pk}@servicedesk")
    event.add("sequence", session.revision)
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("dtstart", session.starts_at.astimezone(datetime.UTC))
    event.add("dtend", session.ends_at.astimezone(datetime.UTC))
    event.add("summary", _("Training: %(title)s") % {"title": session.title})
    lines = [
        _("Format: %(format)s") % {"format": session.get_format_display()},
        _("Trainer: %(name)s") % {"name": session.trainer},
    ]
    if session.meeting_link:
        lines.append(_("Meeting link: %(url)s") % {"url": session.meeting_link})
    lines.append(link)
    event.add("description", "\n".join(lines))
    event.add("location", session.meeting_link if session.format == TrainingSession.Format.ONLINE else session.location)
    event.add("url", link)
    event.add("status", "CANCELLED" if cancelled or session.is_cancelled else "CONFIRMED")
    event.add("organizer", _address(settings.DEFAULT_FROM_EMAIL, str(session.trainer)))
    return event


def invitation(enrolment: Enrolment, *, method: str = "REQUEST") -> bytes:
    """The iCalendar file sent to one participant."""
    calendar = feeds.calendar(product="Training", name=enrolment.session.title)
    calendar.add("method", method)
    event = session_event(enrolment.session, cancelled=method == "CANCEL")
    attendee = _address(enrolment.contact.email or f"user-{enrolment.contact_id}@invalid", str(enrolment.contact))
    attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = icalendar.vText("ACCEPTED" if method == "REQUEST" else "DECLINED")
    attendee.params["rsvp"] = icalendar.vText("FALSE")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()


def invitation_attachment(enrolment: Enrolment, *, method: str) -> dict:
    """The invitation as an email attachment (``notifications.Message.attachments``)."""
    return {
        "filename": "invite.ics" if method == "REQUEST" else "cancel.ics",
        "content": invitation(enrolment, method=method).decode(),
        "mimetype": f"text/calendar; method={method}",
    }
