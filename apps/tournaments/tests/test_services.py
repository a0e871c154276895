"""Formats through the API, winner advancement, standings, undo across a finished match."""
from __future__ import annotations

from collections import Counter
from itertools import combinations

import pytest

from apps.tournaments import services
from apps.tournaments.models import Match, MatchStatus, Tournament
from apps.tournaments.selectors import tournament_snapshot
from tests.support.tournaments import (
    API,
    auth,
    club_with_staff,
    data,
    error,
    make_tournament,
    play_points,
    win_match,
)

pytestmark = pytest.mark.django_db


def generate_via_api(client, staff, tournament) -> list[dict]:
    auth(client, staff)
    rows = data(client.post(f"{API}/tournaments/{tournament.pk}/generate/"), 201)
    assert [r["sequence"] for r in rows] == sorted(r["sequence"] for r in rows)
    return rows


def reload(match) -> Match:
    return Match.objects.get(pk=match.pk)


@pytest.mark.parametrize("count, byes", [(2, 0), (3, 1), (5, 3), (6, 2), (8, 0), (13, 3)])
def test_single_elimination_via_api_has_byes_for_the_top_seeds(api_client, count, byes):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=count)
    rows = generate_via_api(api_client, staff, tournament)
    size = 1 << (count - 1).bit_length()
    assert len(rows) == size - 1
    bye_rows = [r for r in rows if r["status"] == "bye"]
    assert len(bye_rows) == byes
    # Byes go to the best seeds, who already stand in round 2.
    bye_seeds = sorted((r["team1"] or r["team2"])["seed"] or int((r["team1"] or r["team2"])["name"][1:])
                       for r in bye_rows)
    assert bye_seeds == list(range(1, byes + 1))
    round2 = [r for r in rows if r["round"] == 2]
    placed = {t["name"] for r in round2 for t in (r["team1"], r["team2"]) if t}
    assert {f"E{i}" for i in range(1, byes + 1)} <= placed
    final = [r for r in rows if r["next_match"] is None]
    assert len(final) == 1


def test_winner_advances_and_final_finishes_the_tournament():
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=4)
    services.tournament_generate(tournament=tournament)
    semi1, semi2 = Match.objects.filter(tournament=tournament, round=1).order_by("position")
    final = Match.objects.get(tournament=tournament, round=2)
    win_match(semi1, team=2)
    final = reload(final)
    assert final.team1_id == semi1.team2_id and final.team2_id is None and final.status == MatchStatus.PENDING
    win_match(semi2, team=1)
    final = reload(final)
    assert final.team2_id == semi2.team1_id and final.status == MatchStatus.SCHEDULED
    tournament.refresh_from_db()
    assert tournament.status == "in_progress"
    win_match(final, team=1)
    tournament.refresh_from_db()
    assert tournament.status == "finished"


def test_undo_of_a_finishing_point_takes_the_winner_back(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=4)
    services.tournament_generate(tournament=tournament)
    semi1, semi2 = Match.objects.filter(tournament=tournament, round=1).order_by("position")
    final = Match.objects.get(tournament=tournament, round=2)
    semi1 = win_match(semi1, team=1)
    win_match(semi2, team=2)
    assert reload(final).status == MatchStatus.SCHEDULED
    auth(api_client, staff)
    reopened = data(api_client.post(f"{API}/matches/{semi1.pk}/undo/"))
    assert reopened["status"] == "in_progress" and reopened["winner"] is None
    assert reopened["score"]["sets"] == [[6, 0]] and reopened["score"]["games"] == [5, 0]
    assert reopened["score"]["points"] == ["40", "0"]
    final = reload(final)
    assert final.team1_id is None and final.status == MatchStatus.PENDING
    # Win it again, start the final: now the semi-final can no longer be reopened.
    semi1 = win_match(reload(semi1), team=1)
    services.point_add(match=reload(final), team=1)
    error(api_client.post(f"{API}/matches/{semi1.pk}/undo/"), 409, "next_match_started")
    assert reload(semi1).status == MatchStatus.FINISHED


