"""Helpers every tournament service shares: the score of a point list and the
draft check (events are built and published by apps.tournaments.events)."""
from __future__ import annotations

from apps.core.errors import Conflict
from apps.tournaments import scoring
from apps.tournaments.errors import TournamentErrorCode as Code
from apps.tournaments.models import Tournament, TournamentStatus


def _rules(tournament: Tournament) -> scoring.MatchRules:
    return scoring.MatchRules(golden_point=tournament.golden_point, super_tiebreak=tournament.super_tiebreak)


def score_for(tournament: Tournament, points: list[int]) -> dict:
    """The contract score of a point list (raises the engine's MatchFinished / InvalidTeam)."""
    if tournament.is_solo:
        return scoring.race_to_contract(tournament.points_per_match, points)
    return scoring.to_contract(scoring.replay(_rules(tournament), points))


def require_draft(tournament: Tournament, what: str) -> None:
    if tournament.status != TournamentStatus.DRAFT:
        raise Conflict(Code.ALREADY_GENERATED, f"The matches are already drawn: {what} can no longer change")
