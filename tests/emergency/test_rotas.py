"""The liaison rota: turns and hand-overs on the wall clock, overrides, who is on duty, the feeds."""

import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import User
from core.errors import ServiceDeskError
from emergency import rotas
from emergency.models import Rota, RotaMember, RotaOverride
from tests.accounts.factories import feed_key

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = datetime.UTC
NINE = datetime.time(9)


def at(zone, *args):
    return datetime.datetime(*args, tzinfo=zone)


def make_rota(members, *, zone="Asia/Shanghai", starts_on=datetime.date(2026, 1, 5), shift_days=7, name="Liaisons"):
    return rotas.rota_save(
        name=name, timezone=zone, handover=NINE, shift_days=shift_days, starts_on=starts_on, members=members
    )


def override(rota, user, starts_at, ends_at, actor, reason="Leave"):
    return rotas.override_add(rota=rota, user=user, starts_at=starts_at, ends_at=ends_at, reason=reason, actor=actor)


def who(shifts):
    """(username, start, end) per shift, the moments in UTC."""
    return [(s.user.username, s.starts_at.astimezone(UTC), s.ends_at.astimezone(UTC)) for s in shifts]


# --- turns ------------------------------------------------------------------------------------


def test_turns_rotate_in_member_order_and_hand_over_at_nine_in_shanghai(groups):
    rota = make_rota([groups.liaison, groups.tech, groups.eng2])
    shifts = rotas.rota_shifts(rota, at(SHANGHAI, 2026, 1, 5, 9), at(SHANGHAI, 2026, 2, 2, 9))
    assert who(shifts) == [
        ("liaison", at(SHANGHAI, 2026, 1, 5, 9), at(SHANGHAI, 2026, 1, 12, 9)),
        ("tech", at(SHANGHAI, 2026, 1, 12, 9), at(SHANGHAI, 2026, 1, 19, 9)),
        ("eng2", at(SHANGHAI, 2026, 1, 19, 9), at(SHANGHAI, 2026, 1, 26, 9)),
        ("liaison", at(SHANGHAI, 2026, 1, 26, 9), at(SHANGHAI, 2026, 2, 2, 9)),
    ]
    assert all(s.override is None for s in shifts)
    # one minute either side of a hand-over
    assert rotas.on_duty(at(SHANGHAI, 2026, 1, 12, 8, 59))[0].user == groups.liaison
    assert rotas.on_duty(at(SHANGHAI, 2026, 1, 12, 9, 0))[0].user == groups.tech


def test_a_window_is_clipped_to_its_edges(groups):
    rota = make_rota([groups.liaison, groups.tech])
    assert who(rotas.rota_shifts(rota, at(SHANGHAI, 2026, 1, 10, 12), at(SHANGHAI, 2026, 1, 13, 12))) == [
        ("liaison", at(SHANGHAI, 2026, 1, 10, 12), at(SHANGHAI, 2026, 1, 12, 9)),
        ("tech", at(SHANGHAI, 2026, 1, 12, 9), at(SHANGHAI, 2026, 1, 13, 12)),
    ]


def test_hand_over_stays_at_nine_local_across_the_berlin_spring_change(groups):
    # given: daily turns around Sunday 2026-03-29, when Berlin moves from UTC+1 to UTC+2
    rota = make_rota(
        [groups.liaison, groups.tech], zone="Europe/Berlin", starts_on=datetime.date(2026, 3, 27), shift_days=1
    )
    shifts = rotas.rota_shifts(rota, at(BERLIN, 2026, 3, 27, 9), at(BERLIN, 2026, 3, 31, 9))
    # then: every hand-over is 09:00 on the Berlin wall clock, 08:00 UTC before and 07:00 UTC after
    assert [s.starts_at.astimezone(BERLIN).time() for s in shifts] == [NINE] * 4
    assert [s.starts_at.astimezone(UTC).hour for s in shifts] == [8, 8, 7, 7]
    assert [s.user for s in shifts] == [groups.liaison, groups.tech, groups.liaison, groups.tech]
    # the turn that spans the change is an hour short
    assert shifts[1].ends_at - shifts[1].starts_at == datetime.timedelta(hours=23)
    # and on_duty on the morning after the change hands over at 09:00 CEST
    duty = rotas.on_duty(at(BERLIN, 2026, 3, 29, 8, 30))
    assert [d.user for d in duty] == [groups.tech]
    assert duty[0].ends_at == at(BERLIN, 2026, 3, 29, 9) == datetime.datetime(2026, 3, 29, 7, tzinfo=UTC)


