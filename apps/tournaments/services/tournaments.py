"""Tournament settings: create, and change while the draw allows."""
from __future__ import annotations

from django.db import transaction

from apps.core.errors import Conflict
from apps.tournaments.errors import TournamentErrorCode as Code
from apps.tournaments.events import publish_bracket_updated
from apps.tournaments.lock_objects import tournament_qs_select_for_update
from apps.tournaments.models import SOLO_FORMATS, Match, Tournament, TournamentStatus
from apps.tournaments.services.progression import update_tournament_status

# Settings the generated matches depend on: fixed once the draw is made.
LOCKED_AFTER_GENERATION = ("format", "golden_point", "super_tiebreak", "points_per_match", "group_size",
                           "advance_per_group", "courts", "third_place")
@transaction.atomic
def tournament_create(*, club, name: str, format: str, user=None, currency: str | None = None,
                      **fields) -> Tournament:
    tournament = Tournament.objects.create(club=club, name=name, format=format, created_by=user,
                                           currency=(currency or club.currency).upper(), **fields)
    return tournament


@transaction.atomic
def tournament_update(*, tournament: Tournament, **fields) -> Tournament:
    tournament = tournament_qs_select_for_update().get(pk=tournament.pk)
    if tournament.status != TournamentStatus.DRAFT:
        locked = [name for name in LOCKED_AFTER_GENERATION
                  if name in fields and fields[name] != getattr(tournament, name)]
        if locked:
            raise Conflict(Code.FIELD_LOCKED, "The matches are drawn: these settings can no longer change",
                           details={name: ["fixed once the matches are generated"] for name in locked})
        if "rounds" in fields:
            played = Match.objects.filter(tournament=tournament).order_by("-round").values_list(
                "round", flat=True).first() or 0
            if fields["rounds"] < played:
                raise Conflict(Code.FIELD_LOCKED, f"{played} rounds are already drawn",
                               details={"rounds": [f"at least {played}"]})
    if "format" in fields and (fields["format"] in SOLO_FORMATS) != tournament.is_solo \
            and tournament.entries.exists():
        raise Conflict(Code.FIELD_LOCKED, "Entries are already pairs (or single players): the format can only "
                       "change to one with the same kind of entry", details={"format": ["entries exist"]})
    for name, value in fields.items():
        setattr(tournament, name, value.upper() if name == "currency" else value)
    tournament.save()
    if tournament.status == TournamentStatus.FINISHED or "rounds" in fields:
        update_tournament_status(tournament)
    publish_bracket_updated(tournament)
    return tournament
