from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

import tickets.admin_macros  # noqa: F401  (registers the macros' admin)
from core.admin import InlinesSavedThroughServiceMixin
from core.time import desk_today
from tickets import admin_links as _links_admin  # noqa: F401  (registers the ticket links' admin)
from tickets import admin_queue_views as _queue_views_admin  # noqa: F401  (registers the saved views' admin)
from tickets import admin_time as _time_admin  # noqa: F401  (registers the time entries' admin)
from tickets import calendars, defaults, policies
from tickets.escalation import offered_actions
from tickets.models import (
    BusinessCalendar,
    CalendarDay,
    Comment,
    EscalationPolicy,
    EscalationStep,
    OnsiteVisit,
    SLAClock,
    SLACycle,
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
class BusinessCalendarAdmin(InlinesSavedThroughServiceMixin, admin.ModelAdmin):
    """Saved by ``calendars.calendar_save`` with its hours and days: the API's checks (a known
    time zone and country, at least one interval, no overlaps, one exception per date)."""

    list_display = ["name", "timezone", "country", "holidays_next_year", "updated_at"]
    search_fields = ["name"]
    fields = ["name", "timezone", "country", "description"]
    inlines = [WorkingHoursInline, CalendarDayInline]

    def service_save(self, request, obj, data, inlines):
        calendars.calendar_save(
            calendar=obj,
            name=data["name"],
            timezone_name=data["timezone"],
            country=data.get("country", ""),
            description=data.get("description", ""),
            hours=[_pick(row, "weekday", "start_minute", "end_minute") for row in inlines["workinghours"]],
            days=[_pick(row, "date", "kind", "name") for row in inlines["calendarday"]],
        )

    @admin.display(description=_("public holidays of the coming year"))
    def holidays_next_year(self, calendar: BusinessCalendar) -> int | str:
        year = desk_today().year + 1
        count = calendar.days.filter(date__year=year, kind=CalendarDay.Kind.HOLIDAY).count()
        return count if count or not calendar.country else _("none yet")

    def changelist_view(self, request, extra_context=None):
        year = desk_today().year + 1
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


def _pick(row: dict, *names: str) -> dict:
    return {name: row[name] for name in names if name in row}


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0


@admin.register(SLAPolicy)
class SLAPolicyAdmin(InlinesSavedThroughServiceMixin, admin.ModelAdmin):
    """Saved by ``policies.policy_save`` with its targets (one per priority and metric)."""

    list_display = ["name", "is_default", "warn_at_percent", "acknowledgement_stops_first_response", "updated_at"]
    fields = ["name", "description", "is_default", "warn_at_percent", "acknowledgement_stops_first_response"]
    inlines = [SLATargetInline]

    def service_save(self, request, obj, data, inlines):
        policies.policy_save(
            policy=obj,
            name=data["name"],
            description=data.get("description", ""),
            is_default=data.get("is_default", False),
            warn_at_percent=data.get("warn_at_percent"),
            acknowledgement_stops_first_response=data.get("acknowledgement_stops_first_response", False),
            targets=[_pick(row, "priority", "metric", "minutes", "calendar") for row in inlines["slatarget"]],
        )


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
class EscalationPolicyAdmin(InlinesSavedThroughServiceMixin, admin.ModelAdmin):
    """Saved by ``policies.escalation_policy_save`` with its steps, in the order of their position."""

    list_display = ["name", "priority", "metric", "project", "repeat_count", "is_active"]
    list_filter = ["is_active", "priority", "metric"]
    fields = [
        "name",
        "description",
        "priority",
        "metric",
        "project",
        "repeat_count",
        "repeat_after_minutes",
        "is_active",
    ]
    inlines = [EscalationStepInline]

    def service_save(self, request, obj, data, inlines):
        steps = sorted(inlines["escalationstep"], key=lambda row: row.get("position") or 0)
        policies.escalation_policy_save(
            policy=obj,
            name=data["name"],
            description=data.get("description", ""),
            priority=data.get("priority", ""),
            metric=data.get("metric", ""),
            project=data.get("project"),
            repeat_count=data.get("repeat_count", 0),
            repeat_after_minutes=data.get("repeat_after_minutes", 30),
            is_active=data.get("is_active", True),
            steps=[_pick(row, "action", "delay_minutes", "team", "group") for row in steps],
        )


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
        "cycle",
        "earlier_breaches",
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


class CycleInline(ReadOnlyInline):
    """The finished SLA cycles (a reopening starts a new one)."""

    model = SLACycle
    fields = ["number", "metric", "target_minutes", "started_at", "due_at", "stopped_at", "breached_at", "breaches"]


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
    inlines = [ClockInline, CycleInline, VisitInline, CommentInline, EventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
