"""Tournament stream events (CONTRACT §3): `match.started`, `match.score`, `match.finished` and
`bracket.updated`, one builder each, plus what a match's court time adds to the club streams'
`court.blocked`/`court.unblocked`; and their schemas (routing.schemas)."""
from __future__ import annotations

from apps.tournaments.models import MatchStage, MatchStatus, Tournament, TournamentStatus
from apps.tournaments.selectors import (
    bracket_state,
    entries_with_players,
    match_data,
    matches_data,
    matches_for_output,
    tournament_data,
)
from routing.publisher import publish
from routing.schemas import TIME, UUID, EventType, enum, nullable, obj
from routing.streams import TOURNAMENT, tournament_stream


def bracket_updated_data(tournament: Tournament, changed_ids=()) -> dict:
    """The tournament, its entries and standings, and the matches that changed."""
    data = bracket_state(tournament)
    changed = list(matches_for_output().filter(pk__in=list(changed_ids)))
    data["matches"] = matches_data(changed, tournament)
    return data


def match_event_data(tournament: Tournament, match) -> dict:
    """`match.*`: the match as it now is, and the tournament (whose status a point can change).
    `match` comes from matches_for_output()."""
    entries = {e.pk: e for e in entries_with_players().filter(pk__in=[
        pk for pk in (match.team1_id, match.team1_partner_id, match.team2_id, match.team2_partner_id) if pk])}
    return {"match": match_data(match, entries), "tournament": tournament_data(tournament)}


def match_court_extra(tournament: Tournament, match) -> dict:
    """What a match's `court.blocked`/`court.unblocked` add: the match, and a public tournament."""
    extra = {"reason": "tournament", "match": str(match.pk)}
    if tournament.is_public:
        extra["tournament"] = {"id": str(tournament.pk), "name": tournament.name}
    return extra


def publish_bracket_updated(tournament: Tournament, changed_ids=()) -> None:
    publish(tournament_stream(tournament.pk), "bracket.updated", bracket_updated_data(tournament, changed_ids))


def publish_match_events(tournament: Tournament, types: list[str], match):
    """The match events of one change, all carrying the same data; returns the fresh match."""
    fresh = matches_for_output().get(pk=match.pk)
    payload = match_event_data(tournament, fresh)
    for type_ in types:
        publish(tournament_stream(tournament.pk), type_, payload)
    return fresh


# --- schemas -------------------------------------------------------------------------------------

_TEAM = nullable(obj({"name": {"type": "string"}, "players": {"type": "array"}, "entries": {"type": "array"}},
                     {"id": nullable(UUID)}))
_SCORE = {"type": "object", "description": "CONTRACT §4: sets, games, points, tiebreak, finished, winner"}
MATCH = obj({
    "id": UUID, "tournament": UUID, "key": {"type": "string"}, "stage": enum(*MatchStage.values),
    "round": {"type": "integer"}, "sequence": {"type": "integer"}, "status": enum(*MatchStatus.values),
    "team1": _TEAM, "team2": _TEAM, "score": _SCORE, "winner": nullable(enum(1, 2)),
    "court": nullable(obj({"id": UUID, "name": {"type": "string"}})),
    "start": {**nullable(TIME), "description": "club time"}, "end": nullable(TIME),
    "started_at": nullable(TIME), "finished_at": nullable(TIME),
})
TOURNAMENT_DATA = obj({"id": UUID, "club": UUID, "name": {"type": "string"}, "format": {"type": "string"},
                       "is_public": {"type": "boolean"}, "status": enum(*TournamentStatus.values)})
_MATCH_EVENT = obj({"match": MATCH, "tournament": TOURNAMENT_DATA})


def _match_type(name: str, description: str) -> EventType:
    return EventType(name, (TOURNAMENT,), description, match_event_data, _MATCH_EVENT)


EVENT_TYPES = [
    _match_type("match.started", "The first point of a match was scored (sent with its `match.score`)."),
    _match_type("match.score", "A point was scored or taken back."),
    _match_type("match.finished", "A match was won (sent with its last `match.score`)."),
    EventType("bracket.updated", (TOURNAMENT,), "Entries, draw, schedule or standings changed; `matches` holds "
                                                "the matches that changed.",
              bracket_updated_data,
              obj({"tournament": TOURNAMENT_DATA, "entries": {"type": "array"},
                   "standings": obj({"groups": {"type": "array"}, "players": {"type": "array"}}),
                   "matches": {"type": "array", "items": MATCH}})),
]
