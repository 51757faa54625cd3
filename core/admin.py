"""Admin plumbing the apps share: saving through a service function with its refusals shown
on the form, read-only inlines."""

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest

from core.errors import ServiceDeskError


class _DryRun(Exception):
    """Rolls back the savepoint of a service run only to check the form."""


class ServiceSavedMixin:
    """For an admin whose objects are saved by a service function (``service_save``). The form is
    checked by running the same function on a copy in a savepoint that is rolled back, so a
    rule the service enforces is reported on the form, not as a server error."""

    def service_save(self, request: HttpRequest, obj: models.Model, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def get_form(self, request: HttpRequest, obj: models.Model | None = None, change: bool = False, **kwargs: Any):
        base = super().get_form(request, obj, change=change, **kwargs)
        admin_ = self

        class ServiceCheckedForm(base):
            def _post_clean(self) -> None:
                super()._post_clean()
                if self.errors:
                    return
                try:
                    with transaction.atomic():
                        admin_.service_save(request, copy.copy(self.instance), self.cleaned_data)
                        raise _DryRun
                except _DryRun:
                    pass
                except (ServiceDeskError, ValidationError) as error:
                    for field, message in _by_field(error):
                        self.add_error(field if field in self.fields else None, message)

        return ServiceCheckedForm

    def save_model(self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool) -> None:
        _keep_pk(obj, self.service_save(request, obj, form.cleaned_data))


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> list[str]:
        return list(self.fields or ()) or list(super().get_readonly_fields(request, obj))


def _keep_pk(obj: models.Model, saved: Any) -> None:
    """A service that made its own instance: the admin's redirect and log need its key."""
    if isinstance(saved, models.Model) and saved is not obj:
        obj.pk = saved.pk


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that other paths write (the pages, the API, the workers): read here, never changed."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


def fields_of(data: dict[str, Any], names) -> dict[str, Any]:
    """The form's cleaned values of the fields a service takes."""
    return {name: data[name] for name in names if name in data}


class _Refused(Exception):
    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _by_field(error: Exception) -> list[tuple[str | None, str]]:
    """(field or None, message) of a service's refusal."""
    if isinstance(error, ServiceDeskError):
        return [(error.field, error.message)]
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return [(field, message) for field, messages in error.message_dict.items() for message in messages]
    return [(None, message) for message in getattr(error, "messages", [str(error)])]


class InlinesSavedThroughServiceMixin:
    """For an admin whose object and its inline rows are saved together by one service
    function: ``service_save(request, obj, data, inlines)``, with ``inlines`` the kept rows
    (``cleaned_data``) of each inline by its model's name. The service is the only writer, so
    its checks and messages are the API's; a refusal shows the change form again with the
    service's messages and nothing saved."""

    def service_save(
        self, request: HttpRequest, obj: models.Model, data: dict[str, Any], inlines: dict[str, list[dict[str, Any]]]
    ) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool) -> None:
        """Saved with its inline rows by the service, in ``save_related``."""

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        inlines = {
            formset.model._meta.model_name: [
                row.cleaned_data
                for row in formset.forms
                if row.cleaned_data and not row.cleaned_data.get("DELETE") and row not in formset.deleted_forms
            ]
            for formset in formsets
        }
        try:
            _keep_pk(form.instance, self.service_save(request, form.instance, form.cleaned_data, inlines))
        except (ServiceDeskError, ValidationError) as error:
            raise _Refused(error) from error
        for formset in formsets:  # what the admin's change message reads of a saved formset
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def changeform_view(self, request: HttpRequest, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:  # rolled back: the same POST again, with the refusal on the form
            request.service_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: models.Model | None = None, change: bool = False, **kwargs: Any):
        base = super().get_form(request, obj, change=change, **kwargs)

        class RefusalShownForm(base):
            def clean(self):
                cleaned = super().clean()
                refusal = getattr(request, "service_refusal", None)
                for field, message in _by_field(refusal) if refusal is not None else []:
                    self.add_error(field if field in self.fields else None, message)
                return cleaned

        return RefusalShownForm
