"""Tournament formats: brackets for 2..64 entries, round robin fairness, groups + knockout,
Americano partner coverage, Mexicano pairing, standings, determinism. No database."""
from __future__ import annotations

import math
from collections import Counter
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from apps.tournaments.formats import (
    Bye,
    GroupPlace,
    Seed,
    Standing,
    WinnerOf,
    americano,
    americano_standings,
    group_name,
    groups_knockout,
    mexicano_next_round,
    round_robin,
    seeding_order,
    single_elimination,
)

WHIST_COUNTS = (4, 5, 8, 12, 13, 16, 17, 20, 21, 24)


# --- single elimination -----------------------------------------------------------------------

def resolve(rounds, beats):
    """Play a bracket out: `beats(a, b)` says whether slot value a beats b. Returns, per round,
    the entries of each played match, and the champion."""
    winners: dict[str, object] = {}
    played = []
    for rnd in rounds:
        this_round = []
        for match in rnd:
            sides = []
            for slot in (match.team1, match.team2):
                if isinstance(slot, WinnerOf):
                    sides.append(winners[slot.match])
                elif isinstance(slot, Seed):
                    sides.append(slot.seed)
                else:
                    sides.append(None)
            a, b = sides
            if b is None:
                winners[match.key] = a
                continue
            this_round.append((a, b))
            winners[match.key] = a if beats(a, b) else b
        played.append(this_round)
    return played, winners[rounds[-1][0].key]


@pytest.mark.parametrize("n", range(2, 65))
def test_bracket_shape_byes_and_seeding(n):
    entries = [f"e{i}" for i in range(1, n + 1)]
    rounds = single_elimination(entries)
    size = 1 << (n - 1).bit_length()
    assert size >= n > size // 2
    assert len(rounds) == int(math.log2(size))
    assert [len(r) for r in rounds] == [size >> k for k in range(1, len(rounds) + 1)]

    first = rounds[0]
    slots = [s for m in first for s in (m.team1, m.team2)]
    byes = [s for s in slots if isinstance(s, Bye)]
    assert len(byes) == size - n
    seeds = sorted(s.seed for s in slots if isinstance(s, Seed))
    assert seeds == list(range(1, n + 1))
    assert [s.entry for s in sorted((s for s in slots if isinstance(s, Seed)), key=lambda s: s.seed)] == entries
    # byes go to the top seeds, never bye against bye, and the bye is always team2
    bye_matches = [m for m in first if m.is_bye]
    assert sorted(m.team1.seed for m in bye_matches) == list(range(1, size - n + 1))
    assert all(isinstance(m.team2, Bye) and isinstance(m.team1, Seed) for m in bye_matches)
    # a real first-round match pairs seeds summing to size + 1 (1 v lowest, 2 v second lowest...)
    for m in first:
        if not m.is_bye:
            assert m.team1.seed + m.team2.seed == size + 1 and m.team1.seed < m.team2.seed

    # wiring: every match except the final feeds exactly one later slot
    keys = {m.key: m for r in rounds for m in r}
    assert len(keys) == size - 1
    for r_index, rnd in enumerate(rounds, start=1):
        for m in rnd:
            assert m.round == r_index and m.key == f"R{m.round}-M{m.position}"
            if r_index == len(rounds):
                assert m.next_match is None and m.next_slot is None
            else:
                target = keys[m.next_match]
                assert target.round == r_index + 1
                fed = target.team1 if m.next_slot == 1 else target.team2
                if m.is_bye:
                    assert fed == m.team1  # the bye's entry already stands in its round-2 slot
                else:
                    assert fed == WinnerOf(m.key)
    assert not any(isinstance(s, Bye) for r in rounds[1:] for m in r for s in (m.team1, m.team2))

    # with the better seed always winning, round k leaves exactly the top seeds, and seeds 1 and
    # 2 meet only in the final (they sit in opposite halves)
    played, champion = resolve(rounds, lambda a, b: a < b)
    assert champion == 1
    assert played[-1] == [(1, 2)]
    for k, rnd in enumerate(played[1:], start=2):
        alive = sorted(x for pair in rnd for x in pair)
        assert alive == list(range(1, (size >> (k - 1)) + 1))

    assert single_elimination(entries) == rounds  # deterministic


