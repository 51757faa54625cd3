from django.contrib import admin

from tickets.models import (
    BusinessCalendar,
    CalendarDay,
    Comment,
    OnsiteVisit,
    SLAClock,
    SLAPolicy,
    SLATarget,
    Ticket,
    TicketEvent,
    WorkingHours,
)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "updated_at"]
    search_fields = ["name"]
    inlines = [WorkingHoursInline, CalendarDayInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.save(update_fields=["updated_at"])  # retires the cached schedule


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "updated_at"]
    inlines = [SLATargetInline]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ClockInline(ReadOnlyInline):
    model = SLAClock
    fields = ["metric", "target_minutes", "calendar", "started_at", "due_at", "paused_at", "stopped_at", "breached_at"]


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["created_at", "actor", "kind", "public", "data"]


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ["created_at", "author", "public", "body"]


class VisitInline(ReadOnlyInline):
    model = OnsiteVisit
    fields = ["engineer", "dispatched_at", "expected_arrival_at", "arrived_at", "left_site_at", "work_done"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: tickets change through the pages and the API, which keep the history."""

    list_display = [
        "reference",
        "title",
        "organisation",
        "priority",
        "status",
        "assignee",
        "received_at",
        "next_due_at",
    ]
    list_filter = ["status", "priority", "channel", "organisation"]
    list_select_related = ["organisation", "assignee"]
    search_fields = ["reference", "title"]
    date_hierarchy = "received_at"
    inlines = [ClockInline, VisitInline, CommentInline, EventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
