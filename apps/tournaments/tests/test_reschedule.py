"""Moving a scheduled match to another court or time (POST tournaments/matches/{id}/reschedule/)."""
from __future__ import annotations

from datetime import date as date_cls
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.clubs.models import OpeningHours
from apps.reservations.selectors import availability_for
from apps.tournaments import selectors as tournament_selectors
from apps.tournaments import services
from apps.tournaments.models import Match, MatchAllocation
from routing.publisher import current_seq
from routing.streams import club_stream, tournament_stream
from tests.support.factories import ClubFactory, CourtFactory, ReservationFactory, UserFactory, staff_of
from tests.support.live import verify_events
from tests.support.tournaments import API, auth, club_with_staff, data, error, make_tournament, play_points

pytestmark = pytest.mark.django_db


def local(club, day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(club.timezone))


@pytest.fixture
def scheduled():
    """A 4-entry knockout on two courts, scheduled two days ahead: semis at 08:00; the final,
    scheduled at 09:30, moved to 16:00 so the semis have room to move."""
    club, staff = club_with_staff(courts=2)
    tournament = make_tournament(club, entries=4)
    services.tournament_generate(tournament=tournament)
    day = timezone.now().astimezone(ZoneInfo(club.timezone)).date() + timedelta(days=2)
    services.tournament_schedule(tournament=tournament, start_date=day, match_minutes=90)
    court1, court2 = club.courts.order_by("name")
    semi = Match.objects.get(tournament=tournament, round=1, allocation__court=court1)
    final = Match.objects.get(tournament=tournament, round=2)
    services.match_reschedule(match=final, court=court1, start=local(club, day, 16))
    return club, staff, tournament, day, court1, court2, semi


def move(client, user, match, court, start):
    auth(client, user)
    return client.post(f"{API}/matches/{match.pk}/reschedule/",
                       {"court": str(court.pk), "start": start.isoformat()}, format="json")


def slot_status(club, day, court, hhmm):
    avail = availability_for(club=club, day=day)
    slots = next(c for c in avail["courts"] if c["id"] == str(court.pk))["slots"]
    return next(s["status"] for s in slots if s["start"][11:16] == hhmm)


def test_a_match_moves_and_every_screen_follows(api_client, scheduled):
    club, staff, tournament, day, court1, court2, semi = scheduled
    # Club screens and the scoreboard: the events of the move applied to the snapshots taken
    # before give exactly fresh snapshots.
    with (verify_events(club_stream(club.pk), {"date": day.isoformat()}) as club_seen,
          verify_events(tournament_stream(tournament.pk), apply=tournament_selectors.apply_event) as tour_seen):
        moved = data(move(api_client, staff, semi, court2, local(club, day, 12)))
    assert moved["court"]["id"] == str(court2.pk)
    assert moved["start"] == local(club, day, 12).isoformat()
    assert moved["end"] == local(club, day, 13, 30).isoformat()  # keeps its 90 minutes
    allocation = MatchAllocation.objects.get(match=semi)
    assert (allocation.court_id, allocation.period.lower) == (court2.pk, local(club, day, 12))
    assert MatchAllocation.objects.count() == 3  # moved, not copied

    assert slot_status(club, day, court1, "08:00") == "free"
    assert slot_status(club, day, court2, "12:00") == "blocked"
    assert slot_status(club, day, court2, "13:00") == "blocked"
    assert slot_status(club, day, court2, "13:30") == "free"

    # Club screens: the old time freed, then the new one blocked.
    club_events = club_seen.events
    assert [(e["type"], e["data"]["court"]) for e in club_events] == [
        ("court.unblocked", str(court1.pk)), ("court.blocked", str(court2.pk))]
    assert all(e["data"]["match"] == str(semi.pk) for e in club_events)
    # The scoreboard's bracket shows the new court and time.
    assert [e["type"] for e in tour_seen.events] == ["bracket.updated"]