def test_first_round_of_eight():
    first = single_elimination(range(1, 9))[0]
    assert [(m.team1.seed, m.team2.seed) for m in first] == [(1, 8), (4, 5), (2, 7), (3, 6)]


def test_seeding_order():
    assert seeding_order(2) == [1, 2]
    assert seeding_order(4) == [1, 4, 2, 3]
    assert seeding_order(16) == [1, 16, 8, 9, 4, 13, 5, 12, 2, 15, 7, 10, 3, 14, 6, 11]
    with pytest.raises(ValueError):
        seeding_order(12)


def test_five_entries_three_byes():
    rounds = single_elimination(list("abcde"))
    first = rounds[0]
    assert [(m.team1.entry, getattr(m.team2, "entry", None)) for m in first] == [
        ("a", None), ("d", "e"), ("b", None), ("c", None)]
    second = rounds[1]
    assert second[0].team1 == Seed("a", 1) and second[0].team2 == WinnerOf("R1-M2")
    assert second[1].team1 == Seed("b", 2) and second[1].team2 == Seed("c", 3)


@pytest.mark.parametrize("bad", [[], ["a"], ["a", "a"], ["a", None]])
def test_bracket_rejects_bad_entries(bad):
    with pytest.raises(ValueError):
        single_elimination(bad)


# --- round robin --------------------------------------------------------------------------------

@pytest.mark.parametrize("n", range(2, 25))
def test_round_robin_fairness(n):
    entries = [f"p{i}" for i in range(n)]
    rounds = round_robin(entries)
    assert len(rounds) == (n - 1 if n % 2 == 0 else n)
    met = Counter()
    byes = Counter()
    for number, rnd in enumerate(rounds, start=1):
        assert rnd.number == number
        seen = [e for match in rnd.matches for e in match] + list(rnd.sitting_out)
        assert sorted(seen) == sorted(entries)  # everyone once per round: plays or sits out
        assert len(rnd.matches) == n // 2
        assert len(rnd.sitting_out) == n % 2
        byes.update(rnd.sitting_out)
        met.update(frozenset(m) for m in rnd.matches)
    assert set(met) == {frozenset(p) for p in combinations(entries, 2)}
    assert set(met.values()) == {1}
    if n % 2:
        assert byes == Counter(entries)  # each entry sits out exactly once
    assert round_robin(entries) == rounds


@pytest.mark.parametrize("n", range(2, 17))
def test_round_robin_sides_are_balanced(n):
    # team1/team2 carry no advantage in padel, but a scoreboard listing one entry always first
    # looks wrong: each entry is team1 about as often as team2.
    first, second = Counter(), Counter()
    for rnd in round_robin(range(n)):
        for a, b in rnd.matches:
            first[a] += 1
            second[b] += 1
    assert all(abs(first[e] - second[e]) <= 1 for e in range(n)), (first, second)


def test_round_robin_rejects_duplicates():
    with pytest.raises(ValueError):
        round_robin(["a", "b", "a"])


# --- groups then knockout ------------------------------------------------------------------------

