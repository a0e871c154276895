"""The padel scoring engine against CONTRACT §4: fixed cases plus properties checked against an
independent, deliberately naive referee written below. No database."""
from __future__ import annotations

import dataclasses
import json
import random

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from apps.tournaments.scoring import (
    InvalidTeam,
    MatchFinished,
    MatchRules,
    NothingToUndo,
    new_match,
    next_server,
    race_to_contract,
    replay,
    score_point,
    to_contract,
    undo,
)

PLAIN = MatchRules(golden_point=False, super_tiebreak=False)
GOLDEN = MatchRules(golden_point=True, super_tiebreak=False)
SUPER = MatchRules(golden_point=False, super_tiebreak=True)


def game(team: int) -> list[int]:
    return [team] * 4


def games(*teams: int) -> list[int]:
    return [p for team in teams for p in game(team)]


def to_six_all() -> list[int]:
    return games(*[1, 2] * 6)


def deuce() -> list[int]:
    return [1, 2] * 3


# --- independent referee --------------------------------------------------------------------

LABELS = ["0", "15", "30", "40"]


def referee(rules: MatchRules, points: list[int]) -> tuple[list[dict], int | None]:
    """Contract dicts after each point, and the index of the point that ended the match.

    Written differently from the engine on purpose: raw point counts are never folded back
    at deuce, and the display is derived from the difference.
    """
    sets: list[list[int]] = []
    g = [0, 0]
    p = [0, 0]
    out = []
    for k, team in enumerate(points):
        i, o = team - 1, 2 - team
        won_sets = [sum(1 for s in sets if s[0] > s[1]), sum(1 for s in sets if s[1] > s[0])]
        super_tb = rules.super_tiebreak and won_sets == [1, 1]
        tb = g == [6, 6]
        p[i] += 1
        set_result = None
        if super_tb:
            if p[i] >= 10 and p[i] - p[o] >= 2:
                set_result = list(p)
        elif tb:
            if p[i] >= 7 and p[i] - p[o] >= 2:
                set_result = [7, 6] if i == 0 else [6, 7]
        else:
            if rules.golden_point and p[i] == 4 and p[o] == 3:
                game_over = True  # the deciding point at 40-40
            else:
                game_over = p[i] >= 4 and p[i] - p[o] >= 2
            if game_over:
                g[i] += 1
                p = [0, 0]
                if (g[i] == 6 and g[o] <= 4) or g[i] == 7:
                    set_result = list(g)
        if set_result:
            sets.append(set_result)
            g, p = [0, 0], [0, 0]
        won_sets = [sum(1 for s in sets if s[0] > s[1]), sum(1 for s in sets if s[1] > s[0])]
        winner = 1 if won_sets[0] == 2 else 2 if won_sets[1] == 2 else None
        in_tb = winner is None and (g == [6, 6] or (rules.super_tiebreak and won_sets == [1, 1]))
        if winner is not None:
            shown: list = ["0", "0"]
        elif in_tb:
            shown = list(p)
        elif p[0] >= 3 and p[1] >= 3:
            shown = {0: ["40", "40"], 1: ["AD", "40"], -1: ["40", "AD"]}[p[0] - p[1]]
        else:
            shown = [LABELS[p[0]], LABELS[p[1]]]
        out.append({"sets": [list(s) for s in sets], "games": list(g), "points": shown,
                    "tiebreak": in_tb, "finished": winner is not None, "winner": winner})
        if winner is not None:
            return out, k
    return out, None


def valid_set(result: list[int], super_tiebreak: bool) -> bool:
    w, lo = max(result), min(result)
    if super_tiebreak:
        return (w == 10 and lo <= 8) or (w > 10 and w - lo == 2)
    return (w == 6 and lo <= 4) or (w == 7 and lo in (5, 6))


rules_st = st.builds(MatchRules, golden_point=st.booleans(), super_tiebreak=st.booleans())
points_st = st.lists(st.sampled_from([1, 2]), max_size=400)


# --- fixed cases ------------------------------------------------------------------------------

def test_contract_shape_matches_the_contract_example():
    # 6-4, then 2-3 in games, then 30-40.
    pts = games(1, 1, 1, 1, 2, 2, 2, 2, 1, 1) + games(1, 2, 2, 1, 2) + [1, 1, 2, 2, 2]
    score = to_contract(replay(PLAIN, pts))
    assert score == {"sets": [[6, 4]], "games": [2, 3], "points": ["30", "40"],
                     "tiebreak": False, "finished": False, "winner": None}
    assert list(score) == ["sets", "games", "points", "tiebreak", "finished", "winner"]
    assert json.loads(json.dumps(score)) == score  # plain JSON types only


