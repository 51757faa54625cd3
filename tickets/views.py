"""Pages: the customer portal and the engineer queue share the ticket list and page; what each
role sees and may do differs inside them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import NotAllowed, ServiceDeskError
from core.files import stored_file_response
from tickets import escalation, live, panels, selectors, services, sla, views_live
from tickets.forms import (
    AssignForm,
    BulkAssignForm,
    CCForm,
    DispatchForm,
    LeaveSiteForm,
    PriorityForm,
    RateForm,
    ReplyForm,
    StatusForm,
    TicketForm,
)
from tickets.models import Ticket
from tickets.services import CUSTOMER_TRANSITIONS, TRANSITIONS


def _with_clocks(tickets, now):
    for ticket in tickets:
        ticket.clock_states = [(clock, sla.clock_state(clock, now)) for clock in ticket.clocks.all()]
    return tickets


@login_required
def ticket_create(request):
    form = TicketForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        files = data.pop("attachments", [])
        for name in ("reporter", "received_at", "channel"):
            if not data.get(name):
                data.pop(name, None)
        try:
            ticket = services.ticket_create(actor=request.user, attachments=files, **data)
        except ValidationError as error:
            form.add_error(None, error)
        except ServiceDeskError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Ticket %(reference)s was filed.") % {"reference": ticket.reference})
            return redirect("tickets:detail", pk=ticket.pk)
    return render(request, "tickets/ticket_form.html", {"form": form, "asides": panels.render_form_asides(request)})


def _allowed_statuses(ticket, user):
    allowed = TRANSITIONS.get(ticket.status, set())
    if user.is_customer:
        allowed = {new for new in allowed if (ticket.status, new) in CUSTOMER_TRANSITIONS}
    return [choice for choice in Ticket.Status.choices if choice[0] in allowed]


@login_required
def ticket_detail(request, pk: int, reply_form=None, **stale):
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    user = request.user
    now = timezone.now()
    _with_clocks([ticket], now)
    visits = list(ticket.visits.select_related("engineer"))
    timeline = selectors.ticket_timeline(ticket=ticket, user=user)
    context = {
        "ticket": ticket,
        "timeline": timeline,
        "live_seen": live.seen_of(timeline),  # the live page and the reply form: the newest entry shown
        **stale,  # a reply held back over newer entries (views_live.reply_if_stale)
        "attachments": selectors.ticket_attachments(ticket=ticket, user=user).filter(comment__isnull=True),
        "visits": visits,
        "on_the_way": any(visit.arrived_at is None for visit in visits),
        "on_site": any(visit.arrived_at and visit.left_site_at is None for visit in visits),
        "reply_form": reply_form or ReplyForm(user=user, initial={"seen": live.seen_of(timeline)}),
        "cc_form": CCForm(initial={"cc": ", ".join(ticket.cc)}),
        "statuses": _allowed_statuses(ticket, user),
        "panels": panels.render_panels(request, ticket),
    }
    if user.is_staff_member:
        escalated = [clock for clock, _state in ticket.clock_states if clock.escalation_policy_id]
        context.update(
            escalating=[clock for clock in escalated if clock.acknowledged_at is None],
            acknowledged=[clock for clock in escalated if clock.acknowledged_at is not None],
            assign_form=AssignForm(initial={"assignee": ticket.assignee_id, "team": ticket.team_id}),
            priority_form=PriorityForm(initial={"priority": ticket.priority}),
            dispatch_form=DispatchForm(),
            leave_form=LeaveSiteForm(),
        )
    elif ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        context["rate_form"] = RateForm(initial={"rating": ticket.rating})
    return render(request, "tickets/ticket_detail.html", context)


def _act(request, pk: int, form_class, call, success: str, **form_kwargs):
    """Run one ticket action from a POSTed form; errors come back as messages on the ticket page."""
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    form = form_class(request.POST, request.FILES or None, **form_kwargs)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("tickets:detail", pk=ticket.pk)
    try:
        call(ticket, form.cleaned_data)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error  # the 403 page
    except ServiceDeskError as error:
        messages.error(request, error.message)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("tickets:detail", pk=ticket.pk)


@login_required
@require_POST
def ticket_reply(request, pk: int):
    held = views_live.reply_if_stale(request, pk)  # newer entries from others: not sent, the page again
    if held is not None:
        return held

    def call(ticket, data):
        services.comment_add_with_time(  # with the time spent, if staff gave it (one transaction)
            ticket_id=ticket.pk,
            actor=request.user,
            body=data["body"],
            public=data.get("public", True) if request.user.is_staff_member else True,
            attachments=data.get("attachments", []),
            time_minutes=data.get("time_minutes"),
            billable=data.get("billable", False),
        )

    return _act(request, pk, ReplyForm, call, _("Your message was added."), user=request.user)


@login_required
@require_POST
def ticket_cc(request, pk: int):
    """Who else gets the public replies by email: staff, or a contact of the ticket's organisation
    (customers of another organisation do not see the ticket: 404)."""

    def call(ticket, data):
        services.ticket_set_cc(ticket_id=ticket.pk, actor=request.user, cc=data["cc"])

    return _act(request, pk, CCForm, call, _("The CC list was saved."))


@login_required
@require_POST
def ticket_status(request, pk: int):
    def call(ticket, data):
        services.ticket_update(ticket_id=ticket.pk, actor=request.user, status=data["status"])

    return _act(request, pk, StatusForm, call, _("The status was changed."))


@login_required
@require_POST
def ticket_priority(request, pk: int):
    def call(ticket, data):
        services.ticket_update(ticket_id=ticket.pk, actor=request.user, priority=data["priority"])

    return _act(request, pk, PriorityForm, call, _("The priority was changed."))


@login_required
@require_POST
def ticket_assign(request, pk: int):
    def call(ticket, data):
        services.ticket_assign(ticket_id=ticket.pk, actor=request.user, assignee=data["assignee"], team=data["team"])

    return _act(request, pk, AssignForm, call, _("The ticket was assigned."))


@login_required
@require_POST
def ticket_dispatch(request, pk: int):
    def call(ticket, data):
        services.ticket_dispatch(
            ticket_id=ticket.pk,
            actor=request.user,
            engineer=data["engineer"],
            expected_arrival_at=data["expected_arrival_at"],
        )

    return _act(request, pk, DispatchForm, call, _("The engineer was dispatched."))


@login_required
@require_POST
def ticket_arrive(request, pk: int):
    def call(ticket, data):
        services.ticket_arrive(ticket_id=ticket.pk, actor=request.user)

    return _act(request, pk, forms.Form, call, _("The arrival was recorded."))


@login_required
@require_POST
def ticket_leave_site(request, pk: int):
    def call(ticket, data):
        services.ticket_leave_site(ticket_id=ticket.pk, actor=request.user, work_done=data["work_done"])

    return _act(request, pk, LeaveSiteForm, call, _("The visit was recorded."))


@login_required
@require_POST
def ticket_rate(request, pk: int):
    def call(ticket, data):
        services.ticket_rate(ticket_id=ticket.pk, actor=request.user, rating=data["rating"], comment=data["comment"])

    return _act(request, pk, RateForm, call, _("Thank you for your rating."))


@login_required
@require_POST
def bulk_assign(request):
    if not request.user.is_staff_member:
        raise PermissionDenied
    form = BulkAssignForm(request.POST)
    form.fields["tickets"].queryset = selectors.ticket_list(user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose tickets and an engineer or team."))
        return redirect("tickets:list")
    done = 0
    for ticket in form.cleaned_data["tickets"]:
        try:
            services.ticket_assign(
                ticket_id=ticket.pk,
                actor=request.user,
                assignee=form.cleaned_data["assignee"],
                team=form.cleaned_data["team"],
            )
            done += 1
        except ServiceDeskError as error:
            messages.error(request, f"{ticket.reference}: {error.message}")
    messages.success(request, _("%(count)d tickets were assigned.") % {"count": done})
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("tickets:list")


@login_required
def attachment_download(request, pk: int, attachment_pk: int):
    """Files are served only to those who may see the ticket (and, for customers, public ones)."""
    ticket = selectors.ticket_get(user=request.user, pk=pk)
    attachment = get_object_or_404(selectors.ticket_attachments(ticket=ticket, user=request.user), pk=attachment_pk)
    return stored_file_response(attachment.file, filename=attachment.name, content_type=attachment.content_type)


@login_required
@require_POST
def ticket_acknowledge(request, pk: int):
    def call(ticket, data):
        escalation.ticket_acknowledge(ticket_id=ticket.pk, actor=request.user)

    return _act(request, pk, forms.Form, call, _("You acknowledged the escalation; no further steps will be taken."))


def acknowledge_link(request, token: str):
    """The link in an escalation message: whoever got it can take the escalation from a phone
    without signing in. GET asks (so that mail scanners opening links change nothing), POST does."""
    reader = escalation.acknowledge_reader(token)
    if reader is None:
        return render(request, "tickets/acknowledge.html", {"invalid": True}, status=400)
    ticket, user = reader
    done = False
    if request.method == "POST":
        try:
            escalation.ticket_acknowledge(ticket_id=ticket.pk, actor=user)
        except ServiceDeskError as error:
            messages.info(request, error.message)
        else:
            done = True
    return render(request, "tickets/acknowledge.html", {"ticket": ticket, "person": user, "done": done})
