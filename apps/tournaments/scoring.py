"""Match scoring (CONTRACT §4): padel as a pure, immutable state machine, and the Americano race. No Django.

A match is fully described by its rules and the ordered list of points won (1 or 2). The
database stores that list; the state is `replay(rules, points)` and undo is replaying all but
the last point, so there is no inverse operation that could drift from the forward rules.

Rules:
- a game goes 0, 15, 30, 40; at 40-40 the next point gives advantage ("AD") and the point
  after either wins the game or returns to 40-40; with `golden_point` the point at 40-40
  wins the game;
- a set goes to 6 games by 2 (6-x with x <= 4, or 7-5); at 6-6 a tie-break to 7 by 2 decides
  it and the set is recorded 7-6;
- best of three sets; with `super_tiebreak` a third set is a match tie-break to 10 by 2,
  recorded as a set such as [10, 8].

After the match ends the state keeps no set in play: `to_contract` shows `games` [0, 0] and
`points` ["0", "0"] with `tiebreak` false; the full result is in `sets`.

Americano / Mexicano matches are a race instead (`race_to_contract`): the match ends when
`target` points have been played, every point counts for the team that won it, so 13-11 is a
result and 12-12 a draw. Their score keeps the same keys so one client renders both:

    {"sets": [], "games": [0, 0], "points": [13, 9], "tiebreak": false,
     "finished": false, "winner": null, "target": 24}

- `points` are numbers (as in a tie-break): the running totals while the match is played;
- when it ends the result moves to `sets` as one set, e.g. [[13, 11]] (like a super tie-break),
  `points` go back to [0, 0], and `winner` is 1 or 2, or null with `finished` true for a draw;
- `target` says that this is a points race and how long it is.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from apps.tournaments.errors import TournamentErrorCode

GAME_LABELS = ("0", "15", "30", "40")
GAMES_PER_SET = 6
TIEBREAK_TO = 7
SUPER_TIEBREAK_TO = 10
SETS_TO_WIN = 2


class ScoringError(Exception):
    """Base of the engine's errors; each one's `code` is the contract's error code."""


class MatchFinished(ScoringError):
    code = TournamentErrorCode.MATCH_FINISHED


class NothingToUndo(ScoringError):
    code = TournamentErrorCode.NOTHING_TO_UNDO


class InvalidTeam(ScoringError, ValueError):
    code = TournamentErrorCode.INVALID_TEAM


@dataclass(frozen=True)
class MatchRules:
    golden_point: bool = False
    super_tiebreak: bool = False


@dataclass(frozen=True)
class MatchState:
    """One moment of a match. Compare states with ==; they are canonical (see `points`).

    `points` are raw point counts in the current game or tie-break. In a normal game with
    advantage, 4-4 is folded back to 3-3 (both are "40-40"), so the same score is always the
    same state however many deuces it took to get there.
    """

    rules: MatchRules
    sets: tuple[tuple[int, int], ...] = ()
    games: tuple[int, int] = (0, 0)
    points: tuple[int, int] = (0, 0)
    winner: int | None = None

    @property
    def finished(self) -> bool:
        return self.winner is not None

    @property
    def sets_won(self) -> tuple[int, int]:
        one = sum(1 for a, b in self.sets if a > b)
        return one, len(self.sets) - one

    @property
    def in_super_tiebreak(self) -> bool:
        return (not self.finished and self.rules.super_tiebreak
                and self.sets_won == (SETS_TO_WIN - 1, SETS_TO_WIN - 1))

    @property
    def in_tiebreak(self) -> bool:
        """True in a set tie-break at 6-6 and in a super tie-break."""
        if self.finished:
            return False
        return self.in_super_tiebreak or self.games == (GAMES_PER_SET, GAMES_PER_SET)


def new_match(rules: MatchRules) -> MatchState:
    return MatchState(rules=rules)


def _check_team(team: object) -> int:
    # Exactly the ints 1 and 2: True (an int subclass) or 1.0 must not quietly score for team 1.
    if not isinstance(team, int) or isinstance(team, bool) or team not in (1, 2):
        raise InvalidTeam(f"team must be 1 or 2, not {team!r}")
    return int(team)  # type: ignore[arg-type]


def _won_race(points: list[int], i: int, target: int) -> bool:
    return points[i] >= target and points[i] - points[1 - i] >= 2