def test_a_clash_is_refused_and_nothing_moves(api_client, scheduled):
    club, staff, tournament, day, court1, court2, semi = scheduled
    ReservationFactory(court=court2, start=local(club, day, 13), end=local(club, day, 14))
    seq = current_seq(club_stream(club.pk))
    error(move(api_client, staff, semi, court2, local(club, day, 12)), 409, "slot_unavailable")
    # The other semi-final holds court 2 at 08:00: a match cannot land on a match either.
    error(move(api_client, staff, semi, court2, local(club, day, 8, 30)), 409, "slot_unavailable")
    allocation = MatchAllocation.objects.get(match=semi)
    assert (allocation.court_id, allocation.period.lower) == (court1.pk, local(club, day, 8))
    assert current_seq(club_stream(club.pk)) == seq  # nothing announced
    # Its own court and time overlap only itself: a repeated move is harmless.
    assert data(move(api_client, staff, semi, court1, local(club, day, 8)))["start"] == local(club, day, 8).isoformat()


def test_bad_times_and_courts_get_clear_4xx(api_client, scheduled):
    club, staff, tournament, day, court1, court2, semi = scheduled
    past = timezone.now() - timedelta(hours=2)
    assert error(move(api_client, staff, semi, court2, past), 400, "in_past")["details"]["start"]
    error(move(api_client, staff, semi, court2, local(club, day, 22, 30)), 400, "outside_opening_hours")
    error(move(api_client, staff, semi, court2, local(club, day, 3)), 400, "outside_opening_hours")
    error(move(api_client, staff, semi, court2, local(club, day, 12, 10)), 400, "misaligned_start")
    other_club_court = CourtFactory(club=ClubFactory())
    details = error(move(api_client, staff, semi, other_club_court, local(club, day, 12)), 400)["details"]
    assert "court" in details
    inactive = CourtFactory(club=club, name="Pista 9", is_active=False)
    error(move(api_client, staff, semi, inactive, local(club, day, 12)), 400)
    auth(api_client, staff)
    naive = api_client.post(f"{API}/matches/{semi.pk}/reschedule/",
                            {"court": str(court2.pk), "start": "2030-01-01T12:00:00"}, format="json")
    assert "start" in error(naive, 400)["details"]
    garbage = api_client.post(f"{API}/matches/{semi.pk}/reschedule/", {"court": "x", "start": 5}, format="json")
    assert set(error(garbage, 400)["details"]) == {"court", "start"}
    allocation = MatchAllocation.objects.get(match=semi)
    assert (allocation.court_id, allocation.period.lower) == (court1.pk, local(club, day, 8))


def test_only_club_staff_move_matches_and_only_before_they_start(api_client, scheduled):
    club, staff, tournament, day, court1, court2, semi = scheduled
    player = UserFactory()
    assert move(api_client, player, semi, court2, local(club, day, 12)).status_code in (403, 404)
    semi.scorer = UserFactory()
    semi.save(update_fields=["scorer"])
    assert move(api_client, semi.scorer, semi, court2, local(club, day, 12)).status_code == 403  # scores only
    play_points(semi, 1, 1)  # the first point starts it
    error(move(api_client, staff, semi, court2, local(club, day, 12)), 409, "match_started")
    unscheduled = make_tournament(club, entries=4, name="Later")
    services.tournament_generate(tournament=unscheduled)
    later = Match.objects.filter(tournament=unscheduled, round=1).first()
    error(move(api_client, staff, later, court2, local(club, day, 12)), 409, "not_scheduled")


