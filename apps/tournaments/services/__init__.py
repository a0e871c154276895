"""Writes of tournaments: one transaction each, stream events published inside it.

Every service locks the tournament row first and only then match rows, so two writers of
one tournament never wait on each other in opposite orders (and the tournament stream's
counter row, locked by `publish`, comes last). Locking the whole tournament for a point
costs nothing extra: publishing to its stream serialises those transactions anyway.

Split by capability; the public services are re-exported here so callers import
`apps.tournaments.services` only.
"""
from apps.tournaments.services.common import score_for
from apps.tournaments.services.draw import generate, mexicano_next_round
from apps.tournaments.services.entries import entries_seed, entry_create, entry_delete, entry_update
from apps.tournaments.services.matches import match_call, match_update, point_add, point_undo
from apps.tournaments.services.scheduling import match_reschedule, schedule
from apps.tournaments.services.tournaments import tournament_create, tournament_update

__all__ = [
    "entries_seed", "entry_create", "entry_delete", "entry_update", "generate", "match_call", "match_reschedule",
    "match_update", "mexicano_next_round", "point_add", "point_undo", "schedule", "score_for", "tournament_create",
    "tournament_update",
]
