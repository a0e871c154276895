"""Americano / Mexicano match scoring: a race to a fixed number of points played. Pure Python.

A match ends when `target` points have been played (24 by default); every point counts for the
team that won it, so 13-11 is a result and 12-12 a draw. The `score` keeps the keys of the
contract's padel score (CONTRACT §4) so one client renders both:

    {"sets": [], "games": [0, 0], "points": [13, 9], "tiebreak": false,
     "finished": false, "winner": null, "target": 24}

- `points` are numbers (as in a tie-break): the running totals while the match is played;
- when it ends the result moves to `sets` as one set, e.g. [[13, 11]] (like a super tie-break),
  `points` go back to [0, 0], and `winner` is 1 or 2, or null with `finished` true for a draw;
- `target` says that this is a points race and how long it is.
"""
from __future__ import annotations

from apps.tournaments.scoring import InvalidTeam, MatchFinished, NothingToUndo


def _check_team(team: object) -> int:
    if isinstance(team, bool) or team not in (1, 2):
        raise InvalidTeam(f"team must be 1 or 2, not {team!r}")
    return int(team)  # type: ignore[arg-type]


def totals(points: list[int]) -> tuple[int, int]:
    one = sum(1 for p in points if p == 1)
    return one, len(points) - one


def check_point(target: int, points: list[int], team: int) -> list[int]:
    """The point list after `team` wins one more; MatchFinished once `target` were played."""
    team = _check_team(team)
    if len(points) >= target:
        raise MatchFinished("the match is finished")
    return [*points, team]


def take_back(points: list[int]) -> list[int]:
    if not points:
        raise NothingToUndo("no point to undo")
    return list(points[:-1])


def to_contract(target: int, points: list[int]) -> dict:
    for team in points:
        _check_team(team)
    if len(points) > target:
        raise MatchFinished("more points than the match has")
    a, b = totals(points)
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
