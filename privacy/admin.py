"""The Django admin: the retention runs (read-only), and two actions on the user changelist,
"Export personal data" and "Erase contact".

``accounts`` may not import ``privacy`` (the layers), so the actions are added here to the
registered ``UserAdmin`` instance: privacy comes after accounts in INSTALLED_APPS, so its admin
module is imported (autodiscover) once the user admin is registered, and the actions join
whatever actions that admin already has.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from core.admin import ReadOnlyAdmin
from privacy.models import RetentionRun
from privacy.services.erasure import contact_erase, erasure_refusal
from privacy.views import zip_response


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "finished_at",
        "dry_run",
        "attachments_removed",
        "original_emails_removed",
        "bytes_freed",
        "error_count",
    ]
    list_filter = ["dry_run"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "started_at",
        "finished_at",
        "dry_run",
        "attachment_days",
        "original_email_days",
        "attachments_removed",
        "original_emails_removed",
        "bytes_freed",
        "errors",
        "removed",
    ]

    @admin.display(description=gettext_lazy("errors"))
    def error_count(self, run: RetentionRun) -> int:
        return len(run.errors)


@admin.action(description=gettext_lazy("Export personal data (one user)"))
def export_personal_data(modeladmin, request: HttpRequest, queryset) -> HttpResponse | None:
    if not request.user.is_admin:
        raise PermissionDenied
    users = list(queryset[:2])
    if len(users) != 1:
        modeladmin.message_user(request, _("Select exactly one user to export."), messages.ERROR)
        return None
    return zip_response(user=users[0], actor=request.user)


@admin.action(description=gettext_lazy("Erase contact (not undoable)"))
def erase_contact(modeladmin, request: HttpRequest, queryset) -> HttpResponse | None:
    """A confirm page listing each selected user with what refuses them; erased on "Yes"."""
    if not request.user.is_admin:
        raise PermissionDenied
    users = list(queryset.select_related("organisation").order_by("pk"))
    if request.POST.get("confirmed") != "yes":
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": _("Erase contacts"),
            "opts": modeladmin.model._meta,
            "rows": [(user, erasure_refusal(user)) for user in users],
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "privacy/admin_erase_confirm.html", context)
    erased = 0
    for user in users:
        try:
            contact_erase(user=user, actor=request.user)
        except ValidationError as error:
            modeladmin.message_user(request, f"{user}: {' '.join(error.messages)}", messages.ERROR)
        else:
            erased += 1
    if erased:
        modeladmin.message_user(
            request,
            ngettext("%(count)d contact erased.", "%(count)d contacts erased.", erased) % {"count": erased},
            messages.SUCCESS,
        )
    return None


def add_user_actions() -> None:
    user_admin = admin.site._registry.get(User)
    if user_admin is None:  # pragma: no cover (accounts registers it first)
        return
    actions = list(user_admin.actions or [])
    for action in (export_personal_data, erase_contact):
        if action not in actions:
            actions.append(action)
    user_admin.actions = actions


add_user_actions()
