import zoneinfo
from collections import defaultdict

from django.db import migrations, models


def backfill(apps, schema_editor):
    """The working time of the clocks stopped before the field existed, on their calendars."""
    from tickets.worktime import WorkSchedule

    BusinessCalendar = apps.get_model("tickets", "BusinessCalendar")
    SLAClock = apps.get_model("tickets", "SLAClock")
    schedules = {}
    for calendar in BusinessCalendar.objects.prefetch_related("hours", "days"):
        hours = defaultdict(list)
        for row in sorted(calendar.hours.all(), key=lambda row: (row.weekday, row.start_minute)):
            hours[row.weekday].append((row.start_minute, row.end_minute))
        days = list(calendar.days.all())
        schedules[calendar.pk] = WorkSchedule(
            zone=zoneinfo.ZoneInfo(calendar.timezone),
            hours={weekday: tuple(intervals) for weekday, intervals in hours.items()},
            holidays=frozenset(day.date for day in days if day.kind == "holiday"),
            workdays=frozenset(day.date for day in days if day.kind == "workday"),
        )
    for clock in SLAClock.objects.filter(stopped_at__isnull=False, working_seconds__isnull=True).iterator():
        seconds = schedules[clock.calendar_id].between(clock.started_at, clock.stopped_at).total_seconds()
        clock.working_seconds = max(0, round(seconds) - clock.paused_seconds)
        clock.save(update_fields=["working_seconds"])


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_alter_ticketevent_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="slaclock",
            name="working_seconds",
            field=models.BigIntegerField(
                blank=True,
                help_text="working seconds from start to stop, pauses left out; set when it stops",
                null=True,
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