def test_a_weekly_berlin_turn_across_the_change_ends_at_nine_summer_time(groups):
    make_rota([groups.liaison, groups.tech], zone="Europe/Berlin", starts_on=datetime.date(2026, 3, 23))
    duty = rotas.on_duty(at(BERLIN, 2026, 3, 28, 12))
    assert duty[0].user == groups.liaison
    assert duty[0].ends_at == datetime.datetime(2026, 3, 30, 7, tzinfo=UTC)  # Monday 09:00 CEST
    assert rotas.on_duty(datetime.datetime(2026, 3, 30, 7, tzinfo=UTC))[0].user == groups.tech


def test_before_the_first_turn_nobody_is_on_duty(groups):
    rota = make_rota([groups.liaison, groups.tech])
    assert rotas.on_duty(at(SHANGHAI, 2026, 1, 4, 12)) == []
    assert rotas.on_duty(at(SHANGHAI, 2026, 1, 5, 8, 59)) == []
    assert rotas.rota_shifts(rota, at(SHANGHAI, 2025, 12, 1), at(SHANGHAI, 2026, 1, 5, 9)) == []
    # a window reaching over starts_on begins with the first turn
    assert who(rotas.rota_shifts(rota, at(SHANGHAI, 2026, 1, 1), at(SHANGHAI, 2026, 1, 6)))[0][1] == at(
        SHANGHAI, 2026, 1, 5, 9
    )


def test_a_rota_without_members_or_inactive_has_nobody(groups):
    rota = make_rota([])
    assert rotas.rota_shifts(rota, at(SHANGHAI, 2026, 2, 1), at(SHANGHAI, 2026, 3, 1)) == []
    make_rota([groups.liaison], name="Other")
    Rota.objects.filter(name="Other").update(is_active=False)
    assert rotas.on_duty(at(SHANGHAI, 2026, 2, 1)) == []


# --- overrides ----------------------------------------------------------------------------------


def test_adjacent_pieces_of_the_same_person_are_joined(groups):
    # given: one member, so every turn is theirs
    rota = make_rota([groups.liaison])
    shifts = rotas.rota_shifts(rota, at(SHANGHAI, 2026, 1, 6), at(SHANGHAI, 2026, 2, 6))
    assert who(shifts) == [("liaison", at(SHANGHAI, 2026, 1, 6), at(SHANGHAI, 2026, 2, 6))]


def test_an_override_splits_the_turn_into_before_override_after(groups, manager):
    rota = make_rota([groups.liaison, groups.tech])
    cover = override(rota, groups.eng2, at(SHANGHAI, 2026, 1, 7, 12), at(SHANGHAI, 2026, 1, 8, 12), manager)
    shifts = rotas.rota_shifts(rota, at(SHANGHAI, 2026, 1, 5, 9), at(SHANGHAI, 2026, 1, 19, 9))
    assert who(shifts) == [
        ("liaison", at(SHANGHAI, 2026, 1, 5, 9), at(SHANGHAI, 2026, 1, 7, 12)),
        ("eng2", at(SHANGHAI, 2026, 1, 7, 12), at(SHANGHAI, 2026, 1, 8, 12)),
        ("liaison", at(SHANGHAI, 2026, 1, 8, 12), at(SHANGHAI, 2026, 1, 12, 9)),
        ("tech", at(SHANGHAI, 2026, 1, 12, 9), at(SHANGHAI, 2026, 1, 19, 9)),
    ]
    assert [s.override for s in shifts] == [None, cover, None, None]


def test_an_override_across_a_hand_over_covers_both_turns(groups, manager):
    rota = make_rota([groups.liaison, groups.tech])
    override(rota, groups.eng2, at(SHANGHAI, 2026, 1, 11, 18), at(SHANGHAI, 2026, 1, 12, 18), manager)
    shifts = rotas.rota_shifts(rota, at(SHANGHAI, 2026, 1, 11), at(SHANGHAI, 2026, 1, 13))
    assert who(shifts) == [
        ("liaison", at(SHANGHAI, 2026, 1, 11), at(SHANGHAI, 2026, 1, 11, 18)),
        ("eng2", at(SHANGHAI, 2026, 1, 11, 18), at(SHANGHAI, 2026, 1, 12, 18)),
        ("tech", at(SHANGHAI, 2026, 1, 12, 18), at(SHANGHAI, 2026, 1, 13)),
    ]


