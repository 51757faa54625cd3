from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import ApiToken, AuditEvent, CalendarLink, Team, TeamMembership, User, UserSession
from core.admin import InlinesSavedThroughServiceMixin, ReadOnlyAdmin, ServiceSavedMixin, fields_of


@admin.register(User)
class UserAdmin(ServiceSavedMixin, DjangoUserAdmin):
    """New users by ``services.user_create`` (the password policy, a customer's organisation),
    changes by ``services.user_update``; the password on Django's own page."""

    list_display = ["username", "get_full_name", "email", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active", "organisation"]
    list_select_related = ["organisation"]
    search_fields = ["username", "first_name", "last_name", "email", "phone"]
    autocomplete_fields = ["organisation"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Service desk"), {"fields": ("role", "organisation", "phone", "job_title", "time_zone", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Service desk"), {"fields": ("role", "organisation", "email", "first_name", "last_name", "phone")}),
    )

    actions = ["reset_two_factor", "sign_out_everywhere"]

    @admin.action(description=_("End all sessions and revoke all tokens"), permissions=["change"])
    def sign_out_everywhere(self, request, queryset):
        """Every browser and API client of the selected people has to sign in again."""
        from accounts.services.sessions import user_sign_out_everywhere

        results = [user_sign_out_everywhere(user=user, actor=request.user) for user in queryset.order_by("pk")]
        ended, revoked = sum(r[0] for r in results), sum(r[1] for r in results)
        message = _("%(sessions)d sessions ended and %(tokens)d API tokens revoked.")
        self.message_user(request, message % {"sessions": ended, "tokens": revoked}, messages.SUCCESS)

    @admin.action(description=_("Reset the second factor"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        """A lost phone: the selected people's authenticator apps and recovery codes are removed."""
        from accounts.services import two_factor

        if not request.user.is_admin:
            self.message_user(request, _("Only an administrator can reset a second factor."), messages.ERROR)
            return
        count = sum(two_factor.factor_reset(user=user, actor=request.user, request=request) for user in queryset)
        message = ngettext("%(count)d second factor reset.", "%(count)d second factors reset.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    def service_save(self, request, obj, data):
        if obj.pk is None:
            organisation = data.get("organisation")
            return services.user_create(
                username=data["username"],
                password=data.get("password1") or None,
                role=data.get("role") or User.Role.CUSTOMER,
                organisation_id=organisation.pk if organisation else None,
                **fields_of(data, ["email", "first_name", "last_name", "phone"]),
            )
        extra = fields_of(data, ["groups", "user_permissions", "username", "date_joined", "last_login"])
        obj.username = extra.get("username", obj.username)
        return services.user_update(
            user=obj,
            groups=extra.get("groups"),
            user_permissions=extra.get("user_permissions"),
            **fields_of(data, services.USER_FIELDS),
        )


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(InlinesSavedThroughServiceMixin, admin.ModelAdmin):
    """Saved by ``services.team_save`` with its members: staff only, one team per emergency kind."""

    list_display = ["name", "kind", "email", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = list(services.TEAM_FIELDS)
    inlines = [TeamMembershipInline]

    def service_save(self, request, obj, data, inlines):
        members = [
            (row["user"], row.get("position") or TeamMembership.Position.MEMBER) for row in inlines["teammembership"]
        ]
        return services.team_save(team=obj, members=members, **fields_of(data, services.TEAM_FIELDS))


class StaffChoiceMixin:
    """For other apps' admins: foreign keys named in ``staff_fields`` offer active staff only."""

    staff_fields: tuple[str, ...] = ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.staff_fields:
            kwargs["queryset"] = User.objects.staff().order_by("first_name", "last_name", "username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class _RevokeMixin:
    """Rows written by their owners (the API, the pages): read here, revoked by an action that
    calls the service. Revoking needs the change permission on the model."""

    def has_revoke_permission(self, request) -> bool:
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def _revoked(self, request, count: int) -> None:
        message = ngettext("%(count)d revoked.", "%(count)d revoked.", count) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)


class LiveFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", _("In use")), ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        if self.value() == "live":
            live = queryset.filter(revoked_at__isnull=True)
            return live.filter(expires_at__gt=timezone.now()) if queryset.model is ApiToken else live
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(_RevokeMixin, ReadOnlyAdmin):
    """Every user's API tokens (never their keys); revoke through ``services.api_token_revoke``."""

    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = [LiveFilter]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "name", "prefix"]
    fields = list_display
    readonly_fields = list_display
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected API tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            services.api_token_revoke(token=token)
        self._revoked(request, len(tokens))


@admin.register(CalendarLink)
class CalendarLinkAdmin(_RevokeMixin, ReadOnlyAdmin):
    """Every user's calendar feed links (never their keys); revoke through the service."""

    list_display = ["user", "label", "feed", "object_id", "created_at", "revoked_at"]
    list_filter = [LiveFilter, "feed"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "label"]
    fields = list_display
    readonly_fields = list_display
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected calendar links"), permissions=["revoke"])
    def revoke(self, request, queryset):
        links = list(queryset.filter(revoked_at__isnull=True))
        for link in links:
            services.calendar_link_revoke(user=link.user, link_id=link.pk)
        self._revoked(request, len(links))


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The security audit log: read only (``accounts.services.audit.record`` writes it)."""

    list_display = ["at", "kind", "username", "actor", "address", "method"]
    list_filter = ["kind", "method", ("at", admin.DateFieldListFilter)]
    list_select_related = ["actor"]
    search_fields = ["username", "user__username", "user__email", "address"]
    date_hierarchy = "at"
    fields = ["at", "kind", "user", "username", "actor", "address", "user_agent", "method", "detail"]
    readonly_fields = fields


class SessionStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", _("Signed in")), ("ended", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.filter(ended_at__isnull=True)
        if self.value() == "ended":
            return queryset.filter(ended_at__isnull=False)
        return queryset


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    """Every user's browser sessions (never their keys); ended through the service. A row not
    ended may have expired by itself: the pages list only live ones."""

    list_display = ["user", "created_at", "last_seen_at", "address", "method", "ended_at"]
    list_filter = [SessionStateFilter, "method"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "address", "user_agent"]
    fields = ["user", "created_at", "last_seen_at", "address", "user_agent", "method", "ended_at"]
    readonly_fields = fields
    actions = ["end_sessions"]

    def has_end_permission(self, request) -> bool:
        return request.user.is_superuser or getattr(request.user, "is_admin", False)

    @admin.action(description=_("End these sessions"), permissions=["end"])
    def end_sessions(self, request, queryset):
        from accounts.services.sessions import session_end

        rows = list(queryset.filter(ended_at__isnull=True))
        for row in rows:
            session_end(session=row, actor=request.user)
        message = ngettext("%(count)d session ended.", "%(count)d sessions ended.", len(rows)) % {"count": len(rows)}
        self.message_user(request, message, messages.SUCCESS)


# django-otp's own admins would write devices behind the services' back (no audit line, the
# gate's cached answer kept, labels Django cannot translate): a factor is seen on the user's
# security page and reset there or with the action above (docs/two-factor.md).
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)
