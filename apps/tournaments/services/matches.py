"""Match play: points, their undo, the scorer, calling the players."""
from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.core.errors import Conflict, InvalidInput
from apps.notifications.triggers import notify_match_called
from apps.tournaments import scoring
from apps.tournaments.errors import TournamentErrorCode as Code
from apps.tournaments.events import publish_bracket_updated, publish_match_events
from apps.tournaments.lock_objects import match_qs_select_for_update, tournament_qs_select_for_update
from apps.tournaments.models import Match, MatchStatus
from apps.tournaments.selectors import match_data, matches_for_output
from apps.tournaments.services.common import score_for
from apps.tournaments.services.progression import advance, retract, update_tournament_status


def point_add(*, match: Match, team: int, now: datetime | None = None) -> Match:
    """Team 1 or 2 wins a point. The first point starts a scheduled match."""
    now = now or timezone.now()
    with transaction.atomic():
        tournament = tournament_qs_select_for_update().get(pk=match.tournament_id)
        match = match_qs_select_for_update().get(pk=match.pk)
        if match.status in (MatchStatus.PENDING, MatchStatus.BYE):
            raise Conflict(Code.MATCH_NOT_READY, "This match cannot be played: its teams are not both known"
                           if match.status == MatchStatus.PENDING else "This match is a bye and is not played")
        if match.status == MatchStatus.FINISHED:
            raise Conflict(Code.MATCH_FINISHED, "The match is finished")
        points = [*match.points, team]
        try:
            score = score_for(tournament, points)
        except scoring.MatchFinished as exc:  # defensive: the status said otherwise
            raise Conflict(Code.MATCH_FINISHED, "The match is finished") from exc
        except scoring.InvalidTeam as exc:
            raise InvalidInput(Code.INVALID_TEAM, "team must be 1 or 2", details={"team": [str(exc)]}) from exc
        started = match.status == MatchStatus.SCHEDULED
        match.points = points
        match.score = score
        if started:
            match.status = MatchStatus.IN_PROGRESS
            match.started_at = now
        if score["finished"]:
            match.status = MatchStatus.FINISHED
            match.winner = score["winner"]
            match.finished_at = now
        match.save(update_fields=["points", "score", "status", "winner", "started_at", "finished_at", "updated_at"])
        changed = advance(tournament, match) if score["finished"] else set()
        if started or score["finished"]:
            update_tournament_status(tournament)
        types = ["match.started"] if started else []
        types.append("match.score")
        if score["finished"]:
            types.append("match.finished")
        fresh = publish_match_events(tournament, types, match)
        if score["finished"]:
            publish_bracket_updated(tournament, changed)
    return fresh


def point_undo(*, match: Match) -> Match:
    """Takes the last point back; undoing the point that ended a match reopens it."""
    with transaction.atomic():
        tournament = tournament_qs_select_for_update().get(pk=match.tournament_id)
        match = match_qs_select_for_update().get(pk=match.pk)
        if not match.points:
            raise Conflict(Code.NOTHING_TO_UNDO, "There is no point to undo")
        was_finished = match.status == MatchStatus.FINISHED
        changed = retract(tournament, match) if was_finished else set()
        points = match.points[:-1]
        match.points = points
        match.score = score_for(tournament, points)
        match.winner = None
        match.finished_at = None
        match.status = MatchStatus.IN_PROGRESS if points else MatchStatus.SCHEDULED
        if not points:
            match.started_at = None
        match.save(update_fields=["points", "score", "status", "winner", "started_at", "finished_at", "updated_at"])
        if was_finished or not points:
            update_tournament_status(tournament)
        fresh = publish_match_events(tournament, ["match.score"], match)
        if was_finished:
            publish_bracket_updated(tournament, changed)
    return fresh


@transaction.atomic
def match_update(*, match: Match, **fields) -> Match:
    """Staff settings of a match (its scorer). Not on the stream: the scorer is not public."""
    tournament_qs_select_for_update().get(pk=match.tournament_id)
    match = match_qs_select_for_update().get(pk=match.pk)
    for name, value in fields.items():
        setattr(match, name, value)
    match.save(update_fields=[*fields, "updated_at"])
    return matches_for_output().get(pk=match.pk)


def match_call(*, match: Match) -> tuple[Match, int]:
    """Calls the match's players to their court (a notification each, through apps.notifications).
    Every call is a new one: calling again re-sends. Returns the match and how many were notified
    (players who turned this kind off are not)."""
    with transaction.atomic():
        tournament = tournament_qs_select_for_update().get(pk=match.tournament_id)
        match = match_qs_select_for_update().get(pk=match.pk)
        if match.status in (MatchStatus.PENDING, MatchStatus.BYE):
            raise Conflict(Code.MATCH_NOT_READY, "Its teams are not both known yet")
        if match.status == MatchStatus.FINISHED:
            raise Conflict(Code.MATCH_FINISHED, "The match is finished")
        match.call_count += 1
        match.save(update_fields=["call_count", "updated_at"])
        fresh = matches_for_output().get(pk=match.pk)
        data = match_data(fresh)
        users = [ep.user for side in (1, 2) for entry in fresh.team_entries(side)
                 for ep in entry.entry_players.select_related("user")]
        court = data["court"]["name"] if data["court"] else None
        teams = f"{data['team1']['name']} – {data['team2']['name']}"
        info = {"match": str(match.pk), "call": match.call_count, "tournament": str(tournament.pk),
                "tournament_name": tournament.name, "teams": teams, "start": data["start"]}
        if court:
            info["court"] = court
            info["message"] = f"{tournament.name}: {teams}. Please go to {court} now."
        else:
            info["message"] = f"{tournament.name}: {teams}. Please come to the desk now."
        sent = [n for n in notify_match_called(users, info) if n is not None]
    return fresh, len(sent)
