"""Every admin of ours either saves through its app's service (the API's checks and messages)
or is read-only: the admin is never a second write path around the rules."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from core.admin import InlinesSavedThroughServiceMixin, ServiceSavedMixin

OURS = {"accounts", "customers", "notifications", "tickets", "emergency", "maintenance", "training", "reports", "mail"}
# admins that write directly, each with the reason (none)
EXEMPT: dict[str, str] = {}


def read_only(model_admin, request) -> bool:
    if model_admin.has_add_permission(request):
        return False
    if not model_admin.has_change_permission(request):
        return True
    editable = {f.name for f in model_admin.model._meta.get_fields() if getattr(f, "editable", False)}
    shown = set(model_admin.get_fields(request)) if model_admin.get_fields(request) else editable
    return shown <= set(model_admin.get_readonly_fields(request)) and not model_admin.get_inline_instances(request)


@pytest.mark.django_db
def test_every_admin_saves_through_a_service_or_is_read_only(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    writers = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        if model._meta.app_label not in OURS or label in EXEMPT:
            continue
        if isinstance(model_admin, ServiceSavedMixin | InlinesSavedThroughServiceMixin):
            continue
        if not read_only(model_admin, request):
            writers.append(f"{label} ({type(model_admin).__name__})")
    assert not writers, f"admins that write around the services: {sorted(writers)}"
