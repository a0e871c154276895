"""Plugs the tournament stream (`tournament:{id}`, CONTRACT §3) into the live layer: the
resolver says whether the stream exists, the rule who may read it (public tournament: anyone;
otherwise staff of its club), the provider gives the snapshot (the bracket and every match's
score, see selectors.tournament_snapshot). Registered from TournamentsConfig.ready()."""
from __future__ import annotations

from collections.abc import Mapping

from apps.reservations.live import is_club_staff
from apps.tournaments import events
from apps.tournaments.models import Tournament
from apps.tournaments.selectors import tournament_snapshot
from routing.permissions import Principal, StreamTarget, tournament_target
from routing.registry import register_stream_kind
from routing.schemas import register_event_types
from routing.streams import TOURNAMENT


def tournament_stream_target(tournament: Tournament) -> StreamTarget:
    """The target of a tournament already loaded (for read_snapshot: the REST `live` answer, the pages)."""
    return tournament_target(tournament.pk, is_public=tournament.is_public, club_id=tournament.club_id)


def resolve(ident) -> StreamTarget | None:
    row = Tournament.objects.filter(pk=ident).values("pk", "is_public", "club_id").first()
    if row is None:
        return None
    return tournament_target(row["pk"], is_public=row["is_public"], club_id=row["club_id"])


def may_read(target: StreamTarget, principal: Principal) -> bool:
    return target.is_public or is_club_staff(target, principal)


def snapshot(target: StreamTarget, params: Mapping[str, str]) -> dict:
    return tournament_snapshot(target.id)


def register() -> None:
    register_stream_kind(TOURNAMENT, resolve=resolve, allows=may_read, snapshot=snapshot)
    register_event_types(events.EVENT_TYPES)
