"""``manage.py setup_desk``: a desk set up without demo data files tickets with SLA clocks; and
the yearly import of the coming year's public holidays."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from emergency.models import GradingRule, ResponsePlan
from tests.accounts.factories import CustomerFactory
from tests.customers.factories import OrganisationFactory, ProjectFactory
from tests.tickets.helpers import sh, travel
from tickets import defaults, services
from tickets.models import BusinessCalendar, CalendarDay, EscalationPolicy, SLAPolicy

pytestmark = pytest.mark.django_db


def setup_desk() -> str:
    out = StringIO()
    call_command("setup_desk", stdout=out)
    return out.getvalue()


def snapshot() -> tuple:
    return (
        sorted(BusinessCalendar.objects.values_list("name", "timezone", "country")),
        CalendarDay.objects.count(),
        list(SLAPolicy.objects.values_list("name", "is_default")),
        sorted(SLAPolicy.objects.get().targets.values_list("priority", "metric", "minutes", "calendar__name")),
        EscalationPolicy.objects.count(),
        GradingRule.objects.count(),
        ResponsePlan.objects.count(),
    )


def test_a_clean_desk_gets_its_calendars_and_policies_once(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    with travel(sh(2026, 12, 6, 10)):
        first = setup_desk()
        made = snapshot()
        again = setup_desk()

    assert "The desk is set up." in first and "The desk was set up already." in again
    assert snapshot() == made
    working = BusinessCalendar.objects.get(name=defaults.WORKING_HOURS_CALENDAR)
    assert (working.timezone, working.country) == ("Asia/Shanghai", "CN")
    assert list(working.hours.values_list("weekday", "start_minute", "end_minute")) == [
        (day, start, end) for day in range(5) for start, end in ((540, 720), (780, 1080))
    ]
    # China's holidays of this year and the next, with the make-up working days
    days = {(day.date, day.kind) for day in working.days.all()}
    assert (datetime.date(2026, 10, 1), "holiday") in days and (datetime.date(2027, 1, 1), "holiday") in days
    assert (datetime.date(2026, 2, 14), "workday") in days  # a Saturday worked before the Spring Festival
    always = BusinessCalendar.objects.get(name=defaults.ROUND_THE_CLOCK_CALENDAR)
    assert always.hours.count() == 7 and not always.days.exists() and always.country == ""
    # the promise's X = 4 working hours and Y = 1 hour round the clock
    targets = {(t.priority, t.metric): (t.minutes, t.calendar.name) for t in SLAPolicy.objects.get().targets.all()}
    assert targets[("normal", "first_response")] == (240, defaults.WORKING_HOURS_CALENDAR)
    assert targets[("urgent", "first_response")] == (60, defaults.ROUND_THE_CLOCK_CALENDAR)
    assert len(targets) == 10
    assert EscalationPolicy.objects.filter(name="Urgent fault unanswered", priority="urgent").exists()
    assert (GradingRule.objects.count(), ResponsePlan.objects.count()) == (27, 4)


def test_the_promise_comes_from_the_settings(settings):
    settings.SLA_ANSWER_WORKING_HOURS = 8
    settings.SLA_URGENT_RESPONSE_HOURS = 0.5
    settings.DESK_COUNTRY = ""
    setup_desk()
    targets = {(t.priority, t.metric): t.minutes for t in SLAPolicy.objects.get().targets.all()}
    assert (targets[("normal", "first_response")], targets[("high", "first_response")]) == (480, 240)
    assert targets[("urgent", "first_response")] == 30
    assert not CalendarDay.objects.exists()  # no country, no holidays


def test_deleted_defaults_come_back_and_kept_ones_stay(settings):
    setup_desk()
    EscalationPolicy.objects.all().delete()
    ResponsePlan.objects.filter(grade="critical").delete()
    GradingRule.objects.filter(grade="general").update(grade="important")
    working = BusinessCalendar.objects.get(name=defaults.WORKING_HOURS_CALENDAR)
    working.description = "Ours"
    working.save()

    setup_desk()

    assert EscalationPolicy.objects.count() == 2 and ResponsePlan.objects.filter(grade="critical").exists()
    assert not GradingRule.objects.filter(grade="general").exists()  # an administrator's change stays
    assert BusinessCalendar.objects.get(pk=working.pk).description == "Ours"


def test_a_project_made_on_a_clean_desk_gets_clocks_on_its_first_ticket():
    setup_desk()
    project = ProjectFactory(organisation=OrganisationFactory())
    customer = CustomerFactory(organisation=project.organisation)

    ticket = services.ticket_create(
        actor=customer, project=project, title="Pump offline", description="No pressure", priority="urgent"
    )

    clocks = {clock.metric: clock for clock in ticket.clocks.all()}
    assert set(clocks) == {"first_response", "resolution"}
    assert clocks["first_response"].due_at == ticket.received_at + datetime.timedelta(hours=1)
    assert ticket.next_due_at == clocks["first_response"].due_at


# --- the coming year's holidays ------------------------------------------------------------


@pytest.fixture
def calendars():
    always = BusinessCalendar.objects.create(name="24x7", timezone="Asia/Shanghai")
    china = BusinessCalendar.objects.create(name="Shanghai office", timezone="Asia/Shanghai", country="CN")
    germany = BusinessCalendar.objects.create(name="Berlin office", timezone="Europe/Berlin", country="DE")
    return always, china, germany


def test_in_december_the_coming_year_is_imported_once(calendars):
    always, china, germany = calendars
    germany.days.create(date=datetime.date(2027, 12, 25), kind="holiday", name="Set by hand")

    assert defaults.holidays_renew(today=datetime.date(2026, 11, 30)) == 0
    assert not china.days.exists()
    assert defaults.holidays_renew(today=datetime.date(2026, 12, 1)) == 1
    assert defaults.holidays_renew(today=datetime.date(2026, 12, 2)) == 0

    assert china.days.filter(date=datetime.date(2027, 10, 1), kind="holiday").exists()
    assert not china.days.exclude(date__year=2027).exists()
    assert list(germany.days.values_list("name", flat=True)) == ["Set by hand"]  # it had its year already
    assert not always.days.exists()
    assert defaults.holidays_missing(year=2027) == []


def test_the_beat_task_renews_in_the_desks_december(calendars, settings):
    from tickets.tasks import renew_holidays

    settings.TIME_ZONE = "Asia/Shanghai"
    with travel(sh(2026, 11, 30, 23, 30)):  # still November in Shanghai
        renew_holidays()
    assert not CalendarDay.objects.exists()
    with travel(sh(2026, 12, 1, 0, 30)):  # 16:30 UTC on 30 November, December in Shanghai
        renew_holidays()
    assert set(CalendarDay.objects.dates("date", "year")) == {datetime.date(2027, 1, 1)}
    assert "holidays" in settings.CELERY_BEAT_SCHEDULE


def test_the_admin_says_which_calendars_lack_the_coming_years_holidays(client, admin_user, calendars):
    _always, _china, germany = calendars
    client.force_login(admin_user)
    with travel(sh(2026, 12, 6, 10)):
        defaults.holidays_renew(today=datetime.date(2026, 12, 6))
        germany.days.filter(date__year=2027).delete()
        response = client.get(reverse("admin:tickets_businesscalendar_changelist"))
    assert response.status_code == 200
    warnings = [str(message) for message in response.context["messages"]]
    assert len(warnings) == 1 and "2027" in warnings[0] and "Berlin office" in warnings[0]
    assert "Shanghai office" not in warnings[0] and "24x7" not in warnings[0]