def test_of_two_overlapping_overrides_the_later_created_wins(groups, manager):
    rota = make_rota([groups.liaison, groups.tech])
    window = at(SHANGHAI, 2026, 1, 6), at(SHANGHAI, 2026, 1, 10)
    # given: a long cover, then a short one inside it created later
    override(rota, groups.eng2, at(SHANGHAI, 2026, 1, 7), at(SHANGHAI, 2026, 1, 9), manager)
    override(rota, groups.tech, at(SHANGHAI, 2026, 1, 8), at(SHANGHAI, 2026, 1, 8, 12), manager)
    assert who(rotas.rota_shifts(rota, *window)) == [
        ("liaison", at(SHANGHAI, 2026, 1, 6), at(SHANGHAI, 2026, 1, 7)),
        ("eng2", at(SHANGHAI, 2026, 1, 7), at(SHANGHAI, 2026, 1, 8)),
        ("tech", at(SHANGHAI, 2026, 1, 8), at(SHANGHAI, 2026, 1, 8, 12)),
        ("eng2", at(SHANGHAI, 2026, 1, 8, 12), at(SHANGHAI, 2026, 1, 9)),
        ("liaison", at(SHANGHAI, 2026, 1, 9), at(SHANGHAI, 2026, 1, 10)),
    ]
    # when: a long cover is created after the short one, it hides it
    RotaOverride.objects.all().delete()
    override(rota, groups.tech, at(SHANGHAI, 2026, 1, 8), at(SHANGHAI, 2026, 1, 8, 12), manager)
    override(rota, groups.eng2, at(SHANGHAI, 2026, 1, 7), at(SHANGHAI, 2026, 1, 9), manager)
    assert [name for name, *_ in who(rotas.rota_shifts(rota, *window))] == ["liaison", "eng2", "liaison"]


def test_later_created_means_created_at_not_start(groups, manager):
    rota = make_rota([groups.liaison, groups.tech])
    with time_machine.travel(at(SHANGHAI, 2026, 1, 2), tick=False):
        late_start = override(rota, groups.tech, at(SHANGHAI, 2026, 1, 8), at(SHANGHAI, 2026, 1, 9), manager)
    with time_machine.travel(at(SHANGHAI, 2026, 1, 3), tick=False):
        override(rota, groups.eng2, at(SHANGHAI, 2026, 1, 7), at(SHANGHAI, 2026, 1, 10), manager)
    assert late_start.pk < RotaOverride.objects.latest("pk").pk
    shifts = rotas.rota_shifts(rota, at(SHANGHAI, 2026, 1, 7), at(SHANGHAI, 2026, 1, 10))
    assert who(shifts) == [("eng2", at(SHANGHAI, 2026, 1, 7), at(SHANGHAI, 2026, 1, 10))]


# --- who is on duty -------------------------------------------------------------------------


def test_on_duty_gives_the_person_and_the_real_hand_over(groups, manager):
    rota = make_rota([groups.liaison, groups.tech])
    now = at(SHANGHAI, 2026, 1, 8, 15)
    [duty] = rotas.on_duty(now)
    assert (duty.rota, duty.user, duty.starts_at, duty.ends_at) == (
        rota,
        groups.liaison,
        now,
        at(SHANGHAI, 2026, 1, 12, 9),
    )
    assert list(rotas.on_duty_users(now)) == [groups.liaison]


def test_on_duty_under_an_override_ends_when_the_override_ends(groups, manager):
    rota = make_rota([groups.liaison, groups.tech])
    override(rota, groups.eng2, at(SHANGHAI, 2026, 1, 8, 12), at(SHANGHAI, 2026, 1, 8, 20), manager)
    [duty] = rotas.on_duty(at(SHANGHAI, 2026, 1, 8, 15))
    assert (duty.user, duty.ends_at, duty.override.reason) == (groups.eng2, at(SHANGHAI, 2026, 1, 8, 20), "Leave")
    assert list(rotas.on_duty_users(at(SHANGHAI, 2026, 1, 8, 15))) == [groups.eng2]
    # after it the turn's person is back until the real hand-over
    [duty] = rotas.on_duty(at(SHANGHAI, 2026, 1, 8, 20))
    assert (duty.user, duty.ends_at) == (groups.liaison, at(SHANGHAI, 2026, 1, 12, 9))


def test_on_duty_users_is_the_escalation_engines_on_duty_finder(groups):
    from tickets import escalation

    assert escalation._on_duty[0] is rotas.on_duty_users
    # an inactive person on duty is not called
    make_rota([groups.liaison])
    groups.liaison.is_active = False
    groups.liaison.save(update_fields=["is_active"])
    assert list(rotas.on_duty_users(at(SHANGHAI, 2026, 1, 8))) == []


