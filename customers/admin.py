"""Organisations and their delivered projects, saved by the customers services (the API's
checks and messages, and the records' history)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import InlinesSavedThroughServiceMixin, ReadOnlyInline, fields_of
from customers import services
from customers.models import InstalledProduct, Organisation, Project


class ProjectInline(ReadOnlyInline):
    """Projects are changed on their own page (the link), with their products."""

    model = Project
    fields = ["code", "name", "final_acceptance_date", "is_active"]
    show_change_link = True


@admin.register(Organisation)
class OrganisationAdmin(InlinesSavedThroughServiceMixin, SimpleHistoryAdmin):
    list_display = ["name", "code", "phone", "email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    fields = ["name", "code", "address", "phone", "email", "notes", "is_active"]
    inlines = [ProjectInline]

    def service_save(self, request, obj, data, inlines):
        fields = fields_of(data, services.ORGANISATION_FIELDS)
        if obj.pk is None:
            return services.organisation_create(actor=request.user, **fields)
        return services.organisation_update(actor=request.user, organisation=obj, **fields)


class InstalledProductInline(admin.TabularInline):
    model = InstalledProduct
    fields = ["name", "version", "serial_number", "quantity", "notes"]
    extra = 1


@admin.register(Project)
class ProjectAdmin(InlinesSavedThroughServiceMixin, SimpleHistoryAdmin):
    """Saved by ``services.project_create`` / ``project_update`` with its products: a product a
    warranty refers to stays, or the change is refused."""

    list_display = ["name", "code", "organisation", "final_acceptance_date", "customer_liaison", "is_active"]
    list_filter = ["is_active", "organisation"]
    list_select_related = ["organisation", "customer_liaison"]
    search_fields = ["name", "code", "organisation__name"]
    autocomplete_fields = ["organisation", "customer_liaison"]
    date_hierarchy = "final_acceptance_date"
    fields = [
        "organisation",
        "code",
        "name",
        "description",
        "site_address",
        "final_acceptance_date",
        "customer_liaison",
        "sla_policy",
        "is_active",
    ]
    inlines = [InstalledProductInline]

    def service_save(self, request, obj, data, inlines):
        products = [fields_of(row, InstalledProductInline.fields) for row in inlines["installedproduct"]]
        fields = fields_of(data, services.PROJECT_FIELDS)
        if obj.pk is None:
            return services.project_create(actor=request.user, products=products, **fields)
        return services.project_update(actor=request.user, project=obj, products=products, **fields)
