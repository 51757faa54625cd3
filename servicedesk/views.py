from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import Team
from accounts.selectors import teams_with_members
from customers import selectors as customer_selectors
from servicedesk import health


@login_required
def home(request):
    user = request.user
    context = {"projects": customer_selectors.project_list(user=user).filter(is_active=True)[:20]}
    if user.is_staff_member:
        context["organisation_count"] = customer_selectors.organisation_list(user=user).filter(is_active=True).count()
        context["emergency_teams"] = teams_with_members().exclude(kind=Team.Kind.SUPPORT)
    return render(request, "home.html", context)


@never_cache
@require_GET
def healthz(request):
    database, broker = health.database_ok(), health.broker_ok()
    body = {
        "status": "ok" if database and broker else "unavailable",
        "database": "ok" if database else "unavailable",
        "broker": "ok" if broker else "unavailable",
        "worker_heartbeat": health.heartbeat_last(),
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
