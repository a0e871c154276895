"""Groups then knockout: snake seeding into groups, a round robin in each, then a knockout of the
qualifiers: group winners seeded first, same-group qualifiers kept apart as long as possible."""
from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from apps.tournaments.formats.common import checked
from apps.tournaments.formats.knockout import GroupPlace, Rounds, bracket, seeding_order
from apps.tournaments.formats.round_robin import RoundRobinRound, round_robin


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
    items = checked(entries, "entries", 2)
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
    return GroupsKnockout(groups, bracket(seeded, third_place))
