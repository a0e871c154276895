"""Americano / Mexicano standings: points won, then point difference, then the player's id/name."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Standing:
    rank: int
    player: Any
    points_won: int
    points_lost: int
    played: int

    @property
    def difference(self) -> int:
        return self.points_won - self.points_lost


def americano_standings(results: Iterable[Sequence[Any]], players: Iterable[Hashable] = (),
                        key: Callable[[Any], Any] = str) -> tuple[Standing, ...]:
    """Rank players by points won, then point difference, then `key(player)` (default: str).

    `results` holds (team1, team2, points1, points2) per played match, teams being pairs of
    players. `players` adds anyone who has not played yet (with zero points).
    """
    won: Counter = Counter()
    lost: Counter = Counter()
    played: Counter = Counter()
    seen: dict[Any, None] = dict.fromkeys(players)
    for result in results:
        team1, team2, points1, points2 = result
        for value in (points1, points2):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"points must be non-negative integers, not {value!r}")
        if len(team1) != 2 or len(team2) != 2 or len(set(team1) | set(team2)) != 4:
            raise ValueError("a result needs two teams of two different players")
        for team, scored, conceded in ((team1, points1, points2), (team2, points2, points1)):
            for player in team:
                seen.setdefault(player, None)
                won[player] += scored
                lost[player] += conceded
                played[player] += 1
    ordered = sorted(seen, key=lambda p: (-won[p], -(won[p] - lost[p]), key(p)))
    return tuple(Standing(rank, p, won[p], lost[p], played[p]) for rank, p in enumerate(ordered, start=1))
