"""Plugs the tournament stream (`tournament:{id}`, CONTRACT §3) into the live layer's registries:
the resolver says whether the stream exists and who may read it (public tournament: anyone;
otherwise staff of its club, decided by routing.permissions.may_subscribe), the provider
gives the snapshot (the bracket and every match's score, see selectors.tournament_snapshot)."""
from __future__ import annotations

from collections.abc import Mapping


def resolve(ident):
    from routing.permissions import tournament_target

    from apps.tournaments.models import Tournament

    row = Tournament.objects.filter(pk=ident).values("pk", "is_public", "club_id").first()
    if row is None:
        return None
    return tournament_target(row["pk"], is_public=row["is_public"], club_id=row["club_id"])


def snapshot(target, params: Mapping[str, str]) -> dict:
    from apps.tournaments.selectors import tournament_snapshot

    return tournament_snapshot(target.id)


def register() -> None:
    from routing.permissions import register_stream_resolver
    from routing.snapshots import register_snapshot_provider
    from routing.streams import TOURNAMENT

    register_stream_resolver(TOURNAMENT, resolve)
    register_snapshot_provider(TOURNAMENT, snapshot)
