"""Filters shared by the API's filter sets: strict values, so that bad input is a 400."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _


class StrictBooleanFormField(forms.Field):
    default_error_messages = {"invalid": _("Use true or false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if str(value).lower() not in {"true", "false"}:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return str(value).lower() == "true"


class StrictBooleanFilter(django_filters.BooleanFilter):
    """``?flag=true`` or ``?flag=false``; anything else is a 400 (django-filter reads "null" as unset)."""

    field_class = StrictBooleanFormField