def test_round_robin_via_api_and_standings(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, format="round_robin", entries=5)
    rows = generate_via_api(api_client, staff, tournament)
    pairs = Counter(frozenset((r["team1"]["id"], r["team2"]["id"])) for r in rows)
    assert len(pairs) == 10 and set(pairs.values()) == {1}
    per_round = Counter(r["round"] for r in rows)
    assert per_round == {n: 2 for n in range(1, 6)}  # 5 entries: one sits out each round
    for rnd in range(1, 6):
        teams = [t for r in rows if r["round"] == rnd for t in (r["team1"]["id"], r["team2"]["id"])]
        assert len(teams) == len(set(teams))

    # E1 wins all its matches 6-0 6-0; E2 loses the first set of each of its others 4-6 then wins.
    matches = list(Match.objects.filter(tournament=tournament).select_related("team1", "team2"))
    for m in matches:
        names = (m.team1.name, m.team2.name)
        if "E1" in names:
            win_match(m, team=names.index("E1") + 1)
    snap = tournament_snapshot(tournament.pk)
    table = snap["standings"]["groups"][0]
    assert table["name"] is None and table["finished"] is False
    top = table["rows"][0]
    assert top["name"] == "E1" and (top["played"], top["won"], top["lost"]) == (4, 4, 0)
    assert (top["sets_won"], top["sets_lost"], top["sets_diff"]) == (8, 0, 8)
    assert (top["games_won"], top["games_lost"], top["games_diff"]) == (48, 0, 48)
    losers = [r for r in table["rows"] if r["name"] != "E1"]
    assert all(r["lost"] == 1 and r["games_diff"] == -12 for r in losers)
    # Tied on everything: seed order decides (E2 before E3 ...).
    assert [r["name"] for r in losers] == ["E2", "E3", "E4", "E5"]
    for m in Match.objects.filter(tournament=tournament).exclude(status=MatchStatus.FINISHED):
        win_match(m, team=1)
    tournament.refresh_from_db()
    assert tournament.status == "finished"
    assert tournament_snapshot(tournament.pk)["standings"]["groups"][0]["finished"] is True


def _set_games(match, team1_games, team2_games):
    """Play one set to the given games (winner of each game wins its four points)."""
    order = []
    a, b = team1_games, team2_games
    while a or b:
        if a:
            order.append(1)
            a -= 1
        if b:
            order.append(2)
            b -= 1
    for team in order:
        match = play_points(match, team, 4)
    return match


def test_groups_knockout_fills_the_knockout_from_the_group_tables(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, format="groups_knockout", entries=8, group_size=4, advance_per_group=2)
    rows = generate_via_api(api_client, staff, tournament)
    groups = [r for r in rows if r["stage"] == "group"]
    knockout = [r for r in rows if r["stage"] == "knockout"]
    assert len(groups) == 12 and len(knockout) == 3
    assert {r["group"] for r in groups} == {"A", "B"}
    semis = sorted((r for r in knockout if r["round"] == 1), key=lambda r: r["position"])
    assert all(r["status"] == "pending" and r["team1"] is None for r in semis)
    assert {(r["source1"]["group"], r["source1"]["place"]) for r in semis} == {("A", 1), ("B", 1)}
    # Snake seeding: group A gets seeds 1, 4, 5, 8; B 2, 3, 6, 7.
    group_a = {t["name"] for r in groups if r["group"] == "A" for t in (r["team1"], r["team2"])}
    assert group_a == {"E1", "E4", "E5", "E8"}

    # Group A: the better seed wins every match; group B: the worse seed wins every match.
    seed = {e.pk: int(e.name[1:]) for e in tournament.entries.all()}
    group_matches = list(Match.objects.filter(tournament=tournament, stage="group").order_by("sequence"))
    for m in group_matches[:-1]:
        better = 1 if seed[m.team1_id] < seed[m.team2_id] else 2
        win_match(m, team=better if m.group == "A" else 3 - better)
    ko = {m.key: m for m in Match.objects.filter(tournament=tournament, stage="knockout")}
    filled = [(m.source1, m.team1_id) for m in ko.values()] + [(m.source2, m.team2_id) for m in ko.values()]
    # Group A is complete: its two places are in the semi-finals; group B's are still open.
    assert sorted(source for source, team in filled if team) == ["group:A:1", "group:A:2"]
    last = group_matches[-1]
    assert last.group == "B"
    better = 1 if seed[last.team1_id] < seed[last.team2_id] else 2
    last = win_match(last, team=3 - better)
    names = {e.pk: e.name for e in tournament.entries.all()}
    semis = sorted(Match.objects.filter(tournament=tournament, stage="knockout", round=1), key=lambda m: m.position)
    assert all(m.status == MatchStatus.SCHEDULED for m in semis)
    placed = {(m.source1, names[m.team1_id]) for m in semis} | {(m.source2, names[m.team2_id]) for m in semis}
    assert placed == {("group:A:1", "E1"), ("group:A:2", "E4"), ("group:B:1", "E7"), ("group:B:2", "E6")}
    # Undo of the last group point empties group B's places again.
    services.point_undo(match=last)
    semis = list(Match.objects.filter(tournament=tournament, stage="knockout", round=1))
    assert all(m.status == MatchStatus.PENDING for m in semis)
    assert {m.source1.split(":")[1] for m in semis if m.team1_id} | {
        m.source2.split(":")[1] for m in semis if m.team2_id} == {"A"}


