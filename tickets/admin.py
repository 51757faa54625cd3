from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from tickets import defaults
from tickets.escalation import offered_actions
from tickets.models import (
    BusinessCalendar,
    CalendarDay,
    Comment,
    EscalationPolicy,
    EscalationStep,
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
    list_display = ["name", "timezone", "country", "holidays_next_year", "updated_at"]
    search_fields = ["name"]
    inlines = [WorkingHoursInline, CalendarDayInline]

    @admin.display(description=_("public holidays of the coming year"))
    def holidays_next_year(self, calendar: BusinessCalendar) -> int | str:
        year = defaults.desk_today().year + 1
        count = calendar.days.filter(date__year=year, kind=CalendarDay.Kind.HOLIDAY).count()
        return count if count or not calendar.country else _("none yet")

    def changelist_view(self, request, extra_context=None):
        year = defaults.desk_today().year + 1
        missing = defaults.holidays_missing(year=year)
        if missing:
            messages.warning(
                request,
                _(
                    "No public holidays of %(year)s yet for: %(calendars)s. They are imported every December; "
                    "run “python manage.py import_holidays” to import them now."
                )
                % {"year": year, "calendars": ", ".join(calendar.name for calendar in missing)},
            )
        return super().changelist_view(request, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.save(update_fields=["updated_at"])  # retires the cached schedule


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "warn_at_percent", "updated_at"]
    inlines = [SLATargetInline]


class EscalationStepForm(forms.ModelForm):
    class Meta:
        model = EscalationStep
        fields = ["position", "delay_minutes", "action", "team", "group"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # an action only a later module can take is offered once that module has registered it
        self.fields["action"].choices = [("", "---------"), *offered_actions()]


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    form = EscalationStepForm
    extra = 0


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "priority", "metric", "project", "repeat_count", "is_active"]
    list_filter = ["is_active", "priority", "metric"]
    inlines = [EscalationStepInline]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ClockInline(ReadOnlyInline):
    model = SLAClock
    fields = [
        "metric",
        "target_minutes",
        "calendar",
        "started_at",
        "warn_at",
        "due_at",
        "paused_at",
        "stopped_at",
        "breached_at",
        "escalation_policy",
        "escalation_next_at",
        "acknowledged_by",
        "acknowledged_at",
    ]


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
