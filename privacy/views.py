"""Pages: a person's own data (every signed-in user), and for admins another user's export and
erasure (linked from the user's security page, ``templates/privacy/_user_actions.html``)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from privacy.services.erasure import contact_erase, erasure_refusal, is_erased
from privacy.services.export import export_filename, personal_data_export_file


def admins_only(user: User) -> None:
    if not user.is_admin:
        raise PermissionDenied


def zip_response(*, user: User, actor: User) -> FileResponse:
    response = FileResponse(
        personal_data_export_file(user=user, actor=actor),
        as_attachment=True,
        filename=export_filename(user),
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def my_data(request: HttpRequest) -> FileResponse:
    """The signed-in person's own ZIP."""
    return zip_response(user=request.user, actor=request.user)


@login_required
@require_GET
def user_export(request: HttpRequest, user_id: int) -> FileResponse:
    admins_only(request.user)
    subject = get_object_or_404(User, pk=user_id)
    return zip_response(user=subject, actor=request.user)


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that this cannot be undone."),
        error_messages={"required": gettext_lazy("Tick the box to confirm the erasure.")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_erase(request: HttpRequest, user_id: int) -> HttpResponse:
    """The confirm page (what happens, what is refused) and the erasure itself."""
    admins_only(request.user)
    subject = get_object_or_404(User.objects.select_related("organisation"), pk=user_id)
    form = EraseForm(request.POST if request.method == "POST" else None)
    erased = is_erased(subject)
    refusal = None if erased else erasure_refusal(subject)
    if request.method == "POST" and form.is_valid():
        try:
            contact_erase(user=subject, actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The contact's personal data has been erased."))
            return redirect("privacy:user_erase", user_id=subject.pk)
    errors = list(form.non_field_errors()) if form.is_bound else []
    if refusal and refusal not in errors:
        errors.insert(0, refusal)
    return render(
        request, "privacy/erase_confirm.html", {"subject": subject, "form": form, "erased": erased, "errors": errors}
    )