def test_groups_knockout_with_byes_in_the_knockout():
    club, _staff = club_with_staff()
    # 9 entries in groups of 3, 2 through: 6 qualifiers in an 8-bracket, the two group winners
    # with the best seeds get byes.
    tournament = make_tournament(club, format="groups_knockout", entries=9, group_size=3, advance_per_group=2)
    services.tournament_generate(tournament=tournament)
    byes = Match.objects.filter(tournament=tournament, status=MatchStatus.BYE)
    assert byes.count() == 2
    for m in Match.objects.filter(tournament=tournament, stage="group").order_by("sequence"):
        win_match(m, team=1)
    # The two best group winners stand in round 2 straight away (their round-1 rows are byes).
    for bye in Match.objects.filter(tournament=tournament, status=MatchStatus.BYE):
        waiting = bye.next_match
        assert getattr(waiting, f"team{bye.next_slot}_id") == (bye.team1_id or bye.team2_id) is not None
        assert waiting.status == MatchStatus.PENDING  # the other half comes from a round-1 match
    for m in Match.objects.filter(tournament=tournament, stage="knockout", round=1).exclude(status=MatchStatus.BYE):
        assert m.status == MatchStatus.SCHEDULED
    while (m := Match.objects.filter(tournament=tournament, status=MatchStatus.SCHEDULED).order_by(
            "sequence").first()) is not None:
        win_match(m, team=2)
    tournament.refresh_from_db()
    assert tournament.status == "finished"


def test_americano_via_api_partners_rotate_and_ranking_by_points_won(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, format="americano", entries=8, points_per_match=16)
    rows = generate_via_api(api_client, staff, tournament)
    assert len(rows) == 14  # 7 rounds of 2 matches
    partners = Counter()
    for r in rows:
        assert len(r["team1"]["entries"]) == 2 and r["team1"]["id"] is None
        for team in (r["team1"], r["team2"]):
            partners[frozenset(team["entries"])] += 1
    ids = [str(e.pk) for e in tournament.entries.all()]
    assert set(partners) == {frozenset(p) for p in combinations(ids, 2)}
    assert set(partners.values()) == {1}
    first = Match.objects.filter(tournament=tournament).order_by("sequence").first()
    first = play_points(first, 1, 10)
    assert first.score == {"sets": [], "games": [0, 0], "points": [10, 0], "tiebreak": False,
                           "finished": False, "winner": None, "target": 16}
    first = play_points(first, 2, 6)
    assert first.status == MatchStatus.FINISHED
    assert first.score["sets"] == [[10, 6]] and first.score["winner"] == 1 and first.score["finished"] is True
    auth(api_client, staff)
    error(api_client.post(f"{API}/matches/{first.pk}/point/", {"team": 2}, format="json"), 409, "match_finished")
    ranking = tournament_snapshot(tournament.pk)["standings"]["players"]
    assert len(ranking) == 8
    top = ranking[:2]
    assert {r["entry"] for r in top} == {str(first.team1_id), str(first.team1_partner_id)}
    assert all(r["points_won"] == 10 and r["points_lost"] == 6 and r["played"] == 1 for r in top)
    assert ranking[-1]["points_won"] == 0


def test_americano_draw_has_no_winner():
    club, _staff = club_with_staff()
    tournament = make_tournament(club, format="americano", entries=4, points_per_match=4)
    services.tournament_generate(tournament=tournament)
    match = Match.objects.filter(tournament=tournament).order_by("sequence").first()
    match = play_points(match, 1, 2)
    match = play_points(match, 2, 2)
    assert match.status == MatchStatus.FINISHED and match.winner is None
    assert match.score["sets"] == [[2, 2]] and match.score["finished"] is True


