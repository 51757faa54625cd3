"""Admin of the macros, saved and deleted through ``tickets.services.macros`` (imported by
``tickets/admin.py``)."""

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin import StaffChoiceMixin
from core.admin import ServiceSavedMixin, fields_of
from tickets.models import Macro
from tickets.services import macros as services


@admin.register(Macro)
class MacroAdmin(StaffChoiceMixin, ServiceSavedMixin, admin.ModelAdmin):
    list_display = ["name", "scope", "owner", "team", "public", "set_status", "set_priority", "is_active"]
    list_filter = ["scope", "is_active", "public", "team"]
    list_select_related = ["owner", "team"]
    search_fields = ["name", "body_en", "body_zh_hans"]
    fields = list(services.FIELDS)
    staff_fields = ("assignee",)

    def service_save(self, request: HttpRequest, obj: Macro, data: dict) -> Macro:
        return services.macro_save(actor=request.user, macro=obj if obj.pk else None, **fields_of(data, self.fields))

    def delete_model(self, request: HttpRequest, obj: Macro) -> None:
        services.macro_delete(actor=request.user, macro=obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for macro in queryset:
            services.macro_delete(actor=request.user, macro=macro)
