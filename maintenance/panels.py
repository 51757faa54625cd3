"""The coverage panel on the ticket page (registered with ``tickets.panels``), and how the
history line of a coverage decision reads (registered with ``tickets.presenters``).

Staff see the decided coverage (or, before the root cause is recorded, the provisional verdict
for a repair on the day the ticket was received), the form to record the root cause, and the
billable work with its forms. Customers see the decision with its reason, and the billable
work, once there is something to see.
"""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from maintenance import selectors, services
from maintenance.forms import BillableItemForm, CoverageForm
from maintenance.models import Cause, Decision
from tickets.models import Ticket


def coverage_panel(request: HttpRequest, ticket: Ticket) -> str:
    user = request.user
    if not user.is_authenticated:
        return ""
    decided = selectors.ticket_coverage(ticket_id=ticket.pk)
    items = list(selectors.billable_items(ticket_id=ticket.pk))
    context = {"ticket": ticket, "decided": decided, "items": items}
    if user.is_staff_member:
        provisional = services.ticket_verdict(ticket, None) if decided is None else None
        context.update(
            provisional=provisional,
            provisional_label=Decision(provisional.decision).label if provisional else "",
            cause_form=CoverageForm(initial={"cause": decided.cause if decided else None}, auto_id="coverage-%s"),
            item_form=BillableItemForm(auto_id="billable-%s"),
        )
    elif decided is None and not items:
        return ""
    return render_to_string("maintenance/_coverage_panel.html", context, request=request)


def coverage_line(data: dict) -> str:
    """ "Free (product quality)": the decision and the cause, in the active language."""
    decision = str(Decision(data["decision"]).label) if data.get("decision") in Decision.values else ""
    if data.get("cause") in Cause.values:
        return _("%(decision)s (%(cause)s)") % {"decision": decision, "cause": Cause(data["cause"]).label}
    return decision