def test_one_person_on_duty_per_active_rota(groups):
    make_rota([groups.liaison], name="Hospital")
    make_rota([groups.tech], name="Plant")
    assert set(rotas.on_duty_users(at(SHANGHAI, 2026, 1, 8))) == {groups.liaison, groups.tech}


def test_the_bars_on_duty_is_kept_until_the_hand_over_and_dropped_by_a_rota_write(
    groups, manager, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rota = make_rota([groups.liaison, groups.tech])
    with time_machine.travel(at(SHANGHAI, 2026, 1, 12, 8, 59, 30), tick=False):
        assert [d.user for d in rotas.on_duty_now()] == [groups.liaison]
        with django_assert_num_queries(0):  # every other page of the half minute reads it kept
            assert [d.user for d in rotas.on_duty_now()] == [groups.liaison]
    # the hand-over comes before the minute is up: the bar follows it at once
    with time_machine.travel(at(SHANGHAI, 2026, 1, 12, 9), tick=False):
        assert [d.user for d in rotas.on_duty_now()] == [groups.tech]
        with django_capture_on_commit_callbacks(execute=True):
            override(rota, groups.eng2, at(SHANGHAI, 2026, 1, 12, 9), at(SHANGHAI, 2026, 1, 12, 20), manager)
        assert [d.user for d in rotas.on_duty_now()] == [groups.eng2]
        with django_capture_on_commit_callbacks(execute=True):
            rotas.rota_delete(rota=rota)
        assert rotas.on_duty_now() == []
    # a change no rota service sees (a person renamed) shows within the minute
    with time_machine.travel(at(SHANGHAI, 2026, 1, 14, 10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            make_rota([groups.tech], name="Plant")
        assert [d.user.first_name for d in rotas.on_duty_now()] == [groups.tech.first_name]
        User.objects.filter(pk=groups.tech.pk).update(first_name="Renamed")
        assert [d.user.first_name for d in rotas.on_duty_now()] == [groups.tech.first_name]
    with time_machine.travel(at(SHANGHAI, 2026, 1, 14, 10, 1), tick=False):
        assert [d.user.first_name for d in rotas.on_duty_now()] == ["Renamed"]


def test_the_bars_on_duty_is_read_from_the_database_while_the_cache_is_down(
    groups, manager, django_capture_on_commit_callbacks
):
    rota = make_rota([groups.liaison, groups.tech])
    down = ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        time_machine.travel(at(SHANGHAI, 2026, 1, 8, 15), tick=False),
        mock.patch.object(rotas.cache, "get", side_effect=down),
        mock.patch.object(rotas.cache, "set", side_effect=down),
        mock.patch.object(rotas.cache, "delete", side_effect=down),
    ):
        assert [d.user for d in rotas.on_duty_now()] == [groups.liaison]
        # a rota write commits whatever the cache does
        with django_capture_on_commit_callbacks(execute=True):
            override(rota, groups.eng2, at(SHANGHAI, 2026, 1, 8, 12), at(SHANGHAI, 2026, 1, 8, 20), manager)
        assert RotaOverride.objects.filter(rota=rota, user=groups.eng2).exists()
        assert [d.user for d in rotas.on_duty_now()] == [groups.eng2]


# --- iCalendar feeds ------------------------------------------------------------------------


def events(feed: bytes):
    return [
        (e.decoded("dtstart"), e.decoded("dtend"), str(e["summary"]))
        for e in icalendar.Calendar.from_ical(feed).walk("VEVENT")
    ]


def test_the_rota_feed_holds_one_event_per_shift_in_utc(groups, manager):
    rota = make_rota([groups.liaison, groups.tech])
    override(rota, groups.eng2, at(SHANGHAI, 2026, 3, 4, 12), at(SHANGHAI, 2026, 3, 5, 12), manager)
    now = at(SHANGHAI, 2026, 3, 1, 10)
    feed = rotas.calendar_feed(rota=rota, now=now)
    shifts = rotas.rota_shifts(rota, now - rotas.FEED_PAST, now + rotas.FEED_AHEAD)
    got = events(feed)
    assert len(got) == len(shifts) > 10
    assert [(start, end) for start, end, _ in got] == [(s.starts_at, s.ends_at) for s in shifts]
    assert all(start.utcoffset() == datetime.timedelta(0) for start, _, _ in got)
    assert b"DTSTART:20260304T040000Z" in feed  # the override from 12:00 Shanghai
    assert b"TZID" not in feed  # every moment in UTC, though ``now`` came in Shanghai time
    assert any(str(groups.eng2) in summary for *_, summary in got)


def test_a_persons_feed_holds_only_their_shifts(groups, manager):
    rota = make_rota([groups.liaison, groups.tech])
    cover = override(rota, groups.eng2, at(SHANGHAI, 2026, 3, 4, 12), at(SHANGHAI, 2026, 3, 5, 12), manager)
    now = at(SHANGHAI, 2026, 3, 1, 10)
    shifts = rotas.rota_shifts(rota, now - rotas.FEED_PAST, now + rotas.FEED_AHEAD)
    for person in (groups.liaison, groups.tech):
        mine = [(s.starts_at, s.ends_at) for s in shifts if s.user == person]
        assert [(start, end) for start, end, _ in events(rotas.calendar_feed(user=person, now=now))] == mine
    # the cover is on the rota only by its override
    assert [(s, e) for s, e, _ in events(rotas.calendar_feed(user=groups.eng2, now=now))] == [
        (cover.starts_at, cover.ends_at)
    ]
    assert events(rotas.calendar_feed(user=groups.leader, now=now)) == []


def test_a_feed_link_is_the_viewers_own_and_opens_its_feed_only(groups):
    rota = make_rota([groups.liaison])
    url = rotas.rota_feed_urls(viewer=groups.leader, rotas=[rota])[rota.pk]
    key = feed_key(url)
    # the same link every time for the same person, another person's is another
    assert rotas.rota_feed_urls(viewer=groups.leader, rotas=[rota])[rota.pk] == url
    assert rotas.rota_feed_urls(viewer=groups.eng2, rotas=[rota])[rota.pk] != url
    calendar = icalendar.Calendar.from_ical(rotas.feed_for_key(key))
    assert str(calendar["X-WR-CALNAME"]) == rota.name
    mine = feed_key(rotas.my_feed_url(viewer=groups.liaison))
    assert {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(rotas.feed_for_key(mine)).walk("VEVENT")} == {
        f"On duty: {rota.name} ({groups.liaison})"
    }
    assert rotas.feed_for_key(key[:-1] + ("a" if key[-1] != "a" else "b")) is None
    assert rotas.feed_for_key(f"rota:{rota.pk}") is None
    assert rotas.feed_for_key("") is None


def test_a_feed_link_stops_when_its_person_is_no_longer_staff(groups, org_a):
    rota = make_rota([groups.liaison])
    key = feed_key(rotas.rota_feed_urls(viewer=groups.leader, rotas=[rota])[rota.pk])
    groups.leader.role, groups.leader.organisation = User.Role.CUSTOMER, org_a
    groups.leader.save()
    assert rotas.feed_for_key(key) is None


# --- writes ---------------------------------------------------------------------------------


def test_rota_save_refuses_an_unknown_time_zone_and_saves_nothing(groups):
    for zone in ("Mars/Olympus_Mons", "", "../etc/passwd"):
        with pytest.raises(ServiceDeskError) as refused:
            make_rota([groups.liaison], zone=zone)
        assert refused.value.field == "timezone"
    assert not Rota.objects.exists() and not RotaMember.objects.exists()


def test_rota_save_refuses_a_customer_as_member_and_saves_nothing(groups, customer_a):
    with pytest.raises(ServiceDeskError) as refused:
        make_rota([groups.liaison, customer_a])
    assert refused.value.field == "members"
    assert not Rota.objects.exists() and not RotaMember.objects.exists()
    # a change to an existing rota is refused whole: neither the name nor the members change
    rota = make_rota([groups.liaison, groups.tech])
    with pytest.raises(ServiceDeskError):
        rotas.rota_save(rota=rota, name="Renamed", members=[customer_a])
    rota.refresh_from_db()
    assert rota.name == "Liaisons"
    assert [m.user for m in rota.members.order_by("position")] == [groups.liaison, groups.tech]


def test_override_add_refuses_an_empty_period_and_a_customer(groups, manager, customer_a):
    rota = make_rota([groups.liaison])
    start = at(SHANGHAI, 2026, 1, 8, 12)
    for end in (start, start - datetime.timedelta(hours=1)):
        with pytest.raises(ValidationError) as refused:
            override(rota, groups.eng2, start, end, manager)
        assert "ends_at" in refused.value.message_dict
    with pytest.raises(ServiceDeskError) as refused:
        override(rota, customer_a, start, start + datetime.timedelta(hours=1), manager)
    assert refused.value.field == "user"
    assert not RotaOverride.objects.exists()
