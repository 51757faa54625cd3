"""Pages of the email intake, for staff: the inbound emails (waiting for triage first), one
email with its headers, text and original, and the triage actions, each calling its service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import ServiceDeskError
from core.files import stored_file_response
from core.pages import form_error, message_error, page_of, staff_only
from customers.models import Project
from mail import selectors, services
from mail.forms import AddToTicketForm, OpenTicketForm
from mail.models import CcRequest, InboundMessage

Status = InboundMessage.Status

# the list's tabs: what waits first, then what became of the rest
TABS = [
    (Status.TRIAGE, Status.TRIAGE.label),
    (Status.TICKET, Status.TICKET.label),
    (Status.REPLY, Status.REPLY.label),
    (Status.IGNORED, Status.IGNORED.label),
    (Status.QUARANTINED, Status.QUARANTINED.label),
    (Status.DISMISSED, Status.DISMISSED.label),
    ("all", gettext_lazy("All")),
]
BADGES = {
    Status.TRIAGE: "text-bg-warning",
    Status.TICKET: "text-bg-success",
    Status.REPLY: "text-bg-primary",
    Status.IGNORED: "text-bg-secondary",
    Status.QUARANTINED: "text-bg-danger",
    Status.DISMISSED: "text-bg-light border",
}


@login_required
def inbound_list(request: HttpRequest) -> HttpResponse:
    staff_only(request.user)
    show = request.GET.get("status", Status.TRIAGE)
    if show not in Status.values:
        show = "all"
    query = request.GET.get("q", "").strip()[:200]
    records = selectors.inbound_messages(status=None if show == "all" else show, q=query)
    page, params = page_of(request, records)
    for record in page:
        record.badge = BADGES.get(record.status, "text-bg-secondary")
    context = {"page": page, "params": params, "show": show, "tabs": TABS, "query": query}
    return render(request, "mail/inbound_list.html", context)


def _record(pk: int) -> InboundMessage:
    return get_object_or_404(selectors.inbound_messages(), pk=pk)


def _project(value: str | None) -> Project | None:
    if value and value.isdigit():
        return Project.objects.filter(pk=int(value), is_active=True).select_related("organisation").first()
    return None


def _open_form(record: InboundMessage, data=None, project: Project | None = None) -> OpenTicketForm:
    """The form to open a ticket; its reporters narrowed to ``project``'s organisation. A posted
    one offers every contact: the service says why a contact of another organisation cannot be."""
    if data is not None:
        return OpenTicketForm(data, inbound_id=record.pk)
    initial = {"project": project.pk if project else None, "reporter": record.contact_id}
    return OpenTicketForm(inbound_id=record.pk, project=project, initial=initial)


def _detail(request: HttpRequest, record: InboundMessage, open_form=None, add_form=None, status: int = 200):
    actions = record.status == Status.TRIAGE
    if actions:
        if open_form is None:
            project = _project(request.GET.get("project"))
            open_form = _open_form(record, project=project)
            if project is not None and request.GET.get("reporter", "").isdigit():
                open_form.initial["reporter"] = int(request.GET["reporter"])
        if add_form is None:
            add_form = AddToTicketForm(initial={"ticket": record.ticket.reference if record.ticket else ""})
    context = {
        "record": record,
        "badge": BADGES.get(record.status, "text-bg-secondary"),
        "actions": actions,
        "can_dismiss": record.status in (Status.TRIAGE, Status.QUARANTINED),
        "can_retry": record.status == Status.QUARANTINED,
        "open_form": open_form,
        "add_form": add_form,
    }
    return render(request, "mail/inbound_detail.html", context, status=status)


@login_required
def inbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    return _detail(request, _record(pk))


@login_required
def inbound_original(request: HttpRequest, pk: int) -> HttpResponse:
    """The message as it arrived, to download (never shown in the page: it is the sender's)."""
    staff_only(request.user)
    record = _record(pk)
    return stored_file_response(
        record.raw, filename=f"message-{record.pk}.eml", content_type="message/rfc822", inline=False
    )


def _refused(request: HttpRequest, record: InboundMessage, form, error: ServiceDeskError, **forms) -> HttpResponse:
    """A refusal of the service: on the form while the email still waits, else as a message."""
    if record.status == Status.TRIAGE:
        form_error(form, error)
        return _detail(request, record, status=400, **forms)
    message_error(request, error)
    return redirect("mail:detail", pk=record.pk)


@login_required
@require_POST
def inbound_open_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    record = _record(pk)
    form = _open_form(record, request.POST)
    if not form.is_valid():
        return _detail(request, record, open_form=form, status=400)
    try:
        record = services.inbound_open_ticket(inbound_id=record.pk, actor=request.user, **form.cleaned_data)
    except ServiceDeskError as error:
        return _refused(request, record, form, error, open_form=form)
    messages.success(
        request, _("Ticket %(reference)s was opened from the email.") % {"reference": record.ticket.reference}
    )
    return redirect("tickets:detail", pk=record.ticket_id)


@login_required
@require_POST
def inbound_add_to_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    record = _record(pk)
    form = AddToTicketForm(request.POST)
    if not form.is_valid():
        return _detail(request, record, add_form=form, status=400)
    try:
        record = services.inbound_add_to_ticket(inbound_id=record.pk, actor=request.user, **form.cleaned_data)
    except ServiceDeskError as error:
        return _refused(request, record, form, error, add_form=form)
    messages.success(request, _("The email was added to %(reference)s.") % {"reference": record.ticket.reference})
    return redirect("tickets:detail", pk=record.ticket_id)


@login_required
@require_POST
def inbound_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    record = _record(pk)
    try:
        services.inbound_dismiss(inbound_id=record.pk, actor=request.user)
    except ServiceDeskError as error:
        message_error(request, error)
        return redirect("mail:detail", pk=record.pk)
    messages.success(request, _("The email was dismissed."))
    return redirect("mail:list")


@login_required
@require_POST
def inbound_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """File a quarantined email again from its original, once the cause is fixed."""
    staff_only(request.user)
    record = _record(pk)
    try:
        record = services.inbound_retry(inbound_id=record.pk, actor=request.user)
    except ServiceDeskError as error:
        message_error(request, error)
        return redirect("mail:detail", pk=record.pk)
    messages.success(request, _("The email was filed again: %(status)s.") % {"status": record.get_status_display()})
    return redirect("mail:detail", pk=record.pk)


@login_required
@require_POST
def cc_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or refuse a CC address an email asked for (staff), from the ticket page."""
    staff_only(request.user)
    cc_request = get_object_or_404(CcRequest, pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "refuse"):
        messages.error(request, _("Choose to approve or refuse the address."))
        return redirect("tickets:detail", pk=cc_request.ticket_id)
    try:
        services.cc_request_decide(request_id=cc_request.pk, actor=request.user, approve=decision == "approve")
    except ServiceDeskError as error:
        message_error(request, error)
        return redirect("tickets:detail", pk=cc_request.ticket_id)
    if decision == "approve":
        messages.success(request, _("%(address)s is copied on the ticket.") % {"address": cc_request.address})
    else:
        messages.success(request, _("%(address)s was refused.") % {"address": cc_request.address})
    return redirect("tickets:detail", pk=cc_request.ticket_id)
