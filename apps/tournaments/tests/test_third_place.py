"""Third-place match: the semi-finals' losers meet before the final (formats, services, API)."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.core.errors import Conflict
from apps.tournaments import services
from apps.tournaments.formats import THIRD_PLACE_KEY, GroupPlace, LoserOf, groups_knockout, single_elimination
from apps.tournaments.models import Match
from tests.support.factories import UserFactory
from tests.support.tournaments import API, auth, club_with_staff, data, error, make_tournament, win_match

# --- the bracket (no database) -----------------------------------------------------------------


@pytest.mark.parametrize("n", [4, 5, 8, 13, 16])
def test_the_semi_finals_losers_meet_before_the_final(n):
    rounds = single_elimination(range(n), third_place=True)
    semis, last = rounds[-2], rounds[-1]
    assert [m.key for m in last] == [THIRD_PLACE_KEY, f"R{len(rounds)}-M1"]  # third place is played first
    third, final = last
    assert (third.team1, third.team2) == (LoserOf(semis[0].key), LoserOf(semis[1].key))
    assert third.next_match is None and final.next_match is None and not third.is_bye
    assert [(m.loser_match, m.loser_slot) for m in semis] == [(THIRD_PLACE_KEY, 1), (THIRD_PLACE_KEY, 2)]
    # Only the semi-finals send their losers anywhere.
    assert all(m.loser_match is None for rnd in rounds[:-2] for m in rnd)
    # Without the option, the same bracket minus that match.
    plain = single_elimination(range(n))
    assert [[m.key for m in rnd] for rnd in plain] == [[m.key for m in rnd if m.key != THIRD_PLACE_KEY]
                                                        for rnd in rounds]
    assert all(m.loser_match is None for rnd in plain for m in rnd)


@pytest.mark.parametrize("n", [2, 3])
def test_no_third_place_without_two_played_semi_finals(n):
    # Two entries: no semi-finals; three: seed 1 has a bye through its semi-final, nobody loses it.
    rounds = single_elimination(range(n), third_place=True)
    assert all(m.key != THIRD_PLACE_KEY and m.loser_match is None for rnd in rounds for m in rnd)


def test_groups_and_knockout_can_have_a_third_place_match():
    result = groups_knockout(range(8), group_size=4, advance=2, third_place=True)
    third, final = result.knockout[-1]
    assert third.key == THIRD_PLACE_KEY and isinstance(result.knockout[0][0].team1, GroupPlace)
    assert final.key == "R2-M1"


# --- playing it (database) -----------------------------------------------------------------------



def _drawn(entries=4, **fields):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=entries, third_place=True, **fields)
    services.tournament_generate(tournament=tournament)
    return tournament, staff


def _match(tournament, key):
    return Match.objects.get(tournament=tournament, key=key)


@pytest.mark.django_db
def test_losers_go_to_the_third_place_match_and_both_last_matches_end_the_tournament():
    tournament, _staff = _drawn()
    semi1, semi2 = _match(tournament, "R1-M1"), _match(tournament, "R1-M2")
    third = _match(tournament, THIRD_PLACE_KEY)
    assert third.sequence < _match(tournament, "R2-M1").sequence
    assert (third.status, third.source1, third.source2) == ("pending", "loser:R1-M1", "loser:R1-M2")
    win_match(semi1, team=1)
    third.refresh_from_db()
    assert (third.team1_id, third.team2_id, third.status) == (semi1.team2_id, None, "pending")
    win_match(semi2, team=2)
    third.refresh_from_db()
    assert (third.team1_id, third.team2_id, third.status) == (semi1.team2_id, semi2.team1_id, "scheduled")
    final = _match(tournament, "R2-M1")
    assert (final.team1_id, final.team2_id) == (semi1.team1_id, semi2.team2_id)

    win_match(final, team=1)
    tournament.refresh_from_db()
    assert tournament.status == "in_progress"  # third place still to play
    win_match(third, team=2)
    tournament.refresh_from_db()
    assert tournament.status == "finished"


@pytest.mark.django_db
def test_undoing_a_semi_final_takes_the_loser_back_unless_the_third_place_match_started():
    tournament, _staff = _drawn()
    semi1, semi2 = _match(tournament, "R1-M1"), _match(tournament, "R1-M2")
    semi1 = win_match(semi1, team=1)
    win_match(semi2, team=1)
    services.point_undo(match=semi1)
    third, final = _match(tournament, THIRD_PLACE_KEY), _match(tournament, "R2-M1")
    assert (third.team1_id, final.team1_id) == (None, None)
    assert third.status == final.status == "pending"

    semi1 = win_match(semi1, team=1)
    services.point_add(match=_match(tournament, THIRD_PLACE_KEY), team=1)
    with pytest.raises(Conflict) as refused:
        services.point_undo(match=semi1)
    assert refused.value.code == "next_match_started"
    assert _match(tournament, THIRD_PLACE_KEY).team1_id == semi1.team2_id  # nothing changed


@pytest.mark.django_db
def test_the_third_place_match_is_scheduled_after_both_semi_finals():
    tournament, _staff = _drawn()
    day = timezone.now().astimezone(ZoneInfo(tournament.club.timezone)).date() + timedelta(days=1)
    services.tournament_schedule(tournament=tournament, start_date=day, match_minutes=90)
    start = {m.key: m.allocation.period for m in Match.objects.filter(tournament=tournament)
             .select_related("allocation")}
    semis_end = max(start["R1-M1"].upper, start["R1-M2"].upper)
    assert start[THIRD_PLACE_KEY].lower >= semis_end
    # Two courts would allow both at once; third place is played first, the final closes the day.
    assert start["R2-M1"].lower >= start[THIRD_PLACE_KEY].upper
    final = Match.objects.select_related("allocation").get(tournament=tournament, key="R2-M1")
    third = Match.objects.select_related("allocation").get(tournament=tournament, key=THIRD_PLACE_KEY)
    free_court = next(c for c in tournament.club.courts.all() if c.pk != third.allocation.court_id)
    with pytest.raises(Conflict) as refused:  # and a move cannot put the final beside it
        services.match_reschedule(match=final, court=free_court, start=start[THIRD_PLACE_KEY].lower)
    assert refused.value.code == "out_of_order"


@pytest.mark.django_db
def test_api_creates_shows_and_locks_the_option(api_client):
    club, staff = club_with_staff()
    auth(api_client, staff)
    created = data(api_client.post(f"{API}/tournaments/", {"club": str(club.pk), "name": "Open",
                                                           "format": "single_elimination", "third_place": True},
                                   format="json"), 201)
    assert created["third_place"] is True
    tid = created["id"]
    for _ in range(4):
        data(api_client.post(f"{API}/tournaments/{tid}/entries/",
                             {"players": [str(UserFactory().pk), str(UserFactory().pk)]}, format="json"), 201)
    matches = data(api_client.post(f"{API}/tournaments/{tid}/generate/"), 201)
    by_key = {m["key"]: m for m in matches}
    third = by_key[THIRD_PLACE_KEY]
    assert third["source1"] == {"kind": "loser", "match": "R1-M1"}
    assert third["stage"] == "knockout" and third["next_match"] is None
    assert by_key["R1-M2"]["loser_next_match"] == third["id"] and by_key["R1-M2"]["loser_next_slot"] == 2
    err = error(api_client.patch(f"{API}/tournaments/{tid}/", {"third_place": False}, format="json"), 409,
                "field_locked")
    assert "third_place" in err["details"]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["round_robin", "americano", "mexicano"])
def test_formats_without_a_knockout_refuse_the_option(api_client, fmt):
    club, staff = club_with_staff()
    auth(api_client, staff)
    err = error(api_client.post(f"{API}/tournaments/", {"club": str(club.pk), "name": "Liga", "format": fmt,
                                                        "third_place": True}, format="json"), 400)
    assert "third_place" in err["details"]
    knockout = data(api_client.post(f"{API}/tournaments/", {"club": str(club.pk), "name": "Open",
                                                            "format": "single_elimination", "third_place": True},
                                    format="json"), 201)
    if fmt == "round_robin":  # same kind of entries: the format may change, but not keep the option
        err = error(api_client.patch(f"{API}/tournaments/{knockout['id']}/", {"format": fmt}, format="json"), 400)
        assert "third_place" in err["details"]
        data(api_client.patch(f"{API}/tournaments/{knockout['id']}/", {"format": fmt, "third_place": False},
                              format="json"))


@pytest.mark.django_db
def test_after_the_draw_the_settings_are_locked_not_invalid(api_client):
    tournament, staff = _drawn()
    auth(api_client, staff)
    err = error(api_client.patch(f"{API}/tournaments/{tournament.pk}/", {"format": "round_robin"}, format="json"),
                409, "field_locked")
    assert "format" in err["details"]
    data(api_client.patch(f"{API}/tournaments/{tournament.pk}/", {"name": "Open renamed"}, format="json"))


@pytest.mark.django_db
def test_third_place_can_still_be_moved_when_the_final_was_played_first():
    tournament, _staff = _drawn()
    day = timezone.now().astimezone(ZoneInfo(tournament.club.timezone)).date() + timedelta(days=1)
    services.tournament_schedule(tournament=tournament, start_date=day, match_minutes=90)
    for key in ("R1-M1", "R1-M2", "R2-M1"):  # the scorer played the final before third place
        win_match(_match(tournament, key), team=1)
    third = Match.objects.select_related("allocation").get(tournament=tournament, key=THIRD_PLACE_KEY)
    later = third.allocation.period.lower + timedelta(hours=3)
    moved = services.match_reschedule(match=third, court=third.allocation.court, start=later)
    assert moved.allocation.period.lower == later
