"""Round robin: circle method; each pair meets once, nobody plays twice in a round, with an
odd count one entry sits out each round (each entry exactly once)."""
from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from apps.tournaments.formats.common import checked


@dataclass(frozen=True)
class RoundRobinRound:
    number: int
    matches: tuple[tuple[Any, Any], ...]
    sitting_out: tuple[Any, ...]  # the entry with the bye (odd counts), else empty


GHOST = object()  # the circle method's dummy opponent for odd counts


def circle(items: list[Any]) -> list[list[tuple[Any, Any]]]:
    """Circle-method rounds of pairs over items (with GHOST added for odd counts).

    The first item stays put and the rest turn one step each round; pairing the line end to
    end gives every pair exactly once over len-1 rounds. The ghost, when there is one, is the
    item that stays put, so the real entries all travel every position: each is first of its
    pair as often as second.
    """
    line = ([GHOST] + items) if len(items) % 2 else items
    n = len(line)
    fixed, rest = line[0], line[1:]
    rounds = []
    for r in range(n - 1):
        turned = [fixed] + rest[r:] + rest[:r]
        pairs = [(turned[i], turned[n - 1 - i]) for i in range(n // 2)]
        if r % 2:  # swap the fixed item's side every other round so it is not always "team 1"
            pairs[0] = (pairs[0][1], pairs[0][0])
        rounds.append(pairs)
    return rounds


def round_robin(entries: Iterable[Hashable]) -> tuple[RoundRobinRound, ...]:
    """Everyone meets everyone once: n-1 rounds for even n, n rounds for odd n."""
    items = checked(entries, "entries", 2)
    rounds = []
    for number, pairs in enumerate(circle(items), start=1):
        matches = tuple(p for p in pairs if GHOST not in p)
        out = tuple(a if b is GHOST else b for a, b in pairs if GHOST in (a, b))
        rounds.append(RoundRobinRound(number, matches, out))
    return tuple(rounds)
