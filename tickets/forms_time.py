"""The form of a time entry on the ticket and incident pages, and what a page does with it
posted: the subject's service records it, a refusal becomes a message (403 when not allowed)."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import NotAllowed, ServiceDeskError
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


def time_entry_posted(request, add: Callable[..., object]) -> None:
    """The form as posted: ``add(minutes=, worked_at=, billable=, note=)`` records the entry."""
    form = TimeEntryForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return
    data = form.cleaned_data
    time_entry_written(
        request,
        lambda: add(
            minutes=data["minutes"],
            worked_at=data.get("worked_at"),
            billable=data.get("billable", False),
            note=data.get("note", ""),
        ),
        gettext("The time was recorded."),
    )


def time_entry_written(request, write: Callable[[], object], success: str) -> None:
    """Run a time entry's write: its success or its refusal as a message; not allowed is 403."""
    try:
        write()
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceDeskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
