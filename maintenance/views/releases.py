"""Pages: releases and upgrade notices, and the satisfaction survey (no login: the signed link
is the key)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.errors import ServiceDeskError
from core.pages import (
    form_messages,
    managers_only,
    message_error,
    page_of,
    staff_only,
)
from maintenance import selectors, services
from maintenance.forms import (
    NoticeForm,
    SurveyForm,
)
from maintenance.models import (
    SurveyInvitation,
)
from maintenance.views.shared import (
    OPEN_NOTICES,
)

# --- releases and upgrade notices ---------------------------------------------------------


@login_required
def release_list(request: HttpRequest) -> HttpResponse:
    """Releases (a customer's: those that reached its projects), newest first; ``?open=1``
    keeps those with upgrades not yet done or declined."""
    releases = selectors.release_list(user=request.user)
    only_open = request.GET.get("open") == "1"
    if only_open:
        releases = releases.filter(notices__status__in=OPEN_NOTICES).distinct()
    page, params = page_of(request, releases)
    return render(request, "maintenance/release_list.html", {"page": page, "params": params, "only_open": only_open})


@login_required
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    release = get_object_or_404(selectors.release_list(user=request.user), pk=pk)
    notices = list(release.notices.all())
    if request.user.is_staff_member:
        for notice in notices:
            if notice.status in OPEN_NOTICES:
                notice.form = NoticeForm(
                    initial={"status": notice.status, "planned_for": notice.planned_for, "notes": notice.notes},
                    auto_id=f"notice-{notice.pk}-%s",
                )
    return render(request, "maintenance/release_detail.html", {"release": release, "notices": notices})


@login_required
@require_POST
def release_publish(request: HttpRequest, pk: int) -> HttpResponse:
    release = get_object_or_404(selectors.release_list(user=request.user), pk=pk)
    managers_only(request.user)
    try:
        count = services.release_publish(release_id=release.pk, actor=request.user)
    except ServiceDeskError as error:
        message_error(request, error)
    else:
        messages.success(
            request,
            ngettext(
                "Published: %(count)d new upgrade notice sent.", "Published: %(count)d new upgrade notices sent.", count
            )
            % {"count": count},
        )
    return redirect("maintenance:release_detail", release.pk)


@login_required
@require_POST
def notice_update(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(selectors.notice_list(user=request.user), pk=pk)
    staff_only(request.user)
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            services.notice_update(notice_id=notice.pk, actor=request.user, **form.cleaned_data)
        except ServiceDeskError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The upgrade of %(project)s was updated.") % {"project": notice.project.name})
    else:
        form_messages(request, form)
    return redirect(reverse("maintenance:release_detail", args=[notice.release_id]) + f"#notice-{notice.pk}")


# --- satisfaction survey (no login: the signed link is the key) ---------------------------


def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The satisfaction survey of a resolved ticket. A forged or expired link answers 400 with
    the reason; a link already answered says so; the one answer becomes the ticket's rating."""
    try:
        ticket = services.survey_ticket(token)
    except ServiceDeskError as error:
        return render(request, "maintenance/survey.html", {"error": error.message}, status=400)
    answered = (
        ticket.rating is not None or SurveyInvitation.objects.filter(ticket=ticket, answered_at__isnull=False).exists()
    )
    form = None if answered else SurveyForm(request.POST or None)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.survey_answer(token=token, **form.cleaned_data)
        except ServiceDeskError as error:
            return render(request, "maintenance/survey.html", {"ticket": ticket, "error": error.message}, status=400)
        return render(request, "maintenance/survey.html", {"ticket": ticket, "thanks": True})
    return render(request, "maintenance/survey.html", {"ticket": ticket, "form": form, "answered": answered})