def test_new_match_contract():
    assert to_contract(new_match(PLAIN)) == {"sets": [], "games": [0, 0], "points": ["0", "0"],
                                             "tiebreak": False, "finished": False, "winner": None}


def test_points_run_0_15_30_40_game():
    state = new_match(PLAIN)
    shown = []
    for _ in range(4):
        state = score_point(state, 2)
        shown.append(to_contract(state)["points"])
    assert shown == [["0", "15"], ["0", "30"], ["0", "40"], ["0", "0"]]
    assert to_contract(state)["games"] == [0, 1]


def test_deuce_loops_alternate_advantage_and_deuce():
    state = replay(PLAIN, deuce())
    first_deuce = state
    assert to_contract(state)["points"] == ["40", "40"]
    for k in range(60):
        team = 1 if k % 3 else 2  # advantage to both sides in turn
        state = score_point(state, team)
        assert to_contract(state)["points"] == (["AD", "40"] if team == 1 else ["40", "AD"])
        state = score_point(state, 3 - team)
        assert to_contract(state)["points"] == ["40", "40"]
        assert state == first_deuce  # the same score is the same state, however many deuces
    state = score_point(score_point(state, 2), 2)
    assert to_contract(state)["games"] == [0, 1]
    assert to_contract(state)["points"] == ["0", "0"]


def test_golden_point_decides_at_40_all():
    for team in (1, 2):
        state = score_point(replay(GOLDEN, deuce()), team)
        score = to_contract(state)
        assert score["games"] == ([1, 0] if team == 1 else [0, 1])
        assert score["points"] == ["0", "0"]
    # and advantage never appears with golden point
    rng = random.Random(7)
    state = new_match(GOLDEN)
    for _ in range(500):
        if state.finished:
            break
        state = score_point(state, rng.choice((1, 2)))
        assert "AD" not in to_contract(state)["points"]


def test_without_golden_point_40_all_gives_advantage_not_the_game():
    score = to_contract(score_point(replay(PLAIN, deuce()), 1))
    assert score["games"] == [0, 0] and score["points"] == ["AD", "40"]


def test_set_needs_two_games_clear():
    assert to_contract(replay(PLAIN, games(*[1] * 6)))["sets"] == [[6, 0]]
    five_all = games(*[1, 2] * 5)
    state = replay(PLAIN, five_all + game(1))
    assert to_contract(state)["games"] == [6, 5] and to_contract(state)["sets"] == []
    assert to_contract(replay(PLAIN, five_all + games(1, 1)))["sets"] == [[7, 5]]
    assert to_contract(replay(PLAIN, games(2, 2, 2, 2, 1, 1, 1, 1, 2, 2)))["sets"] == [[4, 6]]


def test_tiebreak_at_six_all_won_7_5():
    state = replay(PLAIN, to_six_all())
    score = to_contract(state)
    assert score["games"] == [6, 6] and score["tiebreak"] is True and score["points"] == [0, 0]
    state = replay(PLAIN, to_six_all() + [1, 2] * 5 + [1])
    score = to_contract(state)
    assert score["points"] == [6, 5] and score["sets"] == [] and score["tiebreak"] is True
    state = score_point(state, 1)
    score = to_contract(state)
    assert score["sets"] == [[7, 6]] and score["games"] == [0, 0] and score["tiebreak"] is False
    assert score["points"] == ["0", "0"]


def test_tiebreak_at_six_all_won_8_6():
    state = replay(PLAIN, to_six_all() + [1, 2] * 6)
    assert to_contract(state)["points"] == [6, 6]
    state = score_point(state, 2)
    assert to_contract(state)["points"] == [6, 7] and to_contract(state)["sets"] == []
    state = score_point(state, 2)
    assert to_contract(state)["sets"] == [[6, 7]]


def test_tiebreak_7_0_is_not_won_at_6_0_nor_7_6():
    assert to_contract(replay(PLAIN, to_six_all() + [1] * 6))["sets"] == []
    assert to_contract(replay(PLAIN, to_six_all() + [1] * 7))["sets"] == [[7, 6]]


def one_set_all(first: int = 1) -> list[int]:
    return games(*[first] * 6) + games(*[3 - first] * 6)


