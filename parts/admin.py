"""Admin of the parts app: the catalogue and the locations saved through the services, the
low-stock levels set through the service; movements and returns are read here, written by the
pages and the API."""

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin import StaffChoiceMixin
from core.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceSavedMixin, fields_of
from parts import services
from parts.models import Movement, Part, Reservation, Rma, RmaEvent, Stock, StockLocation


@admin.register(Part)
class PartAdmin(ServiceSavedMixin, admin.ModelAdmin):
    list_display = ["part_number", "name", "unit_price", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["part_number", "name"]
    fields = ["part_number", "name", "description", "fits", "unit_price", "is_active"]
    filter_horizontal = ["fits"]

    def service_save(self, request, obj, data):
        return services.part_save(part=obj, **fields_of(data, self.fields))


@admin.register(StockLocation)
class StockLocationAdmin(StaffChoiceMixin, ServiceSavedMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "engineer", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    fields = ["name", "kind", "engineer", "is_active"]
    staff_fields = ("engineer",)

    def service_save(self, request, obj, data):
        return services.location_save(location=obj, **fields_of(data, self.fields))


@admin.register(Stock)
class StockAdmin(ServiceSavedMixin, admin.ModelAdmin):
    """Stock changes only by movements; here the low-stock level of a part at a location."""

    list_display = ["part", "location", "on_hand", "reserved", "low_level", "low_reported_at"]
    list_filter = ["location"]
    list_select_related = ["part", "location"]
    search_fields = ["part__part_number", "part__name"]
    fields = ["part", "location", "on_hand", "reserved", "low_level"]
    readonly_fields = ["on_hand", "reserved"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [*self.readonly_fields, "part", "location"] if obj else self.readonly_fields

    def service_save(self, request, obj, data):
        return services.stock_set_low_level(
            part=data.get("part") or obj.part,
            location=data.get("location") or obj.location,
            low_level=data.get("low_level"),
            actor=request.user,
        )


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "part", "quantity", "from_location", "to_location", "ticket", "incident", "actor"]
    list_filter = ["kind", "from_location", "to_location"]
    list_select_related = ["part", "from_location", "to_location", "ticket", "incident", "actor"]
    search_fields = ["part__part_number", "serial_numbers", "note"]
    date_hierarchy = "at"


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["part", "location", "ticket", "incident", "quantity", "remaining", "created_at", "closed_at"]
    list_select_related = ["part", "location", "ticket", "incident"]
    list_filter = ["location"]


class RmaEventInline(ReadOnlyInline):
    model = RmaEvent
    fields = ["at", "from_state", "to_state", "actor", "note"]


@admin.register(Rma)
class RmaAdmin(ReadOnlyAdmin):
    list_display = ["reference", "part", "serial_number", "ticket", "state", "supplier_reference", "created_at"]
    list_filter = ["state"]
    list_select_related = ["part", "ticket"]
    search_fields = ["reference", "serial_number", "supplier_reference", "part__part_number"]
    inlines = [RmaEventInline]
