"""Admin plumbing the apps share: saving through a service function with its refusals shown
on the form, staff-only user choices, read-only inlines."""

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts.models import User
from servicedesk.errors import ServiceDeskError


class _DryRun(Exception):
    """Rolls back the savepoint of a service run only to check the form."""


class ServiceSavedMixin:
    """For an admin whose objects are saved by a service function (``service_save``). The form is
    checked by running the same function on a copy in a savepoint that is rolled back, so a
    rule the service enforces is reported on the form, not as a server error."""

    def service_save(self, request: HttpRequest, obj: models.Model, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def get_form(self, request: HttpRequest, obj: models.Model | None = None, change: bool = False, **kwargs: Any):
        base = super().get_form(request, obj, change, **kwargs)
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
                except ServiceDeskError as error:
                    self.add_error(error.field if error.field in self.fields else None, error.message)

        return ServiceCheckedForm

    def save_model(self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool) -> None:
        self.service_save(request, obj, form.cleaned_data)


def staff_users() -> QuerySet[User]:
    return User.objects.filter(Q(is_superuser=True) | ~Q(role=User.Role.CUSTOMER), is_active=True)


class StaffChoiceMixin:
    """Foreign keys named in ``staff_fields`` offer active staff users only."""

    staff_fields: tuple[str, ...] = ()

    def formfield_for_foreignkey(self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any):
        if db_field.name in self.staff_fields:
            kwargs["queryset"] = staff_users().order_by("first_name", "last_name", "username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False
