"""Mexicano: each round ranks 1&4 v 2&3, 5&8 v 6&7, ... from the current standings."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apps.tournaments.formats.americano import DoublesMatch, DoublesRound
from apps.tournaments.formats.common import checked
from apps.tournaments.formats.standings import Standing


def mexicano_next_round(standings: Sequence[Any], courts: int | None = None,
                        sat_out: dict[Any, int] | None = None, number: int = 1) -> DoublesRound:
    """The next Mexicano round from the standings (best first; Standing rows or players).

    Each block of four consecutive ranks plays 1st & 4th against 2nd & 3rd. When the count is
    not a multiple of four (or courts are short) the players who have sat out least (per
    `sat_out`) sit out, the lowest ranked among them first.
    """
    people = checked([s.player if isinstance(s, Standing) else s for s in standings], "players", 4)
    if courts is not None and courts < 1:
        raise ValueError("courts must be at least 1")
    sat_out = sat_out or {}
    per_round = len(people) // 4 if courts is None else min(courts, len(people) // 4)
    resting = len(people) - 4 * per_round
    by_rest_then_rank = sorted(range(len(people)), key=lambda i: (sat_out.get(people[i], 0), -i))
    out = set(by_rest_then_rank[:resting])
    playing = [p for i, p in enumerate(people) if i not in out]
    matches = tuple(
        DoublesMatch(court, (block[0], block[3]), (block[1], block[2]))
        for court, block in enumerate((playing[i:i + 4] for i in range(0, len(playing), 4)), start=1)
    )
    return DoublesRound(number, matches, tuple(p for i, p in enumerate(people) if i in out))
