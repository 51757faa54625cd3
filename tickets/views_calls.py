"""The ticket page's "Log a call" form (staff): a call with the customer, written as a public
reply marked as a call; it meets the first response and restarts the update target."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tickets import services
from tickets.views import _act


class LogCallForm(forms.Form):
    summary = forms.CharField(
        label=gettext_lazy("What was said"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("The customer sees it in the history; it is not emailed."),
    )


@login_required
@require_POST
def ticket_log_call(request, pk: int):
    def call(ticket, data):
        services.ticket_log_call(ticket_id=ticket.pk, actor=request.user, summary=data["summary"])

    return _act(request, pk, LogCallForm, call, _("The call was logged."))