def test_super_tiebreak_won_10_8_not_at_9_8():
    state = replay(SUPER, one_set_all())
    score = to_contract(state)
    assert score["sets"] == [[6, 0], [0, 6]]
    assert score["tiebreak"] is True and score["games"] == [0, 0] and score["points"] == [0, 0]
    state = replay(SUPER, one_set_all() + [1, 2] * 8 + [1])
    score = to_contract(state)
    assert score["points"] == [9, 8] and score["finished"] is False and score["winner"] is None
    state = score_point(state, 1)
    score = to_contract(state)
    assert score == {"sets": [[6, 0], [0, 6], [10, 8]], "games": [0, 0], "points": ["0", "0"],
                     "tiebreak": False, "finished": True, "winner": 1}


def test_super_tiebreak_at_9_all_needs_two_clear():
    state = replay(SUPER, one_set_all() + [1, 2] * 9 + [2])
    assert to_contract(state)["points"] == [9, 10] and not state.finished
    state = score_point(state, 2)
    assert to_contract(state)["sets"][-1] == [9, 11] and state.winner == 2


def test_super_tiebreak_won_10_0_at_ten():
    state = replay(SUPER, one_set_all(2) + [2] * 10)
    assert to_contract(state)["sets"] == [[0, 6], [6, 0], [0, 10]] and state.winner == 2


def test_without_super_tiebreak_the_third_set_is_a_normal_set():
    state = replay(PLAIN, one_set_all())
    score = to_contract(state)
    assert score["tiebreak"] is False and score["points"] == ["0", "0"]
    state = replay(PLAIN, one_set_all() + [1] * 10)
    assert to_contract(state)["games"] == [2, 0] and not state.finished


def test_straight_sets_win_ends_the_match():
    state = replay(SUPER, games(*[2] * 12))
    assert to_contract(state) == {"sets": [[0, 6], [0, 6]], "games": [0, 0], "points": ["0", "0"],
                                  "tiebreak": False, "finished": True, "winner": 2}


def test_no_point_after_the_end():
    pts = games(*[1] * 12)
    state = replay(PLAIN, pts)
    for team in (1, 2):
        with pytest.raises(MatchFinished) as caught:
            score_point(state, team)
        assert caught.value.code == "match_finished"
        with pytest.raises(MatchFinished):
            replay(PLAIN, pts + [team])


def test_undo_nothing_to_undo():
    with pytest.raises(NothingToUndo) as caught:
        undo(PLAIN, [])
    assert caught.value.code == "nothing_to_undo"


def test_undo_returns_the_remaining_points_and_state():
    pts = deuce() + [1]
    remaining, state = undo(PLAIN, pts)
    assert remaining == deuce() and pts == deuce() + [1]  # the caller's list is left alone
    assert state == replay(PLAIN, deuce())


def test_undo_the_point_that_ended_the_match():
    pts = games(*[1] * 12)
    remaining, state = undo(PLAIN, pts)
    assert not state.finished
    assert to_contract(state) == {"sets": [[6, 0]], "games": [5, 0], "points": ["40", "0"],
                                  "tiebreak": False, "finished": False, "winner": None}


@pytest.mark.parametrize("bad", [0, 3, -1, "1", True, None, 1.0])
def test_only_team_1_or_2_scores(bad):
    with pytest.raises(InvalidTeam):
        score_point(new_match(PLAIN), bad)
    with pytest.raises(ValueError):  # InvalidTeam is a ValueError for callers that expect one
        replay(PLAIN, [1, bad])


@pytest.mark.parametrize("bad", [0, 3, -1, "1", True, None, 1.0])
def test_only_team_1_or_2_scores_in_a_race(bad):
    # One check for both engines: a race once took 1.0 for team 1.
    with pytest.raises(InvalidTeam):
        race_to_contract(24, [1, bad])


def test_race_score_runs_to_the_target_then_moves_to_sets():
    assert race_to_contract(4, [1, 2, 1]) == {"sets": [], "games": [0, 0], "points": [2, 1], "tiebreak": False,
                                              "finished": False, "winner": None, "target": 4}
    assert race_to_contract(4, [1, 2, 1, 1])["sets"] == [[3, 1]]
    assert race_to_contract(4, [1, 2, 1, 2])["winner"] is None  # a draw
    with pytest.raises(MatchFinished):
        race_to_contract(4, [1] * 5)


def test_states_are_immutable():
    state = new_match(PLAIN)
    after = score_point(state, 1)
    assert state == new_match(PLAIN) and after != state
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.games = (1, 0)  # type: ignore[misc]


