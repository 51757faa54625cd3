"""Form widgets the pages share."""

from django import forms


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's own date and time picker, in the user's time zone."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)
