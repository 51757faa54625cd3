"""The email intake in the admin: admins configure the mailboxes and the routing rules here, and
read every inbound email with what became of it. A mailbox's password is never shown (an empty
field keeps it, except that changing the server, port or security needs it again); the
mailbox of the ``MAIL_IMAP_*`` settings is read-only here, except its default project. A
mailbox whose senders are not verified (no authserv-id, here or in ``MAIL_AUTHSERV_ID``) says
so on its page. CC addresses that emails asked for wait here (and on the ticket page) for staff
to approve or refuse them. Inbound emails are records: nothing of them is changed here; triage happens
on the intake's pages, and the "Dismiss" action goes through the same service. Rules:
docs/email.md."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin import ServiceSavedMixin, fields_of
from core.errors import ServiceDeskError
from mail import services
from mail.models import CcRequest, InboundMessage, Mailbox, RoutingRule

# --- mailboxes ----------------------------------------------------------------------------


class MailboxForm(forms.ModelForm):
    """The password is write-only: the page never carries it, and an empty field keeps it."""

    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Leave empty to keep the current password. Changing the server, port or security needs it entered again."
        ),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "address",
            "host",
            "port",
            "security",
            "username",
            "password",
            "folder",
            "authserv_id",
            "default_project",
            "is_active",
        ]


FROM_SETTINGS_EDITABLE = ["default_project", "authserv_id"]


def unverified_warning() -> str:
    return gettext(
        "Senders of this mailbox are not verified: neither its authserv-id nor MAIL_AUTHSERV_ID is set. Anyone can "
        'write a customer\'s address in From: their email is filed as that customer (marked "sender not verified"); '
        "staff addresses go to triage and no email adds CC addresses. Set the authserv-id of your receiving mail "
        "server (docs/security.md)."
    )


@admin.register(Mailbox)
class MailboxAdmin(ServiceSavedMixin, admin.ModelAdmin):
    """Saved by ``services.mailbox_save`` (the settings' mailbox: only its default project)."""

    form = MailboxForm
    list_display = ["name", "address", "host", "security", "is_active", "last_polled_at", "error"]
    list_filter = ["is_active", "security"]
    search_fields = ["name", "address", "host", "username"]
    list_select_related = ["default_project"]
    autocomplete_fields = ["default_project"]
    fields = [
        "name",
        "address",
        "host",
        "port",
        "security",
        "username",
        "password",
        "folder",
        "authserv_id",
        "default_project",
        "is_active",
        "last_polled_at",
        "last_error",
    ]
    actions = ["poll_now"]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        mailbox = self.get_object(request, object_id)
        if request.method == "GET" and mailbox is not None and not mailbox.effective_authserv_id:
            self.message_user(request, unverified_warning(), messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_fields(self, request: HttpRequest, obj: Mailbox | None = None) -> list[str]:
        if obj is not None and obj.from_settings:
            # the password is never a read-only field: that would print it
            return ["source", *(("password_set" if f == "password" else f) for f in self.fields)]
        return list(self.fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Mailbox | None = None) -> list[str]:
        if obj is not None and obj.from_settings:
            # "password" too, so that the form has no password field to post to
            return [f for f in [*self.get_fields(request, obj), "password"] if f not in FROM_SETTINGS_EDITABLE]
        return ["last_polled_at", "last_error"]

    def has_delete_permission(self, request: HttpRequest, obj: Mailbox | None = None) -> bool:
        # while MAIL_IMAP_HOST names it, the settings' mailbox would come back at the next poll;
        # once it is unset, the row is left over, inactive, until it is deleted here
        if obj is not None and obj.from_settings and settings.MAIL_IMAP_HOST:
            return False
        return super().has_delete_permission(request, obj)

    def service_save(self, request: HttpRequest, obj: Mailbox, data: dict) -> Mailbox:
        editable = set(self.fields) - set(self.get_readonly_fields(request, obj if obj.pk else None))
        return services.mailbox_save(mailbox=obj, **fields_of(data, editable))

    @admin.display(description=_("configured by"))
    def source(self, obj: Mailbox) -> str:
        if not settings.MAIL_IMAP_HOST:
            return gettext(
                "The MAIL_IMAP_* settings, which no longer name a server: it is not polled any more; it may be deleted."
            )
        return gettext(
            "The MAIL_IMAP_* settings (the environment): their values are copied here at every poll "
            "and cannot be changed in the admin. Only the default project is kept from here."
        )

    @admin.display(description=_("password"))
    def password_set(self, obj: Mailbox) -> str:
        return gettext("set (MAIL_IMAP_PASSWORD)") if obj.password else gettext("not set")

    @admin.display(description=_("last error"), ordering="last_error")
    def error(self, obj: Mailbox) -> str:
        return Truncator(obj.last_error).chars(80) if obj.last_error else "—"

    @admin.action(description=_("Poll now"))
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        """Read the selected mailboxes once, as beat does, and say what each gave."""
        for mailbox in queryset.order_by("name"):
            if mailbox.from_settings:
                mailbox = services.mailbox_from_settings() or mailbox  # in step with the settings first
            result = services.mailbox_poll(mailbox=mailbox)
            if result.error:
                self.message_user(
                    request,
                    gettext("%(mailbox)s could not be read: %(error)s") % {"mailbox": mailbox, "error": result.error},
                    messages.ERROR,
                )
                continue
            self.message_user(
                request,
                gettext("%(mailbox)s: %(read)d read, %(new)d new.")
                % {"mailbox": mailbox, "read": result.read, "new": result.new},
                messages.SUCCESS,
            )


# --- routing rules ------------------------------------------------------------------------


@admin.register(RoutingRule)
class RoutingRuleAdmin(ServiceSavedMixin, admin.ModelAdmin):
    """Tried in order (the lowest first); the first active rule whose field contains the text
    and whose project belongs to the sender's organisation chooses the project. Saved by
    ``services.routing_rule_save``."""

    list_display = ["name", "position", "is_active", "mailbox_name", "field", "contains", "project", "priority"]
    list_display_links = ["name"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "mailbox", "field", "project__organisation"]
    list_select_related = ["mailbox", "project", "project__organisation"]
    search_fields = ["name", "contains", "project__name", "project__code"]
    autocomplete_fields = ["project"]
    fields = ["name", "position", "mailbox", "field", "contains", "project", "priority", "is_active"]
    ordering = ["position", "pk"]

    def service_save(self, request: HttpRequest, obj: RoutingRule, data: dict) -> RoutingRule:
        return services.routing_rule_save(rule=obj, **fields_of(data, self.fields))

    @admin.display(description=_("mailbox"), ordering="mailbox__name")
    def mailbox_name(self, obj: RoutingRule) -> str:
        return obj.mailbox.name if obj.mailbox_id else gettext("every mailbox")


# --- inbound emails -----------------------------------------------------------------------


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "sender", "short_subject", "status", "mailbox", "ticket_link", "short_reason"]
    list_filter = ["status", "mailbox"]
    list_select_related = ["mailbox", "ticket"]
    search_fields = ["sender", "sender_name", "subject", "message_id"]
    date_hierarchy = "received_at"
    fields = readonly_fields = [
        "status",
        "reason_shown",
        "ticket_link",
        "original",
        "received_at",
        "mailbox",
        "uid",
        "message_id",
        "sent_at",
        "sender",
        "sender_name",
        "recipients",
        "subject",
        "in_reply_to",
        "references",
        "body",
        "attachment_names",
        "size",
        "contact",
        "handled_by",
        "handled_at",
    ]
    actions = ["dismiss", "retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: InboundMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: InboundMessage | None = None) -> bool:
        # the record is what keeps a message from being filed twice
        return False

    @admin.display(description=_("subject"), ordering="subject")
    def short_subject(self, obj: InboundMessage) -> str:
        return Truncator(obj.subject).chars(80) or "—"

    @admin.display(description=pgettext_lazy("what became of an email", "reason"))
    def short_reason(self, obj: InboundMessage) -> str:
        return Truncator(obj.reason_display).chars(80) or "—"

    @admin.display(description=pgettext_lazy("what became of an email", "reason"))
    def reason_shown(self, obj: InboundMessage) -> str:
        return obj.reason_display or "—"

    @admin.display(description=_("ticket"), ordering="ticket__reference")
    def ticket_link(self, obj: InboundMessage) -> str:
        if not obj.ticket_id:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("tickets:detail", args=[obj.ticket_id]), obj.ticket.reference)

    @admin.display(description=_("original message"))
    def original(self, obj: InboundMessage) -> str:
        if not obj.raw:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("mail:original", args=[obj.pk]), gettext("Download (.eml)"))

    @admin.action(description=_("Dismiss (nothing to file)"))
    def dismiss(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        dismissed = 0
        for record in queryset.order_by("pk"):
            try:
                services.inbound_dismiss(inbound_id=record.pk, actor=request.user)
            except ServiceDeskError as error:
                self.message_user(request, f"{record}: {error.message}", messages.ERROR)
                continue
            dismissed += 1
        if dismissed:
            self.message_user(
                request,
                ngettext("%(count)d email dismissed.", "%(count)d emails dismissed.", dismissed) % {"count": dismissed},
                messages.SUCCESS,
            )

    @admin.action(description=_("File again (quarantined)"))
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        """Read quarantined emails again from their originals, once the cause is fixed."""
        for record in queryset.order_by("pk"):
            try:
                record = services.inbound_retry(inbound_id=record.pk, actor=request.user)
            except ServiceDeskError as error:
                self.message_user(request, f"{record}: {error.message}", messages.ERROR)
                continue
            self.message_user(request, f"{record}: {record.get_status_display()}", messages.SUCCESS)


# --- CC addresses to approve --------------------------------------------------------------


@admin.register(CcRequest)
class CcRequestAdmin(admin.ModelAdmin):
    """Addresses an email asked to copy that are not contacts of the ticket's organisation:
    approved (added to the ticket's CC list) or refused through ``services.cc_request_decide``."""

    list_display = ["address", "ticket_link", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["ticket", "decided_by"]
    search_fields = ["address", "ticket__reference"]
    fields = readonly_fields = ["address", "ticket_link", "inbound", "status", "created_at", "decided_by", "decided_at"]
    actions = ["approve", "refuse"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CcRequest | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CcRequest | None = None) -> bool:
        return False

    @admin.display(description=_("ticket"), ordering="ticket__reference")
    def ticket_link(self, obj: CcRequest) -> str:
        return format_html('<a href="{}">{}</a>', reverse("tickets:detail", args=[obj.ticket_id]), obj.ticket.reference)

    def _decide(self, request: HttpRequest, queryset: QuerySet[CcRequest], approve: bool) -> None:
        done = 0
        for cc_request in queryset.order_by("pk"):
            try:
                services.cc_request_decide(request_id=cc_request.pk, actor=request.user, approve=approve)
            except ServiceDeskError as error:
                self.message_user(request, f"{cc_request.address}: {error.message}", messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d address decided.", "%(count)d addresses decided.", done) % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Approve: copy them on the ticket"))
    def approve(self, request: HttpRequest, queryset: QuerySet[CcRequest]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("Refuse"))
    def refuse(self, request: HttpRequest, queryset: QuerySet[CcRequest]) -> None:
        self._decide(request, queryset, approve=False)
