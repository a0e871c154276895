"""Single elimination: standard seeding (1 meets the lowest seed, 1 and 2 in opposite halves,
1-4 in different quarters, ...), bracket size the next power of two, byes to the top seeds.
Also the bracket the knockout of `groups_knockout` uses."""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from apps.tournaments.formats.common import checked


@dataclass(frozen=True)
class Seed:
    """A known entry in a bracket slot, with its seed (1 = best)."""

    entry: Any
    seed: int


@dataclass(frozen=True)
class Bye:
    """An empty slot: the opponent goes through without playing."""


@dataclass(frozen=True)
class WinnerOf:
    match: str  # BracketMatch.key


@dataclass(frozen=True)
class LoserOf:
    """The loser of a semi-final, for the third-place match."""

    match: str  # BracketMatch.key


@dataclass(frozen=True)
class GroupPlace:
    """The entry finishing `place` (1 = winner) in group `group`, known once the group is over."""

    group: str
    place: int


Slot = Seed | Bye | WinnerOf | LoserOf | GroupPlace

THIRD_PLACE_KEY = "3P"  # the third-place match: in the final's round, played before the final


@dataclass(frozen=True)
class BracketMatch:
    """One pairing of a knockout bracket.

    Round-1 pairings against a Bye are listed so the bracket can be drawn, but they are not
    played (`is_bye`): their entry already stands in its round-2 slot.
    """

    key: str  # "R{round}-M{position}"
    round: int
    position: int  # 1-based, top to bottom
    team1: Slot
    team2: Slot
    next_match: str | None  # where the winner goes; None for the final
    next_slot: int | None  # 1 or 2 in next_match
    loser_match: str | None = None  # semi-finals with a third-place match: where the loser goes
    loser_slot: int | None = None

    @property
    def is_bye(self) -> bool:
        return isinstance(self.team1, Bye) or isinstance(self.team2, Bye)


Rounds = tuple[tuple[BracketMatch, ...], ...]


def seeding_order(size: int) -> list[int]:
    """Seeds in bracket order for a power-of-two `size`: 8 -> [1, 8, 4, 5, 2, 7, 3, 6].

    Built by doubling: each seed s of the smaller bracket is followed by its new opponent
    (2n + 1 - s), which keeps seeds 1..k in separate sections of every round.
    """
    if size < 1 or size & (size - 1):
        raise ValueError("bracket size must be a power of two")
    order = [1]
    while len(order) < size:
        total = 2 * len(order) + 1
        order = [seed for s in order for seed in (s, total - s)]
    return order


def _match_key(round_no: int, position: int) -> str:
    return f"R{round_no}-M{position}"


def bracket(slots: Sequence[Slot], third_place: bool = False) -> Rounds:
    """A knockout bracket over slots given in seed order (slots[0] is seed 1). With `third_place`
    the semi-finals' losers meet in a match keyed THIRD_PLACE_KEY, listed before the final (it is
    played first); there is none when the bracket has no semi-finals or a semi-final is a bye."""
    n = len(slots)
    if n < 2:
        raise ValueError("a bracket needs at least two entries")
    size = 1 << (n - 1).bit_length()
    total_rounds = size.bit_length() - 1
    order = seeding_order(size)

    def slot_of(seed: int) -> Slot:
        return slots[seed - 1] if seed <= n else Bye()

    def link(round_no: int, position: int) -> tuple[str | None, int | None]:
        if round_no == total_rounds:
            return None, None
        return _match_key(round_no + 1, (position + 1) // 2), 1 if position % 2 else 2

    rounds: list[tuple[BracketMatch, ...]] = []
    pairs = [(slot_of(order[i]), slot_of(order[i + 1])) for i in range(0, size, 2)]
    for round_no in range(1, total_rounds + 1):
        matches, advancing = [], []
        for position, (a, b) in enumerate(pairs, start=1):
            key = _match_key(round_no, position)
            matches.append(BracketMatch(key, round_no, position, a, b, *link(round_no, position)))
            # A bye is decided at the draw: the entry stands in the next round straight away.
            advancing.append(a if isinstance(b, Bye) else b if isinstance(a, Bye) else WinnerOf(key))
        rounds.append(tuple(matches))
        pairs = [(advancing[i], advancing[i + 1]) for i in range(0, len(advancing) - 1, 2)]
    if third_place and total_rounds >= 2 and not any(m.is_bye for m in rounds[-2]):
        semis = tuple(replace(m, loser_match=THIRD_PLACE_KEY, loser_slot=m.position) for m in rounds[-2])
        third = BracketMatch(THIRD_PLACE_KEY, total_rounds, 2, LoserOf(semis[0].key), LoserOf(semis[1].key),
                             None, None)
        rounds[-2] = semis
        rounds[-1] = (third, *rounds[-1])
    return tuple(rounds)

def single_elimination(entries_in_seed_order: Iterable[Hashable], third_place: bool = False) -> Rounds:
    """Knockout rounds (first round first) for 2 or more entries, best seed first."""
    entries = checked(entries_in_seed_order, "entries", 2)
    return bracket([Seed(entry, i) for i, entry in enumerate(entries, start=1)], third_place)
