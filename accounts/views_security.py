"""Pages of sessions and security: a person's own (their sessions, API tokens and sign-in
activity), an admin's view of another person's with "end all sessions and revoke all tokens",
the admins' user search, and the audit log with its CSV and XLSX exports."""

import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from accounts import selectors, selectors_security, services
from accounts.models import ApiToken, AuditEvent, User, UserSession
from accounts.services import sessions as session_services
from core.spreadsheets import safe_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 100_000  # lines in one export: narrow the filters for more


def _admin_only(request: HttpRequest) -> None:
    if not request.user.is_admin:
        raise PermissionDenied


def _security_context(request: HttpRequest, subject: User) -> dict[str, Any]:
    own = subject.pk == request.user.pk
    current = request.session.session_key if own else ""
    return {
        "subject": subject,
        "own": own,
        "sessions": selectors_security.session_rows(
            selectors_security.live_sessions(user=subject), current_key=current or ""
        ),
        "api_tokens": selectors.user_api_tokens(user=subject).order_by("-created_at", "-pk"),
        "activity": selectors_security.user_activity(user=subject),
    }


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The signed-in person's sessions, API tokens and recent sign-in activity."""
    return render(request, "accounts/security.html", _security_context(request, request.user))


@login_required
@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End one of the signed-in person's sessions; another person's is a 404."""
    try:
        row = session_services.session_end_of(user=request.user, session_id=pk, actor=request.user)
    except UserSession.DoesNotExist as error:
        raise Http404 from error
    device = selectors_security.device_label(row.user_agent)
    if row.session_key == request.session.session_key:
        request.session.flush()  # this very browser: it is signed out now
        return redirect("accounts:login")
    messages.success(request, _("The session on %(device)s was ended.") % {"device": device})
    return redirect("accounts:security")


@login_required
@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    """End every session of the signed-in person but this one."""
    count = session_services.sessions_end_all(
        user=request.user, actor=request.user, keep_key=request.session.session_key
    )
    messages.success(
        request,
        ngettext("%(count)d other session was ended.", "%(count)d other sessions were ended.", count)
        % {"count": count},
    )
    return redirect("accounts:security")


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the signed-in person's API tokens, back on this page; another's is a 404."""
    try:
        token = services.api_token_revoke_own(user=request.user, token_id=pk)
    except ApiToken.DoesNotExist as error:
        raise Http404 from error
    messages.success(request, _("The API token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:security")


# --- admins: users and another person's security ------------------------------------------------


class _BootstrapForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-select form-select-sm" if isinstance(field, forms.ChoiceField) else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)


class UserSearchForm(_BootstrapForm):
    q = forms.CharField(label=gettext_lazy("Name, username or email"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), required=False, choices=[("", gettext_lazy("Any role")), *User.Role.choices]
    )


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = UserSearchForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    users = selectors_security.users_search(query=data.get("q", ""), role=data.get("role", ""))
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/users.html", {"form": form, "page": page, "query_string": query.urlencode()})


def _subject(request: HttpRequest, user_id: int) -> User:
    _admin_only(request)
    return get_object_or_404(User, pk=user_id)


@login_required
def user_security(request: HttpRequest, user_id: int) -> HttpResponse:
    """An admin's view of a person's sessions, tokens and audit lines."""
    subject = _subject(request, user_id)
    return render(request, "accounts/security_user.html", _security_context(request, subject))


@login_required
@require_POST
def user_session_end(request: HttpRequest, user_id: int, pk: int) -> HttpResponse:
    subject = _subject(request, user_id)
    try:
        row = session_services.session_end_of(user=subject, session_id=pk, actor=request.user)
    except UserSession.DoesNotExist as error:
        raise Http404 from error
    messages.success(
        request, _("The session on %(device)s was ended.") % {"device": selectors_security.device_label(row.user_agent)}
    )
    return redirect("accounts:user_security", subject.pk)


@login_required
@require_POST
def user_token_revoke(request: HttpRequest, user_id: int, pk: int) -> HttpResponse:
    subject = _subject(request, user_id)
    token = get_object_or_404(selectors.user_api_tokens(user=subject), pk=pk)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("The API token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:user_security", subject.pk)


@login_required
@require_POST
def user_sign_out_everywhere(request: HttpRequest, user_id: int) -> HttpResponse:
    subject = _subject(request, user_id)
    ended, revoked = session_services.user_sign_out_everywhere(user=subject, actor=request.user)
    messages.success(
        request,
        _("%(sessions)s and %(tokens)s of %(name)s.")
        % {
            "sessions": ngettext("%(count)d session ended", "%(count)d sessions ended", ended) % {"count": ended},
            "tokens": ngettext("%(count)d API token revoked", "%(count)d API tokens revoked", revoked)
            % {"count": revoked},
            "name": subject,
        },
    )
    if subject.pk == request.user.pk:
        request.session.flush()  # this browser's session was among them
        return redirect("accounts:login")
    return redirect("accounts:user_security", subject.pk)


# --- admins: the audit log ----------------------------------------------------------------------


class AuditFilterForm(_BootstrapForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("What"), required=False, choices=[("", gettext_lazy("Everything")), *AuditEvent.Kind.choices]
    )
    username = forms.CharField(label=gettext_lazy("User"), required=False, max_length=150)
    address = forms.GenericIPAddressField(label=gettext_lazy("Client address"), required=False)
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label=gettext_lazy("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def filters(self) -> dict[str, Any]:
        """The selector's filters; dates are days of the viewer's time zone."""
        data = self.cleaned_data

        def start_of(day: datetime.date) -> datetime.datetime:
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

        return {
            "kind": data.get("kind") or "",
            "username": (data.get("username") or "").strip(),
            "address": data.get("address") or "",
            "since": start_of(data["since"]) if data.get("since") else None,
            "until": start_of(data["until"] + datetime.timedelta(days=1)) if data.get("until") else None,
        }


def _audit_filtered(request: HttpRequest) -> tuple[AuditFilterForm, Any]:
    form = AuditFilterForm(request.GET or None)
    if request.GET and form.is_valid():
        return form, selectors_security.audit_events(**form.filters())
    if request.GET:  # errors: the form shows them, the list is empty
        return form, AuditEvent.objects.none()
    return form, selectors_security.audit_events()


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form, events = _audit_filtered(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query_string": query.urlencode()}
    return render(request, "accounts/audit.html", context)


def _export_header() -> list[str]:
    return [
        _("At"),
        _("What"),
        _("Kind"),
        _("User"),
        _("User id"),
        _("Done by"),
        _("Client address"),
        _("Method"),
        _("User agent"),
        _("Detail"),
    ]


def _export_rows(events: Iterable[AuditEvent]) -> Iterator[list[Any]]:
    for event in events:
        yield [
            timezone.localtime(event.at).isoformat(),
            safe_cell(str(event.get_kind_display())),
            event.kind,
            safe_cell(event.username),
            event.user_id,
            safe_cell(event.actor.get_username()) if event.actor_id else "",
            event.address or "",
            safe_cell(event.method),
            safe_cell(event.user_agent),
            safe_cell(json.dumps(event.detail, ensure_ascii=False, sort_keys=True)) if event.detail else "",
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def audit_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered lines as CSV (UTF-8 with a byte-order mark) or XLSX; times in ISO 8601 in
    the viewer's time zone; at most ``EXPORT_LIMIT`` lines, newest first."""
    _admin_only(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form, events = _audit_filtered(request)
    if request.GET and not form.is_valid():
        return render(request, "accounts/audit.html", {"form": form, "page": None}, status=400)
    events = events[:EXPORT_LIMIT]
    name = f"audit-log-{timezone.localdate():%Y-%m-%d}"
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def lines() -> Iterator[str]:
            yield "\ufeff"
            yield writer.writerow(_export_header())
            for row in _export_rows(events.iterator(chunk_size=2000)):
                yield writer.writerow(["" if value is None else value for value in row])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Audit log")[:31])
    sheet.append(_export_header())
    for row in _export_rows(events.iterator(chunk_size=2000)):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
