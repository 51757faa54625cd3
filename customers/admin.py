from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from customers.models import InstalledProduct, Organisation, Project


class ProjectInline(admin.TabularInline):
    model = Project
    fields = ["code", "name", "final_acceptance_date", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "phone", "email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [ProjectInline]


class InstalledProductInline(admin.TabularInline):
    model = InstalledProduct
    extra = 1


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "organisation", "final_acceptance_date", "customer_liaison", "is_active"]
    list_filter = ["is_active", "organisation"]
    list_select_related = ["organisation", "customer_liaison"]
    search_fields = ["name", "code", "organisation__name"]
    autocomplete_fields = ["organisation", "customer_liaison"]
    date_hierarchy = "final_acceptance_date"
    inlines = [InstalledProductInline]
