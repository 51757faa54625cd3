from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Team, TeamMembership, User
from core.admin import InlinesSavedThroughServiceMixin, fields_of


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