def test_a_clubs_matches_of_a_day_in_time_order(api_client, scheduled):
    club, staff, tournament, day, court1, court2, semi = scheduled
    auth(api_client, staff)
    listed = data(api_client.get(f"{API}/matches/?club={club.pk}&date={day}"))
    assert [m["start"] for m in listed] == sorted(m["start"] for m in listed)
    assert {m["key"] for m in listed} == {"R1-M1", "R1-M2", "R2-M1"}
    assert len(listed) == 3 and all(m["start"].startswith(day.isoformat()) for m in listed)
    assert data(api_client.get(f"{API}/matches/?club={club.pk}&date={day + timedelta(days=1)}")) == []
    # Another club's staff asking for this club see nothing of a private tournament.
    tournament.is_public = False
    tournament.save(update_fields=["is_public"])
    auth(api_client, staff_of(ClubFactory()))
    assert data(api_client.get(f"{API}/matches/?club={club.pk}&date={day}")) == []
    auth(api_client, staff)
    error(api_client.get(f"{API}/matches/?date={day}"), 400)  # a day needs its club
    error(api_client.get(f"{API}/matches/?club={club.pk}&date=someday"), 400)


def test_a_match_stays_after_what_it_depends_on(api_client, scheduled):
    club, staff, tournament, day, court1, court2, semi = scheduled
    final = Match.objects.get(tournament=tournament, round=2)
    # The semi-final would end (17:00) after the final starts (16:00).
    details = error(move(api_client, staff, semi, court2, local(club, day, 15, 30)), 409, "out_of_order")["details"]
    assert "start" in details
    # The final would start (09:00) before the semi-finals end (09:30).
    error(move(api_client, staff, final, court2, local(club, day, 9)), 409, "out_of_order")
    assert data(move(api_client, staff, final, court2, local(club, day, 9, 30)))["start"] == \
        local(club, day, 9, 30).isoformat()
    far = timezone.now() + timedelta(days=800)
    error(move(api_client, staff, final, court2, far), 400, "too_far_ahead")
    error(move(api_client, staff, final, court2, datetime(9999, 12, 31, 23, tzinfo=ZoneInfo("UTC"))), 400)
    auth(api_client, staff)
    error(api_client.get(f"{API}/matches/?club={club.pk}&date=9999-12-31"), 400)


def test_another_clubs_staff_can_neither_move_nor_call(api_client, scheduled):
    club, staff, tournament, day, court1, court2, semi = scheduled
    outsider = staff_of(ClubFactory())
    assert move(api_client, outsider, semi, court2, local(club, day, 12)).status_code in (403, 404)
    auth(api_client, outsider)
    assert api_client.post(f"{API}/matches/{semi.pk}/call/").status_code in (403, 404)
    allocation = MatchAllocation.objects.get(match=semi)
    assert (allocation.court_id, allocation.period.lower) == (court1.pk, local(club, day, 8))


def test_moving_across_the_end_of_summer_time_keeps_the_length_in_real_minutes(api_client):
    """Madrid, last Sunday of October 2026 (25th): 03:00 CEST becomes 02:00 CET. A 90-minute match
    moved to 01:30 ends at 02:00 CET, 90 real minutes later, not at 03:00."""
    club, staff = club_with_staff(courts=1, timezone="Europe/Madrid")
    OpeningHours.objects.filter(club=club).delete()
    for weekday in range(7):
        OpeningHours.objects.create(club=club, weekday=weekday, opens=time(0, 0), closes=time(23, 30))
    tournament = make_tournament(club, entries=2)
    services.tournament_generate(tournament=tournament)
    now = datetime(2026, 10, 20, 12, tzinfo=ZoneInfo("UTC"))
    services.tournament_schedule(tournament=tournament, start_date=date_cls(2026, 10, 24), match_minutes=90, now=now)
    match = Match.objects.get(tournament=tournament)
    court = club.courts.get()
    start = datetime(2026, 10, 25, 1, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    moved = services.match_reschedule(match=match, court=court, start=start, now=now)
    allocation = MatchAllocation.objects.get(match=moved)
    assert allocation.period.upper - allocation.period.lower == timedelta(minutes=90)
    assert allocation.period.upper.astimezone(ZoneInfo("Europe/Madrid")).strftime("%H:%M %Z") == "02:00 CET"