def test_next_server_alternates_games_and_tiebreak_points():
    assert next_server(new_match(PLAIN)) == 1
    assert next_server(new_match(PLAIN), first_server=2) == 2
    assert next_server(replay(PLAIN, game(2))) == 2
    assert next_server(replay(PLAIN, games(2, 2))) == 1
    # 6-6 after 12 games: the team that served the first game serves first in the tie-break,
    # then serve changes after one point and every two points after that.
    tb = to_six_all()
    servers = [next_server(replay(PLAIN, tb + [1] * k)) for k in range(6)]
    assert servers == [1, 2, 2, 1, 1, 2]
    # the tie-break counts as one game: the other team opens the next set
    assert next_server(replay(PLAIN, tb + [1] * 7)) == 2
    assert next_server(replay(PLAIN, games(*[1] * 12))) is None


# --- properties -------------------------------------------------------------------------------

@hsettings(max_examples=300, deadline=None, database=None)
@given(rules=rules_st, points=points_st)
def test_engine_matches_the_independent_referee(rules, points):
    expected, end = referee(rules, points)
    state = new_match(rules)
    for k, team in enumerate(points):
        state = score_point(state, team)
        assert to_contract(state) == expected[k]
        if end == k:
            with pytest.raises(MatchFinished):
                score_point(state, points[k + 1] if k + 1 < len(points) else 1)
            break


@hsettings(max_examples=300, deadline=None, database=None)
@given(rules=rules_st, points=points_st, team=st.sampled_from([1, 2]))
def test_undo_after_a_point_restores_the_exact_state(rules, points, team):
    shown, end = referee(rules, points)
    if end is not None:
        points, shown = points[:end], shown[:end]  # a prefix of a match still in play
    # The oracle is the match as it was played, not `replay` (which undo itself uses): the state
    # reached point by point, and what the independent referee showed before the extra point.
    before = new_match(rules)
    for point in points:
        before = score_point(before, point)
    shown_before = shown[-1] if shown else {"sets": [], "games": [0, 0], "points": ["0", "0"],
                                            "tiebreak": False, "finished": False, "winner": None}
    after = score_point(before, team)
    remaining, restored = undo(rules, points + [team])
    assert after != before  # the point changed something for undo to take back
    assert remaining == points
    assert restored == before
    assert to_contract(restored) == shown_before
    assert replay(rules, points + [team]) == after


@hsettings(max_examples=300, deadline=None, database=None)
@given(rules=rules_st, prefix=points_st, closer=st.lists(st.sampled_from([1, 2]), min_size=1, max_size=5))
def test_any_long_enough_sequence_ends_in_a_valid_finished_match(rules, prefix, closer):
    # After a random prefix, repeat a short pattern until the match ends. A pattern that is all
    # one team ends any match; a mixed one (e.g. 1,2 forever in deuce) may not, so fall back.
    state = new_match(rules)
    played: list[int] = []
    stream = iter(prefix + closer * 200 + [closer[-1]] * 400)
    while not state.finished:
        team = next(stream)
        state = score_point(state, team)
        played.append(team)
    score = to_contract(state)
    assert score["finished"] is True and score["winner"] in (1, 2)
    assert played[-1] == score["winner"]  # the winning point is the winner's
    sets = score["sets"]
    wins = [sum(1 for a, b in sets if a > b), sum(1 for a, b in sets if b > a)]
    assert wins[score["winner"] - 1] == 2 and wins[2 - score["winner"]] <= 1
    assert len(sets) in (2, 3)
    for n, result in enumerate(sets):
        assert valid_set(result, super_tiebreak=rules.super_tiebreak and n == 2), sets
        assert n < 2 or (wins[0] + wins[1] == 3)
    # the match was not already over before the last set
    assert sets[-1][score["winner"] - 1] > sets[-1][2 - score["winner"]]
    assert score["games"] == [0, 0] and score["points"] == ["0", "0"] and score["tiebreak"] is False
    with pytest.raises(MatchFinished):
        score_point(state, 1)
    with pytest.raises(MatchFinished):
        replay(rules, played + [2])
    assert replay(rules, played) == state


@pytest.mark.parametrize("rules", [PLAIN, GOLDEN, SUPER, MatchRules(True, True)])
def test_fair_random_matches_end(rules):
    for seed in range(100):
        rng = random.Random(seed)
        state = new_match(rules)
        played = []
        while not state.finished and len(played) < 3000:
            played.append(rng.choice((1, 2)))
            state = score_point(state, played[-1])
        assert state.finished, seed
        expected, end = referee(rules, played)
        assert end == len(played) - 1 and expected[-1] == to_contract(state)
