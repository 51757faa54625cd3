"""Form widgets the pages share."""

from django import forms


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's own date and time picker, in the user's time zone."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class AssetSelect(forms.Select):
    """A select of installed products whose options carry their project (``data-project``), so
    that the page shows only the chosen project's (static/js/asset_picker.js)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-project"] = str(instance.project_id)
        return option