def test_mexicano_next_round_from_standings(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, format="mexicano", entries=8, points_per_match=10, rounds=2)
    rows = generate_via_api(api_client, staff, tournament)
    assert len(rows) == 2 and {r["round"] for r in rows} == {1}
    # Round 1 from seeds: 1&4 v 2&3, 5&8 v 6&7.
    first = sorted(rows, key=lambda r: r["position"])
    assert (first[0]["team1"]["name"], first[0]["team2"]["name"]) == ("E1 / E4", "E2 / E3")
    error(api_client.post(f"{API}/tournaments/{tournament.pk}/next-round/"), 409, "round_not_finished")
    m1, m2 = Match.objects.filter(tournament=tournament).order_by("position")
    play_points(m1, 2, 7)
    play_points(reload(m1), 1, 3)   # E2, E3: 7; E1, E4: 3
    play_points(m2, 1, 10)          # E5, E8: 10; E6, E7: 0
    new = data(api_client.post(f"{API}/tournaments/{tournament.pk}/next-round/"), 201)
    assert {r["round"] for r in new} == {2}
    # Standings: E5 E8 (10, seed order), E2 E3 (7), E1 E4 (3), E6 E7 (0).
    by_position = sorted(new, key=lambda r: r["position"])
    assert (by_position[0]["team1"]["name"], by_position[0]["team2"]["name"]) == ("E5 / E3", "E8 / E2")
    assert (by_position[1]["team1"]["name"], by_position[1]["team2"]["name"]) == ("E1 / E7", "E4 / E6")
    # A round-1 result can no longer change now that round 2 was drawn from it.
    error(api_client.post(f"{API}/matches/{m1.pk}/undo/"), 409, "next_round_generated")
    for m in Match.objects.filter(tournament=tournament, round=2):
        win_match(m, team=1)
    tournament.refresh_from_db()
    assert tournament.status == "finished"
    error(api_client.post(f"{API}/tournaments/{tournament.pk}/next-round/"), 409, "all_rounds_played")


def test_next_round_on_other_formats_is_409(api_client):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=4)
    services.tournament_generate(tournament=tournament)
    auth(api_client, staff)
    error(api_client.post(f"{API}/tournaments/{tournament.pk}/next-round/"), 409, "not_mexicano")


def test_golden_point_and_super_tiebreak_come_from_the_tournament():
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=2, golden_point=True, super_tiebreak=True)
    services.tournament_generate(tournament=tournament)
    match = Match.objects.get(tournament=tournament)
    for _ in range(3):
        match = services.point_add(match=match, team=1)
        match = services.point_add(match=match, team=2)
    assert match.score["points"] == ["40", "40"]
    match = services.point_add(match=match, team=2)  # golden point: game to team 2
    assert match.score["games"] == [0, 1] and match.score["points"] == ["0", "0"]
    # Sets 1-1, then the super tie-break to 10.
    match = Match.objects.get(pk=match.pk)
    match.points = []
    match.save()
    m = Match.objects.get(pk=match.pk)
    for team in (1, 2):
        for _ in range(24):
            m = services.point_add(match=m, team=team)
    assert m.score["sets"] == [[6, 0], [0, 6]] and m.score["tiebreak"] is True
    m = play_points(m, 1, 9)
    m = play_points(m, 2, 8)
    assert m.score["points"] == [9, 8] and not m.score["finished"]
    m = play_points(m, 1, 1)
    assert m.score["sets"][-1] == [10, 8] and m.winner == 1


def test_tournament_stays_consistent_under_every_undo():
    """Score and undo a whole knockout back to zero: every step is the replay of its points."""
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    services.tournament_generate(tournament=tournament)
    match = Match.objects.get(tournament=tournament)
    match = win_match(match, team=2)
    played = len(match.points)
    tournament.refresh_from_db()
    assert tournament.status == "finished"
    for _ in range(played):
        match = services.point_undo(match=match)
        assert match.score == services.score_for(Tournament.objects.get(pk=tournament.pk), match.points)
    assert match.status == MatchStatus.SCHEDULED and match.started_at is None
    tournament.refresh_from_db()
    assert tournament.status == "ready"
