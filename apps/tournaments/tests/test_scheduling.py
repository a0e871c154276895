"""Scheduling matches onto the club's courts: opening hours, order, bookings, blocking."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.clubs.models import AllocationStatus, CourtAllocation
from apps.clubs.schedule import opening_windows
from apps.reservations.selectors import club_hours
from apps.tournaments import services
from apps.tournaments.models import Match, MatchAllocation
from apps.tournaments.services import scheduling
from routing.streams import club_stream, staff_stream
from tests.support.factories import ClubFactory, CourtFactory, ReservationFactory, UserFactory, staff_of
from tests.support.live import stream_events
from tests.support.tournaments import API, auth, club_with_staff, data, error, make_tournament, win_match

pytestmark = pytest.mark.django_db


def local(club, day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(club.timezone))


def future_day(club, days=2):
    return timezone.now().astimezone(ZoneInfo(club.timezone)).date() + timedelta(days=days)


def schedule_via_api(client, staff, tournament, day, minutes=90, status=200):
    auth(client, staff)
    response = client.post(f"{API}/tournaments/{tournament.pk}/schedule/",
                           {"start_date": day.isoformat(), "match_minutes": minutes}, format="json")
    return data(response, status) if status == 200 else response


def by_key(rows):
    return {r["key"]: r for r in rows}


def test_knockout_scheduled_in_round_order_and_blocks_availability(api_client):
    club, staff = club_with_staff(courts=2)
    tournament = make_tournament(club, entries=4)
    services.tournament_generate(tournament=tournament)
    day = future_day(club)
    rows = by_key(schedule_via_api(api_client, staff, tournament, day, minutes=90))
    assert set(rows) == {"R1-M1", "R1-M2", "R2-M1"}
    tz = ZoneInfo(club.timezone)
    assert rows["R1-M1"]["start"] == local(club, day, 8).isoformat()
    assert rows["R1-M1"]["court"]["name"] == "Pista 1" and rows["R1-M2"]["court"]["name"] == "Pista 2"
    assert rows["R1-M2"]["start"] == local(club, day, 8).isoformat()
    assert rows["R1-M1"]["end"] == local(club, day, 9, 30).isoformat()
    # The final waits for both semi-finals.
    assert rows["R2-M1"]["start"] == local(club, day, 9, 30).isoformat()
    assert datetime.fromisoformat(rows["R2-M1"]["start"]).utcoffset() == local(club, day, 9).astimezone(tz).utcoffset()

    avail = data(api_client.get(f"/api/v1/reservations/availability/?club={club.pk}&date={day}"))
    court1 = next(c for c in avail["courts"] if c["name"] == "Pista 1")
    status_at = {s["start"][11:16]: s["status"] for s in court1["slots"]}
    assert [status_at[t] for t in ("08:00", "08:30", "09:00", "09:30", "10:30", "11:00")] == \
        ["blocked"] * 5 + ["free"]
    # Announced on the club stream (and the staff stream) as court.blocked, one per match.
    blocked = stream_events(club_stream(club.pk), "court.blocked")
    assert len(blocked) == 3
    assert {e.data["match"] for e in blocked} == {r["id"] for r in rows.values()}
    assert all(e.data["kind"] == "match" and e.data["slot_status"] == "blocked" for e in blocked)
    assert len(stream_events(staff_stream(club.pk), "court.blocked")) == 3
    # A player can no longer book the court at that time.
    auth(api_client, UserFactory())
    start = local(club, day, 8, 30)
    response = api_client.post("/api/v1/reservations/reservations/",
                               {"court": rows["R1-M1"]["court"]["id"], "start": start.isoformat(),
                                "end": (start + timedelta(hours=1)).isoformat()}, format="json")
    error(response, 409, "slot_unavailable")


def test_existing_bookings_push_matches_to_the_next_free_slot(api_client):
    club, staff = club_with_staff(courts=2)
    court1, court2 = club.courts.order_by("name")
    day = future_day(club)
    ReservationFactory(court=court1, start=local(club, day, 8), end=local(club, day, 9))
    ReservationFactory(court=court2, start=local(club, day, 8), end=local(club, day, 10),
                       status=AllocationStatus.HELD)
    ReservationFactory(court=court1, start=local(club, day, 12), end=local(club, day, 13),
                       status=AllocationStatus.CANCELLED)  # a cancelled booking frees its time
    tournament = make_tournament(club, entries=4)
    services.tournament_generate(tournament=tournament)
    rows = by_key(schedule_via_api(api_client, staff, tournament, day, minutes=90))
    assert (rows["R1-M1"]["court"]["name"], rows["R1-M1"]["start"]) == ("Pista 1", local(club, day, 9).isoformat())
    assert (rows["R1-M2"]["court"]["name"], rows["R1-M2"]["start"]) == ("Pista 2", local(club, day, 10).isoformat())
    assert rows["R2-M1"]["start"] == local(club, day, 11, 30).isoformat()
    assert rows["R2-M1"]["court"]["name"] == "Pista 1"


def test_matches_stay_inside_opening_hours_over_several_days(api_client):
    club = ClubFactory(hours=(time(18, 0), time(22, 0)))
    CourtFactory(club=club, name="Pista 1")
    CourtFactory(club=club, name="Pista 2")
    CourtFactory(club=club, name="Pista 3", is_active=False)  # never used
    staff = staff_of(club)
    tournament = make_tournament(club, format="round_robin", entries=8)
    services.tournament_generate(tournament=tournament)
    day = future_day(club)
    rows = schedule_via_api(api_client, staff, tournament, day, minutes=50)  # rounds up to 60 (30-min slots)
    assert len(rows) == 28
    tz = ZoneInfo(club.timezone)
    hours = club_hours(club)
    allocations = list(MatchAllocation.objects.filter(match__tournament=tournament).select_related("court"))
    assert {a.court.name for a in allocations} == {"Pista 1", "Pista 2"}
    for a in allocations:
        assert a.period.upper - a.period.lower == timedelta(minutes=60)
        local_day = a.period.lower.astimezone(tz).date()
        assert any(w.start <= a.period.lower and a.period.upper <= w.end
                   for w in opening_windows(local_day, hours, tz)), a.period
    # 8 matches a day (4 hours x 2 courts): the 28 matches take 4 days.
    days = sorted({a.period.lower.astimezone(tz).date() for a in allocations})
    assert days == [day + timedelta(days=i) for i in range(4)]
    # Nobody plays two matches at once; a round starts only after the entry's previous match.
    matches = list(Match.objects.filter(tournament=tournament).select_related("allocation").order_by("sequence"))
    busy: dict = {}
    for m in matches:
        for entry in (m.team1_id, m.team2_id):
            for other in busy.get(entry, []):
                assert other.upper <= m.allocation.period.lower
            busy.setdefault(entry, []).append(m.allocation.period)


def test_schedule_errors(api_client):
    club, staff = club_with_staff(courts=1)
    tournament = make_tournament(club, entries=2)
    day = future_day(club)
    error(schedule_via_api(api_client, staff, tournament, day, status=409), 409, "not_generated")
    services.tournament_generate(tournament=tournament)
    past = day - timedelta(days=5)
    err = error(schedule_via_api(api_client, staff, tournament, past, status=400), 400)
    assert "start_date" in err["details"]
    bad = api_client.post(f"{API}/tournaments/{tournament.pk}/schedule/", {"start_date": "x", "match_minutes": 0},
                          format="json")
    assert set(error(bad, 400)["details"]) == {"start_date", "match_minutes"}
    schedule_via_api(api_client, staff, tournament, day)
    error(schedule_via_api(api_client, staff, tournament, day, status=409), 409, "nothing_to_schedule")
    no_courts = ClubFactory()
    other = make_tournament(no_courts, entries=2)
    services.tournament_generate(tournament=other)
    error(schedule_via_api(api_client, staff_of(no_courts), other, day, status=409), 409, "no_courts")
    # Another club's staff: the tournament is public, so 403 (not theirs to change).
    error(schedule_via_api(api_client, staff_of(ClubFactory()), tournament, day, status=403), 403)


def test_a_booking_that_lands_first_makes_the_match_take_the_next_slot(api_client, monkeypatch):
    """The read of busy court time is stale (a booking committed meanwhile): the exclusion
    constraint refuses the match's slot, and the scheduler takes the next free one."""
    club, staff = club_with_staff(courts=1)
    court = club.courts.get()
    day = future_day(club)
    tournament = make_tournament(club, entries=2)
    services.tournament_generate(tournament=tournament)
    ReservationFactory(court=court, start=local(club, day, 8), end=local(club, day, 9, 30))
    real = scheduling._busy_intervals
    calls = []

    def stale_then_real(court_ids, span):
        calls.append(court_ids)
        return {c: [] for c in court_ids} if len(calls) == 1 else real(court_ids, span)

    monkeypatch.setattr(scheduling, "_busy_intervals", stale_then_real)
    rows = schedule_via_api(api_client, staff, tournament, day, minutes=60)
    assert len(calls) == 2
    assert rows[0]["start"] == local(club, day, 9, 30).isoformat()
    assert CourtAllocation.objects.filter(court=court, status__in=["confirmed", "blocked"]).count() == 2