def score_point(state: MatchState, team: int) -> MatchState:
    """The state after `team` (1 or 2) wins one point."""
    team = _check_team(team)
    if state.finished:
        raise MatchFinished("the match is finished")
    i = team - 1
    pts = list(state.points)
    pts[i] += 1

    if state.in_super_tiebreak:
        if _won_race(pts, i, SUPER_TIEBREAK_TO):
            return _close_set(state, (pts[0], pts[1]))
        return _with(state, points=(pts[0], pts[1]))

    if state.in_tiebreak:
        if _won_race(pts, i, TIEBREAK_TO):
            games = [GAMES_PER_SET, GAMES_PER_SET]
            games[i] += 1
            return _close_set(state, (games[0], games[1]))
        return _with(state, points=(pts[0], pts[1]))

    # A normal game: 4 points are needed; at 40-40 golden point ends it at once, advantage needs 2 clear.
    if state.rules.golden_point:
        game_won = pts[i] >= 4
    else:
        game_won = _won_race(pts, i, 4)
        if pts == [4, 4]:
            pts = [3, 3]  # advantage lost: back to deuce
    if not game_won:
        return _with(state, points=(pts[0], pts[1]))

    games = list(state.games)
    games[i] += 1
    if _won_race(games, i, GAMES_PER_SET):
        return _close_set(state, (games[0], games[1]))
    return _with(state, games=(games[0], games[1]), points=(0, 0))


def _with(state: MatchState, **changes) -> MatchState:
    fields = {"rules": state.rules, "sets": state.sets, "games": state.games,
              "points": state.points, "winner": state.winner}
    fields.update(changes)
    return MatchState(**fields)


def _close_set(state: MatchState, result: tuple[int, int]) -> MatchState:
    sets = state.sets + (result,)
    won = MatchState(rules=state.rules, sets=sets).sets_won
    winner = 1 if won[0] == SETS_TO_WIN else 2 if won[1] == SETS_TO_WIN else None
    return MatchState(rules=state.rules, sets=sets, games=(0, 0), points=(0, 0), winner=winner)


def replay(rules: MatchRules, points: Iterable[int]) -> MatchState:
    """The state after the given points from the start. Raises MatchFinished if a point
    follows the end of the match, InvalidTeam for anything but 1 or 2."""
    state = new_match(rules)
    for team in points:
        state = score_point(state, team)
    return state


class Undone(NamedTuple):
    points: list[int]
    state: MatchState


def undo(rules: MatchRules, points: list[int]) -> Undone:
    """Take the last point back: the remaining points and the state they give."""
    if not points:
        raise NothingToUndo("no point to undo")
    remaining = list(points[:-1])
    return Undone(remaining, replay(rules, remaining))


def points_display(state: MatchState) -> list[str] | list[int]:
    a, b = state.points  # (0, 0) once finished: no game in play
    if state.in_tiebreak:
        return [a, b]
    if a >= 3 and b >= 3:  # deuce territory (folded to 3-3, 4-3 or 3-4)
        if a == b:
            return ["40", "40"]
        return ["AD", "40"] if a > b else ["40", "AD"]
    return [GAME_LABELS[a], GAME_LABELS[b]]


def to_contract(state: MatchState) -> dict:
    """The `score` object of CONTRACT §4."""
    return {
        "sets": [[a, b] for a, b in state.sets],
        "games": [state.games[0], state.games[1]],
        "points": points_display(state),
        "tiebreak": state.in_tiebreak,
        "finished": state.finished,
        "winner": state.winner,
    }


def next_server(state: MatchState, first_server: int = 1) -> int | None:
    """The team serving the next point, given the team that served the first game.

    Service alternates by game across the whole match; a tie-break counts as one game (so
    the team that served first in it receives first in the next set); inside a tie-break
    the first point is served by the team whose turn it is, then serves change every two
    points. None once the match is finished. The score itself never depends on this.
    """
    first_server = _check_team(first_server)
    if state.finished:
        return None
    games_played = sum(a + b for a, b in state.sets) + sum(state.games)
    turn = games_played
    if state.in_tiebreak:
        turn += (sum(state.points) + 1) // 2
    return first_server if turn % 2 == 0 else 3 - first_server


def race_to_contract(target: int, points: list[int]) -> dict:
    """The `score` of an Americano / Mexicano race to `target` points played (see the top)."""
    for team in points:
        _check_team(team)
    if len(points) > target:
        raise MatchFinished("more points than the match has")
    a = sum(1 for p in points if p == 1)
    b = len(points) - a
    finished = len(points) == target
    winner = None
    if finished and a != b:
        winner = 1 if a > b else 2
    return {
        "sets": [[a, b]] if finished else [],
        "games": [0, 0],
        "points": [0, 0] if finished else [a, b],
        "tiebreak": False,
        "finished": finished,
        "winner": winner,
        "target": target,
    }
