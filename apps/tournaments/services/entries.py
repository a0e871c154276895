"""Entries (pairs, or single players in Americano/Mexicano) and their seeds, before the draw."""
from __future__ import annotations

from django.db import transaction

from apps.core.errors import Conflict, InvalidInput
from apps.tournaments.errors import TournamentErrorCode as Code
from apps.tournaments.events import publish_bracket_updated
from apps.tournaments.lock_objects import entry_qs_select_for_update, tournament_qs_select_for_update
from apps.tournaments.models import Entry, EntryPlayer, Tournament
from apps.tournaments.selectors import ordered_entries
from apps.tournaments.services.common import require_draft


def _entry_name(players) -> str:
    return " / ".join((p.last_name or p.full_name) for p in players)


@transaction.atomic
def entry_create(*, tournament: Tournament, players: list, name: str = "", seed: int | None = None) -> Entry:
    tournament = tournament_qs_select_for_update().get(pk=tournament.pk)
    require_draft(tournament, "entries")
    needed = 1 if tournament.is_solo else 2
    if len(players) != needed:
        message = (f"{tournament.get_format_display()} entries are single players: give one player"
                   if needed == 1 else "An entry is a pair: give two players")
        raise InvalidInput(Code.WRONG_PLAYER_COUNT, message, details={"players": [message]})
    if len({p.pk for p in players}) != len(players):
        raise InvalidInput(Code.WRONG_PLAYER_COUNT, "The two players must be different people",
                           details={"players": ["The two players must be different people"]})
    taken = set(EntryPlayer.objects.filter(tournament=tournament, user__in=players).values_list("user_id", flat=True))
    if taken:
        raise Conflict(Code.PLAYER_ALREADY_ENTERED, "A player is already entered in this tournament",
                       details={"players": [str(pk) for pk in sorted(taken, key=str)]})
    if seed is not None and Entry.objects.filter(tournament=tournament, seed=seed).exists():
        raise Conflict(Code.SEED_TAKEN, f"Seed {seed} is already given to another entry",
                       details={"seed": [f"seed {seed} is taken"]})
    entry = Entry.objects.create(tournament=tournament, name=name or _entry_name(players), seed=seed)
    EntryPlayer.objects.bulk_create(
        EntryPlayer(tournament=tournament, entry=entry, user=player, position=i) for i, player in enumerate(players))
    publish_bracket_updated(tournament)
    return entry


@transaction.atomic
def entry_update(*, entry: Entry, **fields) -> Entry:
    tournament = tournament_qs_select_for_update().get(pk=entry.tournament_id)
    entry = entry_qs_select_for_update().get(pk=entry.pk)
    if "seed" in fields and fields["seed"] != entry.seed:
        require_draft(tournament, "seeds")
        seed = fields["seed"]
        if seed is not None and Entry.objects.filter(tournament=tournament, seed=seed).exclude(pk=entry.pk).exists():
            raise Conflict(Code.SEED_TAKEN, f"Seed {seed} is already given to another entry",
                           details={"seed": [f"seed {seed} is taken"]})
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.save()
    publish_bracket_updated(tournament)
    return entry


@transaction.atomic
def entry_delete(*, entry: Entry) -> None:
    tournament = tournament_qs_select_for_update().get(pk=entry.tournament_id)
    require_draft(tournament, "entries")
    entry.delete()
    publish_bracket_updated(tournament)


@transaction.atomic
def tournament_seed(*, tournament: Tournament, entries: list[Entry]) -> list[Entry]:
    """Seeds 1..n in the given order; entries not listed lose their seed."""
    tournament = tournament_qs_select_for_update().get(pk=tournament.pk)
    require_draft(tournament, "seeds")
    order = {entry.pk: i for i, entry in enumerate(entries, start=1)}
    rows = list(entry_qs_select_for_update().filter(tournament=tournament))
    for row in rows:
        row.seed = order.get(row.pk)
    Entry.objects.bulk_update(rows, ["seed"])  # the unique (tournament, seed) check waits for commit
    publish_bracket_updated(tournament)
    return ordered_entries(tournament)
