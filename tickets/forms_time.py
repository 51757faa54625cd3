"""The form of a time entry on the ticket and incident pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import DateTimeLocalInput
from tickets.models import MAX_MINUTES


class TimeEntryForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("Minutes"), min_value=1, max_value=MAX_MINUTES, help_text=_("Whole minutes, up to a day (1440).")
    )
    worked_at = forms.DateTimeField(
        label=_("When"), required=False, widget=DateTimeLocalInput(), help_text=_("Now, if left empty.")
    )
    billable = forms.BooleanField(label=_("Billable"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, prefix: str = "time", **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
