"""What a finished match moves on (winners, group places, the tournament's status), and its undo."""
from __future__ import annotations

import uuid

from apps.core.errors import Conflict
from apps.tournaments.errors import TournamentErrorCode as Code
from apps.tournaments.lock_objects import match_qs_select_for_update
from apps.tournaments.models import Match, MatchStage, MatchStatus, Tournament, TournamentFormat, TournamentStatus
from apps.tournaments.selectors import group_table, ordered_entries


def _tournament_done(tournament: Tournament) -> bool:
    matches = Match.objects.filter(tournament=tournament)
    if tournament.format in (TournamentFormat.SINGLE_ELIMINATION, TournamentFormat.GROUPS_KNOCKOUT):
        # The final and the third-place match both lead nowhere; both must be over.
        last = list(matches.filter(stage=MatchStage.KNOCKOUT, next_match__isnull=True).values_list("status", flat=True))
        return bool(last) and all(status == MatchStatus.FINISHED for status in last)
    unfinished = matches.exclude(status__in=[MatchStatus.FINISHED, MatchStatus.BYE]).exists()
    if tournament.format == TournamentFormat.MEXICANO:
        last = matches.order_by("-round").values_list("round", flat=True).first() or 0
        return not unfinished and last >= tournament.rounds
    return not unfinished


def update_tournament_status(tournament: Tournament) -> None:
    if tournament.status == TournamentStatus.DRAFT:
        return
    if _tournament_done(tournament):
        status = TournamentStatus.FINISHED
    elif Match.objects.filter(tournament=tournament).exclude(points=[]).exists() or Match.objects.filter(
            tournament=tournament, status=MatchStatus.FINISHED).exists():
        status = TournamentStatus.IN_PROGRESS
    else:
        status = TournamentStatus.READY
    if status != tournament.status:
        tournament.status = status
        tournament.save(update_fields=["status", "updated_at"])


def _refresh_status(match: Match) -> None:
    if match.status in (MatchStatus.PENDING, MatchStatus.SCHEDULED):
        match.status = MatchStatus.SCHEDULED if match.team1_id and match.team2_id else MatchStatus.PENDING


def _set_slot(match: Match, slot: int, entry_id) -> None:
    setattr(match, f"team{slot}_id", entry_id)
    _refresh_status(match)
    match.save(update_fields=[f"team{slot}", "status", "updated_at"])


def _has_started(match: Match) -> bool:
    return bool(match.points) or match.status in (MatchStatus.IN_PROGRESS, MatchStatus.FINISHED)


def _group_feeds(tournament: Tournament, group: str) -> list[tuple[Match, int, int]]:
    """(knockout match, slot, place) for every slot waiting on a place of `group`."""
    prefix = f"group:{group}:"
    out = []
    for match in match_qs_select_for_update().filter(tournament=tournament, stage=MatchStage.KNOCKOUT):
        for slot, source in ((1, match.source1), (2, match.source2)):
            if source.startswith(prefix):
                out.append((match, slot, int(source[len(prefix):])))
    return out


def _group_matches(tournament: Tournament, group: str) -> list[Match]:
    return list(Match.objects.filter(tournament=tournament, stage=MatchStage.GROUP, group=group))


def advance(tournament: Tournament, match: Match) -> set:
    """A finished match moves its winner on; a finished group fills its knockout places."""
    changed = set()
    if match.stage == MatchStage.KNOCKOUT and match.next_match_id:
        nxt = match_qs_select_for_update().get(pk=match.next_match_id)
        _set_slot(nxt, match.next_slot, match.team1_id if match.winner == 1 else match.team2_id)
        changed.add(nxt.pk)
        if match.loser_next_match_id:  # a semi-final: its loser plays for third place
            third = match_qs_select_for_update().get(pk=match.loser_next_match_id)
            _set_slot(third, match.loser_next_slot, match.team2_id if match.winner == 1 else match.team1_id)
            changed.add(third.pk)
    elif match.stage == MatchStage.GROUP and tournament.format == TournamentFormat.GROUPS_KNOCKOUT:
        group_matches = _group_matches(tournament, match.group)
        if all(m.status == MatchStatus.FINISHED for m in group_matches):
            seed_index = {e.pk: i for i, e in enumerate(ordered_entries(tournament))}
            table = group_table(tournament, group_matches, seed_index)
            places = {row["rank"]: uuid.UUID(row["entry"]) for row in table}
            for ko, slot, place in _group_feeds(tournament, match.group):
                _set_slot(ko, slot, places.get(place))
                changed.add(ko.pk)
    return changed


def retract(tournament: Tournament, match: Match) -> set:
    """Undo of a finishing point: take back what `advance` did, unless it was already played on."""
    changed = set()
    if match.stage == MatchStage.KNOCKOUT and match.next_match_id:
        nxt = match_qs_select_for_update().get(pk=match.next_match_id)
        third = match_qs_select_for_update().get(pk=match.loser_next_match_id) if match.loser_next_match_id else None
        if _has_started(nxt) or (third is not None and _has_started(third)):
            raise Conflict(Code.NEXT_MATCH_STARTED,
                           "The winner or the loser has already played their next match; undo that match first")
        _set_slot(nxt, match.next_slot, None)
        changed.add(nxt.pk)
        if third is not None:
            _set_slot(third, match.loser_next_slot, None)
            changed.add(third.pk)
    elif match.stage == MatchStage.GROUP and tournament.format == TournamentFormat.GROUPS_KNOCKOUT:
        if all(m.status == MatchStatus.FINISHED for m in _group_matches(tournament, match.group)):
            feeds = _group_feeds(tournament, match.group)
            if any(_has_started(ko) for ko, _slot_no, _place in feeds):
                raise Conflict(Code.NEXT_MATCH_STARTED,
                               "The knockout has started with this group's places; undo those matches first")
            for ko, slot, _place in feeds:
                _set_slot(ko, slot, None)
                changed.add(ko.pk)
    elif tournament.format == TournamentFormat.MEXICANO:
        if Match.objects.filter(tournament=tournament, round__gt=match.round).exists():
            raise Conflict(Code.NEXT_ROUND_GENERATED,
                           "The next round was drawn from this result; it can no longer change")
    return changed
