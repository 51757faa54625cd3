"""Organisations and their delivered projects, saved by the customers services (the API's
checks and messages, and the records' history)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import InlinesSavedThroughServiceMixin, ReadOnlyInline, ServiceSavedMixin, fields_of
from customers import services
from customers.models import HotlineNumber, InstalledProduct, Organisation, Project


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
    fields = ["name", "version", "serial_number", "quantity", "location", "installed_on", "accepted_on", "notes"]
    extra = 1


@admin.register(InstalledProduct)
class InstalledProductAdmin(ServiceSavedMixin, SimpleHistoryAdmin):
    """Assets, found by serial number; saved by ``services.asset_create`` / ``asset_update`` (a
    serial number names one asset of a project). Removed with the project's products list."""

    list_display = ["name", "version", "serial_number", "project", "location", "installed_on", "accepted_on"]
    list_filter = ["project__organisation"]
    list_select_related = ["project__organisation"]
    search_fields = ["serial_number", "name", "project__name", "project__code"]
    autocomplete_fields = ["project"]
    fields = ["project", *sorted(services.ASSET_FIELDS, key=InstalledProductInline.fields.index)]

    def get_readonly_fields(self, request, obj=None):
        return ["project"] if obj is not None and obj.pk else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def service_save(self, request, obj, data):
        fields = fields_of(data, services.ASSET_FIELDS)
        if obj.pk is None:
            return services.asset_create(actor=request.user, project=data["project"], **fields)
        return services.asset_update(actor=request.user, asset=obj, **fields)


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
        "emergency_response_minutes",
        "is_active",
    ]
    inlines = [InstalledProductInline]

    def service_save(self, request, obj, data, inlines):
        products = [fields_of(row, InstalledProductInline.fields) for row in inlines["installedproduct"]]
        fields = fields_of(data, services.PROJECT_FIELDS)
        if obj.pk is None:
            return services.project_create(actor=request.user, products=products, **fields)
        return services.project_update(actor=request.user, project=obj, products=products, **fields)


@admin.register(HotlineNumber)
class HotlineNumberAdmin(ServiceSavedMixin, admin.ModelAdmin):
    """The desk's hotline numbers (no organisation) and an organisation's own, saved by
    ``services.hotline_number_save``: pages and emails show them from the next request on."""

    list_display = ["number", "label", "hours", "organisation", "position", "is_active"]
    list_filter = ["is_active", ("organisation", admin.EmptyFieldListFilter), "organisation"]
    list_select_related = ["organisation"]
    search_fields = ["number", "label", "organisation__name"]
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "label", "number", "hours", "position", "is_active"]

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("organisation__name", "position", "id")

    def service_save(self, request, obj, data):
        fields = fields_of(data, services.HOTLINE_FIELDS)
        return services.hotline_number_save(actor=request.user, hotline=obj if obj.pk else None, **fields)

    def delete_model(self, request, obj):
        services.hotline_number_delete(actor=request.user, hotline=obj)

    def delete_queryset(self, request, queryset):
        for hotline in queryset:
            services.hotline_number_delete(actor=request.user, hotline=hotline)
