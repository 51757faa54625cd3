"""Filters shared by the API's filter sets: strict values, so that bad input is a 400."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


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


@extend_schema_field(OpenApiTypes.INT)
class StrictIntegerFilter(django_filters.NumberFilter):
    """A whole number: ``?ticket=0.5`` is a 400, not a match on nothing."""

    field_class = forms.IntegerField


class StrictFilterSet(django_filters.FilterSet):
    """A filter set where a parameter sent empty (``?due_before=``) is a 400, not "no filter";
    text filters may still be empty."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, declared in self.filters.items():
            if name not in self.data or isinstance(declared, django_filters.CharFilter):
                continue
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data[name]]
            if any(value == "" for value in values):
                self.form.add_error(name, _("A value is required."))
                valid = False
        return valid
