"""Americano: 2v2 rounds where partners rotate.

Every pair of players partners exactly once when the count is 4n (4n-1 rounds, nobody sits
out) or 4n+1 (4n+1 rounds, one player sits out each round, each player once). For 4, 5, 8, 12,
13, 16, 17, 20, 21 and 24 players the schedule is also a whist tournament: every two players
are opponents exactly twice. Other counts (4n+2, 4n+3) cannot be perfect, since the number of
player pairs is odd and every match uses two: every pair still partners at least once and
exactly one partnership repeats.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from apps.tournaments.formats.common import checked
from apps.tournaments.formats.round_robin import GHOST, circle


@dataclass(frozen=True)
class DoublesMatch:
    court: int  # 1-based court slot within the round (not a Court id)
    team1: tuple[Any, Any]
    team2: tuple[Any, Any]

    @property
    def players(self) -> tuple[Any, ...]:
        return self.team1 + self.team2


@dataclass(frozen=True)
class DoublesRound:
    number: int
    matches: tuple[DoublesMatch, ...]
    sitting_out: tuple[Any, ...]  # in input order


Pair = tuple[int, int]
DoublesPairing = tuple[Pair, Pair]


def _opponent_cost(a: Pair, b: Pair, opponents: Counter) -> int:
    return sum(opponents[frozenset((x, y))] for x in a for y in b)


def _record(match: DoublesPairing, partners: Counter, opponents: Counter) -> None:
    for team in match:
        partners[frozenset(team)] += 1
    for x in match[0]:
        for y in match[1]:
            opponents[frozenset((x, y))] += 1


def _pair_up(partnerships: list[Pair], partners: Counter,
             opponents: Counter) -> tuple[list[DoublesPairing], list[Pair]]:
    """Greedily pair disjoint partnerships into matches, each time taking the opponents met
    least so far (ties: list order). Returns the matches and any partnership left alone."""
    matches, alone = [], []
    rest = list(partnerships)
    while rest:
        first = rest.pop(0)
        options = [(i, p) for i, p in enumerate(rest) if not set(first) & set(p)]
        if not options:
            alone.append(first)
            continue
        i, other = min(options, key=lambda o: (_opponent_cost(first, o[1], opponents), o[0]))
        rest.pop(i)
        match = (first, other)
        _record(match, partners, opponents)
        matches.append(match)
    return matches, alone


def americano(players: Iterable[Hashable], courts: int | None = None) -> tuple[DoublesRound, ...]:
    """Americano rounds for 4 or more players on `courts` courts (default: as many as fill).

    Counts with a known whist starter use it. Otherwise partnerships come from a round robin
    of the players (circle method), so every pair of players is a team exactly once; each
    round's partnerships are paired into matches against the least-met opponents. When a
    round robin round has an odd number of partnerships (counts 4n+2 and 4n+3) one partnership
    waits; the waiting ones are paired with each other at the end, and a last one left alone
    plays the two other players who have partnered least (the one repeat). Matches are then
    packed into rounds, first fit, with at most `courts` matches and nobody twice in a round.
    """
    people = checked(players, "players", 4)
    if courts is not None and courts < 1:
        raise ValueError("courts must be at least 1")
    n = len(people)
    per_round = n // 4 if courts is None else min(courts, n // 4)
    matches = _whist(n) if n in _WHIST_STARTERS else _partner_round_robin(n)

    rounds: list[tuple[list[DoublesPairing], set[int]]] = []
    for match in matches:
        busy = set(match[0] + match[1])
        for slot, taken in rounds:
            if len(slot) < per_round and not busy & taken:
                slot.append(match)
                taken |= busy
                break
        else:
            rounds.append(([match], busy))

    result = []
    for number, (slot, taken) in enumerate(rounds, start=1):
        result.append(DoublesRound(
            number,
            tuple(DoublesMatch(court, (people[a[0]], people[a[1]]), (people[b[0]], people[b[1]]))
                  for court, (a, b) in enumerate(slot, start=1)),
            tuple(people[p] for p in range(n) if p not in taken),
        ))
    return tuple(result)


# Z-cyclic whist tournaments (found by exhaustive search; the tests check every property).
# For 4n players the elements are Z_(4n-1) and infinity (written -1), for 4n+1 players Z_(4n+1)
# with 0 sitting out of the starter round. Round r adds r (mod the modulus) to every element of
# the starter; infinity stays put. Element x is player index x, infinity the last player.
_WHIST_STARTERS: dict[int, tuple[DoublesPairing, ...]] = {
    4: (((-1, 0), (1, 2)),),
    5: (((1, 4), (2, 3)),),
    8: (((-1, 0), (1, 3)), ((2, 6), (4, 5))),
    12: (((-1, 0), (1, 3)), ((2, 9), (6, 7)), ((4, 10), (5, 8))),
    13: (((1, 4), (2, 7)), ((3, 12), (6, 8)), ((5, 11), (9, 10))),
    16: (((-1, 0), (1, 2)), ((3, 6), (9, 11)), ((4, 13), (8, 12)), ((5, 10), (7, 14))),
    17: (((1, 2), (3, 8)), ((4, 15), (10, 12)), ((5, 9), (6, 13)), ((7, 16), (11, 14))),
    20: (((-1, 0), (1, 2)), ((3, 5), (9, 15)), ((4, 14), (12, 17)), ((6, 18), (10, 13)),
         ((7, 11), (8, 16))),
    21: (((1, 2), (3, 6)), ((4, 13), (12, 19)), ((5, 9), (14, 16)), ((7, 20), (11, 17)),
         ((8, 18), (10, 15))),
    24: (((-1, 0), (1, 2)), ((3, 5), (7, 17)), ((4, 12), (18, 22)), ((6, 20), (10, 13)),
         ((8, 19), (11, 16)), ((9, 15), (14, 21))),
}


def _whist(n: int) -> list[DoublesPairing]:
    modulus = n - 1 if n % 4 == 0 else n

    def shift(x: int, r: int) -> int:
        return modulus if x == -1 else (x + r) % modulus

    def team(pair: Pair, r: int) -> Pair:
        a, b = sorted((shift(pair[0], r), shift(pair[1], r)))
        return a, b

    return [(team(a, r), team(b, r)) for r in range(modulus) for a, b in _WHIST_STARTERS[n]]


def _partner_round_robin(n: int) -> list[DoublesPairing]:
    """Partnerships from a round robin of the players, paired into matches round by round."""
    partners: Counter = Counter()
    opponents: Counter = Counter()
    waiting_count = [0] * n
    matches: list[DoublesPairing] = []
    waiting: list[Pair] = []
    for pairs in circle(list(range(n))):
        teams = [tuple(sorted(p)) for p in pairs if GHOST not in p]
        if len(teams) % 2:
            # Let the pair whose players have waited least wait, so waiting pairs can meet later.
            j = min(range(len(teams)), key=lambda k: (waiting_count[teams[k][0]] + waiting_count[teams[k][1]], k))
            left = teams.pop(j)
            waiting.append(left)
            waiting_count[left[0]] += 1
            waiting_count[left[1]] += 1
        played, alone = _pair_up(teams, partners, opponents)
        matches.extend(played)
        waiting.extend(alone)  # always empty: one round's partnerships are disjoint
    played, alone = _pair_up(waiting, partners, opponents)
    matches.extend(played)
    for team in alone:
        # Nobody new is left to meet: face the two other players who have partnered least.
        others = [p for p in range(n) if p not in team]
        fill = min(((a, b) for i, a in enumerate(others) for b in others[i + 1:]),
                   key=lambda t: (partners[frozenset(t)], _opponent_cost(team, t, opponents), t))
        match = (team, fill)
        _record(match, partners, opponents)
        matches.append(match)
    return matches
