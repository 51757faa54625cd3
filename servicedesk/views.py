import datetime

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import Team
from accounts.selectors import teams_with_members
from customers import selectors as customer_selectors
from servicedesk import health
from tickets import selectors as ticket_selectors
from tickets import sla
from tickets.models import Ticket


@login_required
def home(request):
    """Where each role starts: customers their open tickets and projects; staff the queue's
    numbers, their own tickets and the emergency groups."""
    user = request.user
    tickets = ticket_selectors.ticket_list(user=user).filter(status__in=Ticket.OPEN_STATUSES)
    if user.is_staff_member:
        tickets = tickets.filter(assignee=user)
    tickets = list(ticket_selectors.queue_order(tickets)[:10])
    now = timezone.now()
    for ticket in tickets:
        ticket.clock_states = [(clock, sla.clock_state(clock, now)) for clock in ticket.clocks.all()]
    context = {
        "projects": customer_selectors.project_list(user=user).filter(is_active=True)[:20],
        "tickets": tickets,
    }
    if user.is_staff_member:
        context["counts"] = ticket_selectors.queue_counts(user=user)
        context["organisation_count"] = customer_selectors.organisation_list(user=user).filter(is_active=True).count()
        context["emergency_teams"] = teams_with_members().exclude(kind=Team.Kind.SUPPORT)
    return render(request, "home.html", context)


@never_cache
@require_GET
def healthz(request):
    database, broker, last = health.database_ok(), health.broker_ok(), health.heartbeats()
    seen = [moment for moment in last.values() if moment]
    body = {
        "status": "ok" if database and broker else "unavailable",
        "database": "ok" if database else "unavailable",
        "broker": "ok" if broker else "unavailable",
        "worker": health.workers_state(last),
        "worker_heartbeat": min(seen, key=datetime.datetime.fromisoformat) if seen else None,  # the oldest
        "queues": {queue: health.worker_state(moment) for queue, moment in last.items()},
    }
    return JsonResponse(body, status=200 if database and broker else 503)


def not_found(request, exception=None):
    """404 for every URL: the API's error shape under /api/, the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Not found."), "errors": {}}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Server error."), "errors": {}}, status=500)
    return render(request, "500.html", status=500)