@pytest.mark.parametrize("n", [6, 7, 8, 9, 10, 12, 15, 16, 20, 24, 31, 32, 40, 48, 64])
def test_groups_knockout(n):
    entries = list(range(1, n + 1))
    result = groups_knockout(entries, group_size=4, advance=2)
    groups = result.groups
    count = math.ceil(n / 4)
    assert [g.name for g in groups] == [group_name(i) for i in range(count)]
    assert sorted(e for g in groups for e in g.entries) == entries
    sizes = [len(g.entries) for g in groups]
    assert max(sizes) <= 4 and max(sizes) - min(sizes) <= 1
    # snake: the top `count` seeds head different groups, the next ones come back in reverse
    assert [g.entries[0] for g in groups] == list(range(1, count + 1))
    assert [g.entries[1] for g in groups] == list(range(2 * count, count, -1))
    for g in groups:
        met = Counter(frozenset(m) for r in g.rounds for m in r.matches)
        assert set(met) == {frozenset(p) for p in combinations(g.entries, 2)}

    knockout = result.knockout
    first = knockout[0]
    qualifiers = 2 * count
    size = 1 << (qualifiers - 1).bit_length()
    in_order = [s for m in first for s in (m.team1, m.team2)]  # bracket order
    slots = [s for s in in_order if not isinstance(s, Bye)]
    assert sorted((s.group, s.place) for s in slots) == sorted((g.name, p) for g in groups for p in (1, 2))
    # group winners hold seeds 1..count, in group order; byes go to them
    seed_at = seeding_order(size)
    by_seed = {seed_at[i]: slot for i, slot in enumerate(in_order)}
    assert [by_seed[k] for k in range(1, count + 1)] == [GroupPlace(g.name, 1) for g in groups]
    # byes go to the top seeds: the winners first, then (20 or 40 entries) the best runners-up
    byes = size - qualifiers
    assert sum(isinstance(s, Bye) for s in in_order) == byes
    assert sorted(seed_at[in_order.index(m.team1)] for m in first if m.is_bye) == list(range(1, byes + 1))
    for m in first:
        if not m.is_bye:
            assert m.team1.group != m.team2.group  # never the same group in the first round
            if qualifiers == size:
                assert (m.team1.place, m.team2.place) == (1, 2)
    # same-group qualifiers in opposite halves (they can meet only in the final) when possible
    half = len(in_order) // 2
    position = {(s.group, s.place): i for i, s in enumerate(in_order) if not isinstance(s, Bye)}
    if count & (count - 1) == 0 and count >= 2:
        for g in groups:
            assert (position[(g.name, 1)] < half) != (position[(g.name, 2)] < half), g.name
    assert groups_knockout(entries) == result


def test_groups_knockout_sixteen_entries():
    result = groups_knockout(range(1, 17))
    assert [g.entries for g in result.groups] == [(1, 8, 9, 16), (2, 7, 10, 15), (3, 6, 11, 14), (4, 5, 12, 13)]
    assert [(m.team1, m.team2) for m in result.knockout[0]] == [
        (GroupPlace("A", 1), GroupPlace("C", 2)), (GroupPlace("D", 1), GroupPlace("B", 2)),
        (GroupPlace("B", 1), GroupPlace("D", 2)), (GroupPlace("C", 1), GroupPlace("A", 2))]


def test_groups_knockout_rejects_groups_too_small_to_qualify():
    with pytest.raises(ValueError):
        groups_knockout(range(5))  # groups of 3 and 2: a group of 2 cannot send 2 on
    with pytest.raises(ValueError):
        groups_knockout(range(8), group_size=4, advance=4)


