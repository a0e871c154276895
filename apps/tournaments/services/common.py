"""Helpers every tournament service shares: the score of a point list, the
stream events, the draft check."""
from __future__ import annotations

from apps.core.errors import Conflict
from apps.tournaments import scoring
from apps.tournaments.errors import TournamentErrorCode as Code
from apps.tournaments.models import Match, Tournament, TournamentStatus
from apps.tournaments.selectors import (
    bracket_state,
    entries_with_players,
    match_data,
    matches_data,
    matches_for_output,
    tournament_data,
)
from routing.publisher import publish
from routing.streams import tournament_stream


def _rules(tournament: Tournament) -> scoring.MatchRules:
    return scoring.MatchRules(golden_point=tournament.golden_point, super_tiebreak=tournament.super_tiebreak)


def score_for(tournament: Tournament, points: list[int]) -> dict:
    """The contract score of a point list (raises the engine's MatchFinished / InvalidTeam)."""
    if tournament.is_solo:
        return scoring.race_to_contract(tournament.points_per_match, points)
    return scoring.to_contract(scoring.replay(_rules(tournament), points))


def _stream(tournament: Tournament) -> str:
    return tournament_stream(tournament.pk)


def _publish_bracket(tournament: Tournament, changed_ids=()) -> None:
    data = bracket_state(tournament)
    changed = list(matches_for_output().filter(pk__in=list(changed_ids)))
    data["matches"] = matches_data(changed, tournament)
    publish(_stream(tournament), "bracket.updated", data)


def _publish_match(tournament: Tournament, types: list[str], match: Match) -> Match:
    """The match events of one change, all carrying the match as it now is (and the tournament,
    whose status a point can change)."""
    fresh = matches_for_output().get(pk=match.pk)
    entries = {e.pk: e for e in entries_with_players().filter(pk__in=[
        pk for pk in (fresh.team1_id, fresh.team1_partner_id, fresh.team2_id, fresh.team2_partner_id) if pk])}
    payload = {"match": match_data(fresh, entries), "tournament": tournament_data(tournament)}
    for type_ in types:
        publish(_stream(tournament), type_, payload)
    return fresh


def _require_draft(tournament: Tournament, what: str) -> None:
    if tournament.status != TournamentStatus.DRAFT:
        raise Conflict(Code.ALREADY_GENERATED, f"The matches are already drawn: {what} can no longer change")
