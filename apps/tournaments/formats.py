"""Tournament formats: who meets whom and in which round. Pure functions on plain data, no Django.

Entries and players are opaque hashable values (ids, names), given in seed order. Every
function here depends only on its input order, never on randomness or set ordering, so
generation is deterministic for a given seeding.

- `single_elimination`: standard seeding (1 meets the lowest seed, 1 and 2 in opposite halves,
  1-4 in different quarters, ...), bracket size the next power of two, byes to the top seeds.
- `round_robin`: circle method; each pair meets once, nobody plays twice in a round, with an
  odd count one entry sits out each round (each entry exactly once).
- `groups_knockout`: snake seeding into groups, a round robin in each, then a knockout of the
  qualifiers: group winners seeded first, same-group qualifiers kept apart as long as possible.
- `americano`: 2v2 rounds where partners rotate. Every pair of players partners exactly once
  when the count is 4n (4n-1 rounds, nobody sits out) or 4n+1 (4n+1 rounds, one player sits out
  each round, each player once). For 4, 5, 8, 12, 13, 16, 17, 20, 21 and 24 players the schedule
  is also a whist tournament: every two players are opponents exactly twice. Other counts
  (4n+2, 4n+3) cannot be perfect, since the number of player pairs is odd and every match uses
  two: every pair still partners at least once and exactly one partnership repeats.
- `mexicano_next_round`: ranks 1&4 v 2&3, 5&8 v 6&7, ... from the current standings.
- `americano_standings`: points won, then point difference, then the player's id/name.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Callable, Hashable, Iterable, Sequence, Union


# --- single elimination -------------------------------------------------------------------

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


Slot = Union[Seed, Bye, WinnerOf, LoserOf, GroupPlace]

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


def _bracket(slots: Sequence[Slot], third_place: bool = False) -> Rounds:
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


def _checked(entries: Iterable[Any], what: str, minimum: int) -> list[Any]:
    items = list(entries)
    if any(item is None for item in items):
        raise ValueError(f"{what} cannot be None")
    if len(set(items)) != len(items):
        raise ValueError(f"{what} must be distinct")
    if len(items) < minimum:
        raise ValueError(f"at least {minimum} {what} are needed")
    return items


def single_elimination(entries_in_seed_order: Iterable[Hashable], third_place: bool = False) -> Rounds:
    """Knockout rounds (first round first) for 2 or more entries, best seed first."""
    entries = _checked(entries_in_seed_order, "entries", 2)
    return _bracket([Seed(entry, i) for i, entry in enumerate(entries, start=1)], third_place)


# --- round robin --------------------------------------------------------------------------

@dataclass(frozen=True)
class RoundRobinRound:
    number: int
    matches: tuple[tuple[Any, Any], ...]
    sitting_out: tuple[Any, ...]  # the entry with the bye (odd counts), else empty


_GHOST = object()  # the circle method's dummy opponent for odd counts


def _circle(items: list[Any]) -> list[list[tuple[Any, Any]]]:
    """Circle-method rounds of pairs over items (with _GHOST added for odd counts).

    The first item stays put and the rest turn one step each round; pairing the line end to
    end gives every pair exactly once over len-1 rounds. The ghost, when there is one, is the
    item that stays put, so the real entries all travel every position: each is first of its
    pair as often as second.
    """
    line = ([_GHOST] + items) if len(items) % 2 else items
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
    items = _checked(entries, "entries", 2)
    rounds = []
    for number, pairs in enumerate(_circle(items), start=1):
        matches = tuple(p for p in pairs if _GHOST not in p)
        out = tuple(a if b is _GHOST else b for a, b in pairs if _GHOST in (a, b))
        rounds.append(RoundRobinRound(number, matches, out))
    return tuple(rounds)


# --- groups then knockout -----------------------------------------------------------------

@dataclass(frozen=True)
class Group:
    name: str
    entries: tuple[Any, ...]  # in seed order
    rounds: tuple[RoundRobinRound, ...]


@dataclass(frozen=True)
class GroupsKnockout:
    groups: tuple[Group, ...]
    knockout: Rounds  # slots are GroupPlace (or Bye)


def group_name(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (spreadsheet style)."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(ord("A") + rem) + name
    return name


def _meeting_round(p: int, q: int) -> int:
    """The round in which bracket positions p and q (0-based, bracket order) can first meet."""
    return (p ^ q).bit_length()


def groups_knockout(entries: Iterable[Hashable], group_size: int = 4, advance: int = 2,
                    third_place: bool = False) -> GroupsKnockout:
    """Groups of at most `group_size` (sizes differ by at most one), the best `advance` of each
    into a knockout.

    Snake seeding: seeds 1..G go to groups A..G, seeds G+1..2G back from G to A, and so on,
    so group strength is balanced. In the knockout the group winners take seeds 1..G in group
    order; each lower place fills the next seeds, every slot taking the group whose own
    qualifiers it would meet latest (first round avoided, opposite halves where the count
    allows). Raises ValueError when a group would have no more entries than qualifiers.
    """
    items = _checked(entries, "entries", 2)
    if group_size < 2:
        raise ValueError("group_size must be at least 2")
    if advance < 1:
        raise ValueError("advance must be at least 1")
    count = -(-len(items) // group_size)
    members: list[list[Any]] = [[] for _ in range(count)]
    for i, entry in enumerate(items):
        row, col = divmod(i, count)
        members[col if row % 2 == 0 else count - 1 - col].append(entry)
    smallest = min(len(m) for m in members)
    if smallest <= advance:
        raise ValueError(f"{len(items)} entries in groups of {group_size} leave a group of {smallest}, "
                         f"not enough for {advance} to advance")
    if count * advance < 2:
        raise ValueError("the knockout needs at least two qualifiers")
    names = [group_name(g) for g in range(count)]
    groups = tuple(Group(names[g], tuple(members[g]), round_robin(members[g])) for g in range(count))

    qualifiers = count * advance
    size = 1 << (qualifiers - 1).bit_length()
    position = {seed: pos for pos, seed in enumerate(seeding_order(size))}
    seeded: list[GroupPlace] = [GroupPlace(name, 1) for name in names]
    placed: dict[str, list[int]] = {name: [position[seed]] for seed, name in enumerate(names, start=1)}
    for place in range(2, advance + 1):
        remaining = list(names)
        while remaining:
            pos = position[len(seeded) + 1]
            # Latest possible meeting with its own group; ties keep group order (determinism).
            best = max(remaining, key=lambda g: min(_meeting_round(pos, q) for q in placed[g]))
            remaining.remove(best)
            placed[best].append(pos)
            seeded.append(GroupPlace(best, place))
    return GroupsKnockout(groups, _bracket(seeded, third_place))


# --- americano / mexicano -----------------------------------------------------------------

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
    people = _checked(players, "players", 4)
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
    for pairs in _circle(list(range(n))):
        teams = [tuple(sorted(p)) for p in pairs if _GHOST not in p]
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


def mexicano_next_round(standings: Sequence[Any], courts: int | None = None,
                        sat_out: dict[Any, int] | None = None, number: int = 1) -> DoublesRound:
    """The next Mexicano round from the standings (best first; Standing rows or players).

    Each block of four consecutive ranks plays 1st & 4th against 2nd & 3rd. When the count is
    not a multiple of four (or courts are short) the players who have sat out least (per
    `sat_out`) sit out, the lowest ranked among them first.
    """
    people = _checked([s.player if isinstance(s, Standing) else s for s in standings], "players", 4)
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