def test_later_mexicano_rounds_are_scheduled_after_the_earlier_ones(api_client):
    club, staff = club_with_staff(courts=2)
    tournament = make_tournament(club, format="mexicano", entries=8, points_per_match=4, rounds=3)
    services.tournament_generate(tournament=tournament)
    day = future_day(club)
    first = schedule_via_api(api_client, staff, tournament, day, minutes=30)
    assert [r["start"] for r in first] == [local(club, day, 8).isoformat()] * 2
    for m in Match.objects.filter(tournament=tournament):
        win_match(m, team=1)
    services.round_generate(tournament=tournament)
    second = schedule_via_api(api_client, staff, tournament, day, minutes=30)
    assert len(second) == 2 and all(r["start"] == local(club, day, 8, 30).isoformat() for r in second)


def test_finished_and_bye_matches_are_not_scheduled(api_client):
    club, staff = club_with_staff(courts=4)
    tournament = make_tournament(club, entries=3)  # seed 1 has a bye
    services.tournament_generate(tournament=tournament)
    rows = schedule_via_api(api_client, staff, tournament, future_day(club))
    assert sorted(r["key"] for r in rows) == ["R1-M2", "R2-M1"]
    assert Match.objects.get(tournament=tournament, key="R1-M1").status == "bye"
