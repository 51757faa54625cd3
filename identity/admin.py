"""The mappings of directory groups (admins configure them) and the external identities (read
only: written by the sign-ins)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ServiceSavedMixin, fields_of
from identity import services
from identity.models import DirectoryGroup, ExternalIdentity


@admin.register(DirectoryGroup)
class DirectoryGroupAdmin(ServiceSavedMixin, admin.ModelAdmin):
    """Saved by ``services.directory_group_save``; a person's role, teams and organisation follow
    the mappings at their next sign-in through the directory or the OpenID provider."""

    list_display = ["name", "role", "team", "organisation", "description"]
    list_filter = ["role", "team", "organisation"]
    list_select_related = ["team", "organisation"]
    search_fields = ["name", "description", "team__name", "organisation__name", "organisation__code"]
    autocomplete_fields = ["team", "organisation"]
    fields = list(services.DIRECTORY_GROUP_FIELDS)

    def service_save(self, request, obj, data):
        fields = fields_of(data, services.DIRECTORY_GROUP_FIELDS)
        return services.directory_group_save(group=obj if obj.pk else None, **fields)


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(ReadOnlyAdmin):
    """Which desk account each directory entry or OpenID subject signs in to."""

    list_display = ["user", "source", "subject", "first_seen_at", "last_synced_at"]
    list_filter = ["source"]
    list_select_related = ["user"]
    search_fields = ["subject", "user__username", "user__first_name", "user__last_name", "user__email"]
    fields = ["user", "source", "subject", "first_seen_at", "last_synced_at"]
    readonly_fields = fields
