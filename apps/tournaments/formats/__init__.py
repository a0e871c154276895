"""Tournament formats: who meets whom and in which round. Pure functions on plain data, no Django.

Entries and players are opaque hashable values (ids, names), given in seed order. Every
function here depends only on its input order, never on randomness or set ordering, so
generation is deterministic for a given seeding.

One module per format: `knockout` (single elimination, and the bracket of every knockout),
`round_robin`, `groups` (groups then knockout), `americano`, `mexicano`; `standings` ranks the
players of the last two. Their names are re-exported here.
"""
from apps.tournaments.formats.americano import DoublesMatch, DoublesPairing, DoublesRound, Pair, americano
from apps.tournaments.formats.groups import Group, GroupsKnockout, group_name, groups_knockout
from apps.tournaments.formats.knockout import (
    THIRD_PLACE_KEY,
    BracketMatch,
    Bye,
    GroupPlace,
    LoserOf,
    Rounds,
    Seed,
    Slot,
    WinnerOf,
    seeding_order,
    single_elimination,
)
from apps.tournaments.formats.mexicano import mexicano_next_round
from apps.tournaments.formats.round_robin import RoundRobinRound, round_robin
from apps.tournaments.formats.standings import Standing, americano_standings

__all__ = [
    "THIRD_PLACE_KEY", "BracketMatch", "Bye", "DoublesMatch", "DoublesPairing", "DoublesRound", "Group", "GroupPlace",
    "GroupsKnockout", "LoserOf", "Pair", "RoundRobinRound", "Rounds", "Seed", "Slot", "Standing", "WinnerOf",
    "americano", "americano_standings", "group_name", "groups_knockout", "mexicano_next_round", "round_robin",
    "seeding_order", "single_elimination",
]
