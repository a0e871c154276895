"""Writes of tournaments: keyword-only `<entity>_<action>` services, one transaction each,
stream events published inside it. Row locks come from `apps.tournaments.lock_objects`, in the
order written there.

Split by capability; the public services are re-exported here so callers import
`apps.tournaments.services` only:
- `tournaments`: settings (create, update);
- `entries`: entries and their seeds, before the draw;
- `draw`: the draw of a format, Mexicano's next round;
- `matches`: points, undo, the scorer, calling the players;
- `progression`: what a finished match moves on (and its undo), the tournament's status;
- `scheduling`: matches onto courts, moving one;
- `common`: the score of a point list, the draft check. Events: `apps.tournaments.events`.
"""
from apps.tournaments.services.common import score_for
from apps.tournaments.services.draw import round_generate, tournament_generate
from apps.tournaments.services.entries import entry_create, entry_delete, entry_update, tournament_seed
from apps.tournaments.services.matches import match_call, match_update, point_add, point_undo
from apps.tournaments.services.scheduling import match_reschedule, tournament_schedule
from apps.tournaments.services.tournaments import tournament_create, tournament_update

__all__ = [
    "entry_create", "entry_delete", "entry_update", "match_call", "match_reschedule", "match_update", "point_add",
    "point_undo", "round_generate", "score_for", "tournament_create", "tournament_generate", "tournament_schedule",
    "tournament_seed", "tournament_update",
]
