"""What the training pages share beyond ``core.pages``: where to go back to after a POST,
and what a session looks like to its viewer."""

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import User
from training.models import Enrolment, TrainingSession

ACTIVE = (Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED)


def back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Back to the page the form was on (``next``, this site only), else ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def decorate_session(session: TrainingSession, user: User, mine: Enrolment | None) -> TrainingSession:
    """What the pages show about the session for this viewer: can they enrol, is it full."""
    now = timezone.now()
    session.mine = mine if mine is not None and mine.status in ACTIVE else None
    session.is_open = not session.is_cancelled and session.starts_at > now
    session.has_started = session.starts_at <= now
    session.has_ended = session.ends_at <= now
    taken = getattr(session, "seats_taken", 0)
    session.is_full = taken >= session.capacity or getattr(session, "waiting", 0) > 0
    session.free_seats = max(session.capacity - taken, 0)
    session.can_enrol = bool(user.is_customer and user.is_active and session.is_open and session.mine is None)
    return session
