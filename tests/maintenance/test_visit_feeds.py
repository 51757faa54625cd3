"""The iCalendar feeds of visits, read back with icalendar, and their per-person links."""

import datetime

import icalendar
import pytest

from emergency import rotas
from maintenance import services, visit_feeds
from maintenance.models import Inspection
from tests.accounts.factories import UserFactory, feed_key

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 1, 5)


def events(feed: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(feed)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def check(manager, project, engineer, due: datetime.date, title: str = "Health check") -> Inspection:
    return services.health_check_create(actor=manager, project=project, engineer=engineer, due_date=due, title=title)


@pytest.fixture
def visits(schedule_a, project_a, project_b, engineer, manager):
    """The quarterly schedule's January visit, a health check at project B, one cancelled, one
    of another engineer, and two outside the feed's window."""
    services.inspections_plan(today=TODAY)
    other = UserFactory(username="eng2")
    return {
        "planned": Inspection.objects.get(schedule=schedule_a),
        "at_b": check(manager, project_b, engineer, datetime.date(2026, 2, 1), "Disk check"),
        "cancelled": services.inspection_cancel(
            inspection_id=check(manager, project_a, engineer, datetime.date(2026, 3, 1)).pk,
            actor=manager,
            reason="Customer closed for the holidays",
        ),
        "others": check(manager, project_a, other, datetime.date(2026, 1, 20), "Their visit"),
        "long_ago": check(manager, project_a, engineer, TODAY - datetime.timedelta(days=120)),
        "far_ahead": check(manager, project_a, engineer, TODAY + datetime.timedelta(days=400)),
    }


def test_the_engineer_feed_has_one_all_day_event_per_visit_of_that_engineer(
    visits, engineer, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        found = events(visit_feeds.visits_feed(engineer=engineer, today=TODAY))

    planned, at_b, cancelled = visits["planned"], visits["at_b"], visits["cancelled"]
    assert set(found) == {f"inspection-{v.pk}@servicedesk" for v in (planned, at_b, cancelled)}
    event = found[f"inspection-{planned.pk}@servicedesk"]
    assert event.decoded("dtstart") == planned.due_date == datetime.date(2026, 1, 15)
    assert event.decoded("dtend") == datetime.date(2026, 1, 16)
    assert str(event["summary"]) == "Inspection: Quarterly inspection (Project A)"
    description = str(event["description"])
    assert "Status: Planned" in description
    assert description.endswith(f"/maintenance/inspections/{planned.pk}/")
    assert str(event["url"]) == description.splitlines()[-1]
    assert str(event["status"]) == "CONFIRMED"
    assert str(found[f"inspection-{at_b.pk}@servicedesk"]["summary"]) == "Health check: Disk check (Project B)"
    assert str(found[f"inspection-{cancelled.pk}@servicedesk"]["status"]) == "CANCELLED"


def test_the_project_feed_has_every_engineers_visits_of_that_project_only(visits, project_a):
    calendar = icalendar.Calendar.from_ical(visit_feeds.visits_feed(project=project_a, today=TODAY))

    uids = {str(event["uid"]) for event in calendar.walk("VEVENT")}
    wanted = (visits["planned"], visits["cancelled"], visits["others"])
    assert uids == {f"inspection-{v.pk}@servicedesk" for v in wanted}
    assert str(calendar["x-wr-calname"]) == "Visits: Project A"


def test_uids_stay_the_same_as_visits_change(visits, engineer):
    before = events(visit_feeds.visits_feed(engineer=engineer, today=TODAY))
    planned = visits["planned"]
    rows = {row.label: row.pk for row in planned.answers.all()}
    services.inspection_record(
        inspection_id=planned.pk, actor=engineer, answers={rows["Servers up"]: {"result": "pass"}}, findings="All good"
    )
    services.inspection_record(
        inspection_id=planned.pk, actor=engineer, answers={rows["Backups restorable"]: {"result": "pass"}}
    )
    services.inspection_complete(inspection_id=planned.pk, actor=engineer)

    after = events(visit_feeds.visits_feed(engineer=engineer, today=TODAY))

    assert set(after) == set(before)
    assert "Status: Completed" in str(after[f"inspection-{planned.pk}@servicedesk"]["description"])


def test_the_window_moves_with_the_day(visits, engineer):
    later = TODAY + datetime.timedelta(days=100)

    uids = set(events(visit_feeds.visits_feed(engineer=engineer, today=later)))

    assert f"inspection-{visits['far_ahead'].pk}@servicedesk" in uids
    assert f"inspection-{visits['planned'].pk}@servicedesk" in uids  # 90 days ago, still shown
    assert f"inspection-{visits['long_ago'].pk}@servicedesk" not in uids


def test_an_engineer_or_a_project_is_required(engineer, project_a):
    with pytest.raises(ValueError):
        visit_feeds.visits_feed()
    with pytest.raises(ValueError):
        visit_feeds.visits_feed(engineer=engineer, project=project_a)


def test_a_feed_link_is_the_viewers_own_and_opens_its_feed_only(engineer, manager, project_a, customer_a):
    url = visit_feeds.engineer_feed_urls(viewer=manager, engineers=[engineer])[engineer.pk]
    key = feed_key(url)
    assert visit_feeds.engineer_feed_urls(viewer=manager, engineers=[engineer])[engineer.pk] == url
    assert visit_feeds.engineer_feed_urls(viewer=engineer, engineers=[engineer])[engineer.pk] != url

    assert str(icalendar.Calendar.from_ical(visit_feeds.feed_for_key(key))["X-WR-CALNAME"]) == f"Visits: {engineer}"
    project_key = feed_key(visit_feeds.project_feed_urls(viewer=customer_a, projects=[project_a])[project_a.pk])
    assert str(icalendar.Calendar.from_ical(visit_feeds.feed_for_key(project_key))["X-WR-CALNAME"]) == (
        "Visits: Project A"
    )
    assert visit_feeds.feed_for_key(key[:-1] + ("a" if key[-1] != "a" else "b")) is None
    assert visit_feeds.feed_for_key(f"engineer:{engineer.pk}") is None
    assert visit_feeds.feed_for_key("") is None
    # the rota's links open nothing here, nor these there
    rota_key = feed_key(rotas.my_feed_url(viewer=engineer))
    assert visit_feeds.feed_for_key(rota_key) is None
    assert rotas.feed_for_key(key) is None


def test_a_feed_link_rechecks_what_its_person_may_see(engineer, manager, customer_a, project_a, org_b):
    """A customer moved to another organisation loses the old project's feed; an engineer's
    visits are for staff only, a deactivated person's links open nothing."""
    project_key = feed_key(visit_feeds.project_feed_urls(viewer=customer_a, projects=[project_a])[project_a.pk])
    # a customer's link to an engineer's visits (pages never offer one) opens nothing
    stray_key = feed_key(visit_feeds.engineer_feed_urls(viewer=customer_a, engineers=[engineer])[engineer.pk])
    assert visit_feeds.feed_for_key(stray_key) is None
    assert visit_feeds.feed_for_key(project_key) is not None
    customer_a.organisation = org_b
    customer_a.save()
    assert visit_feeds.feed_for_key(project_key) is None
    staff_key = feed_key(visit_feeds.engineer_feed_urls(viewer=manager, engineers=[engineer])[engineer.pk])
    assert visit_feeds.feed_for_key(staff_key) is not None
    manager.is_active = False
    manager.save()
    assert visit_feeds.feed_for_key(staff_key) is None


def test_the_feed_url_is_absolute_and_leads_to_the_feed(settings, engineer):
    settings.SITE_URL = "https://desk.example.com/"

    url = visit_feeds.engineer_feed_urls(viewer=engineer, engineers=[engineer])[engineer.pk]

    assert url == f"https://desk.example.com/maintenance/calendar/{feed_key(url)}.ics"
    assert visit_feeds.feed_for_key(feed_key(url)) is not None