def test_group_names():
    assert [group_name(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]


# --- americano ------------------------------------------------------------------------------------

def tally(rounds):
    partners, opponents, plays = Counter(), Counter(), Counter()
    for rnd in rounds:
        for m in rnd.matches:
            partners[frozenset(m.team1)] += 1
            partners[frozenset(m.team2)] += 1
            opponents.update(frozenset((a, b)) for a in m.team1 for b in m.team2)
            plays.update(m.players)
    return partners, opponents, plays


def check_rounds(players, rounds, courts):
    for number, rnd in enumerate(rounds, start=1):
        assert rnd.number == number
        seen = [p for m in rnd.matches for p in m.players]
        assert len(seen) == len(set(seen))  # nobody twice in a round
        assert sorted(seen + list(rnd.sitting_out)) == sorted(players)
        assert 1 <= len(rnd.matches) <= courts
        assert [m.court for m in rnd.matches] == list(range(1, len(rnd.matches) + 1))


@pytest.mark.parametrize("n", range(4, 33))
def test_americano_partner_coverage(n):
    players = [f"pl{i:02d}" for i in range(n)]
    rounds = americano(players)
    check_rounds(players, rounds, n // 4)
    partners, opponents, plays = tally(rounds)
    every_pair = {frozenset(p) for p in combinations(players, 2)}
    assert set(partners) == every_pair  # everyone partners everyone
    if n % 4 in (0, 1):
        assert set(partners.values()) == {1}  # exactly once
        assert set(plays.values()) == {n - 1}
        assert len(rounds) == (n - 1 if n % 4 == 0 else n)
        assert all(len(r.sitting_out) == n % 4 for r in rounds)
    else:
        # an odd number of pairs: exactly one partnership repeats, nobody plays more than once extra
        assert sum(c - 1 for c in partners.values()) == 1
        assert set(plays.values()) <= {n - 1, n}
        lower = math.ceil(n * (n - 1) / 2 / 2 / (n // 4))
        assert lower <= len(rounds) <= lower + 3
    if n in WHIST_COUNTS:
        assert set(opponents) == every_pair and set(opponents.values()) == {2}
    assert americano(players) == rounds


@pytest.mark.parametrize("n", [4, 8, 12, 16])
def test_americano_perfect_counts_every_pair_partners_exactly_once(n):
    players = list(range(100, 100 + n))
    partners, _, _ = tally(americano(players))
    assert partners == Counter({frozenset(p): 1 for p in combinations(players, 2)})


@pytest.mark.parametrize("n,courts", [(8, 1), (12, 2), (16, 3), (10, 1), (9, 1), (24, 5)])
def test_americano_with_fewer_courts_keeps_coverage(n, courts):
    players = list(range(n))
    rounds = americano(players, courts=courts)
    check_rounds(players, rounds, courts)
    partners, _, _ = tally(rounds)
    assert set(partners) == {frozenset(p) for p in combinations(players, 2)}
    if n % 4 in (0, 1):
        assert set(partners.values()) == {1}
    total = sum(len(r.matches) for r in rounds)
    assert len(rounds) >= math.ceil(total / courts)


def test_americano_four_players():
    rounds = americano(["a", "b", "c", "d"])
    assert len(rounds) == 3
    assert {frozenset((frozenset(r.matches[0].team1), frozenset(r.matches[0].team2))) for r in rounds} == {
        frozenset((frozenset("ab"), frozenset("cd"))), frozenset((frozenset("ac"), frozenset("bd"))),
        frozenset((frozenset("ad"), frozenset("bc")))}


@pytest.mark.parametrize("bad,courts", [(["a", "b", "c"], None), (["a", "b", "c", "a"], None), (list("abcd"), 0)])
def test_americano_rejects_bad_input(bad, courts):
    with pytest.raises(ValueError):
        americano(bad, courts=courts)


# --- standings and mexicano --------------------------------------------------------------------------

def test_americano_standings_rank_by_points_then_difference_then_name():
    results = [
        (("ana", "bea"), ("cruz", "dani"), 16, 8),
        (("ana", "cruz"), ("bea", "dani"), 10, 14),
        (("eva", "fer"), ("gil", "hugo"), 12, 12),
    ]
    table = americano_standings(results, players=["zoe"])
    assert [(s.rank, s.player, s.points_won, s.points_lost, s.played) for s in table] == [
        (1, "bea", 30, 18, 2),   # 30 won
        (2, "ana", 26, 22, 2),   # 26 won, +4
        (3, "dani", 22, 26, 2),  # 22 won, -4
        (4, "cruz", 18, 30, 2),
        (5, "eva", 12, 12, 1),   # 12 won, 0: names break the tie
        (6, "fer", 12, 12, 1),
        (7, "gil", 12, 12, 1),
        (8, "hugo", 12, 12, 1),
        (9, "zoe", 0, 0, 0),
    ]
    assert table[1].difference == 4
    # everyone won 10 points: the difference decides (a, b +6; e, f +4; c, d -10), not the name
    tie = americano_standings([(("a", "b"), ("c", "d"), 10, 4), (("c", "d"), ("e", "f"), 6, 10)])
    assert [(s.player, s.points_won, s.difference) for s in tie] == [
        ("a", 10, 6), ("b", 10, 6), ("e", 10, 4), ("f", 10, 4), ("c", 10, -10), ("d", 10, -10)]


@pytest.mark.parametrize("bad", [
    [(("a", "b"), ("c", "d"), -1, 3)],
    [(("a", "b"), ("c", "d"), 1.5, 3)],
    [(("a", "b"), ("a", "d"), 1, 3)],
    [(("a",), ("c", "d"), 1, 3)],
])
def test_americano_standings_rejects_bad_results(bad):
    with pytest.raises(ValueError):
        americano_standings(bad)


def test_mexicano_pairs_from_standings():
    ranked = [f"r{i}" for i in range(1, 9)]
    rnd = mexicano_next_round(ranked, number=3)
    assert rnd.number == 3 and rnd.sitting_out == ()
    assert [(m.court, m.team1, m.team2) for m in rnd.matches] == [
        (1, ("r1", "r4"), ("r2", "r3")), (2, ("r5", "r8"), ("r6", "r7"))]


def test_mexicano_accepts_standing_rows():
    results = [(("a", "b"), ("c", "d"), 7, 9), (("e", "f"), ("g", "h"), 3, 13)]
    table = americano_standings(results)
    order = [s.player for s in table]
    assert order == ["g", "h", "c", "d", "a", "b", "e", "f"]
    rnd = mexicano_next_round(table)
    assert [(m.team1, m.team2) for m in rnd.matches] == [(("g", "d"), ("h", "c")), (("a", "f"), ("b", "e"))]
    assert isinstance(table[0], Standing)


def test_mexicano_sit_outs_rotate_by_rest_count_then_rank():
    ranked = [f"r{i}" for i in range(1, 11)]
    first = mexicano_next_round(ranked)
    assert first.sitting_out == ("r9", "r10")  # nobody has rested: the lowest ranked rest
    assert [(m.team1, m.team2) for m in first.matches] == [
        (("r1", "r4"), ("r2", "r3")), (("r5", "r8"), ("r6", "r7"))]
    second = mexicano_next_round(ranked, sat_out={"r9": 1, "r10": 1})
    assert second.sitting_out == ("r7", "r8")
    assert [(m.team1, m.team2) for m in second.matches] == [
        (("r1", "r4"), ("r2", "r3")), (("r5", "r10"), ("r6", "r9"))]
    one_court = mexicano_next_round(ranked[:8], courts=1)
    assert one_court.sitting_out == ("r5", "r6", "r7", "r8") and len(one_court.matches) == 1


@hsettings(max_examples=100, deadline=None, database=None)
@given(n=st.integers(min_value=4, max_value=40), courts=st.one_of(st.none(), st.integers(1, 10)),
       rests=st.lists(st.integers(0, 3), min_size=40, max_size=40))
def test_mexicano_round_properties(n, courts, rests):
    ranked = [f"m{i:02d}" for i in range(n)]
    sat_out = dict(zip(ranked, rests, strict=False))
    rnd = mexicano_next_round(ranked, courts=courts, sat_out=sat_out)
    per_round = n // 4 if courts is None else min(courts, n // 4)
    assert len(rnd.matches) == per_round
    playing = [p for m in rnd.matches for p in m.players]
    assert sorted(playing + list(rnd.sitting_out)) == ranked
    # nobody sits out while someone who has rested less plays
    assert all(sat_out[s] <= sat_out[p] for s in rnd.sitting_out for p in playing)
    # each block of four plays 1&4 v 2&3 in rank order
    order = {p: i for i, p in enumerate(ranked)}
    for m in rnd.matches:
        a, d = m.team1
        b, c = m.team2
        assert order[a] < order[b] < order[c] < order[d]
    assert [order[m.team1[0]] for m in rnd.matches] == sorted(order[m.team1[0]] for m in rnd.matches)
    assert mexicano_next_round(ranked, courts=courts, sat_out=sat_out) == rnd
