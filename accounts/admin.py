from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Team, TeamMembership, User
from core.admin import InlinesSavedThroughServiceMixin, ServiceSavedMixin, fields_of


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
