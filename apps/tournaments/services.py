"""Writes of tournaments: one transaction each, stream events published inside it.

Every service locks the tournament row first and only then match rows, so two writers of
one tournament never wait on each other in opposite orders (and the tournament stream's
counter row, locked by `publish`, comes last). Locking the whole tournament for a point
costs nothing extra: publishing to its stream serialises those transactions anyway.
"""
from __future__ import annotations

import math
import uuid
from bisect import insort
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from apps.clubs.events import allocation_payload, court_blocked_data, court_unblocked_data, publish_club_event
from apps.clubs.models import BLOCKING_STATUSES, AllocationStatus, CourtAllocation
from apps.clubs.schedule import opening_windows
from apps.clubs.services import claim_court_time, is_overlap_violation
from apps.core.errors import Conflict, InvalidInput
from apps.tournaments import formats, race, scoring
from apps.tournaments.errors import TournamentErrorCode as Code
from apps.tournaments.events import match_court_extra
from apps.tournaments.events import publish_bracket_updated as _publish_bracket
from apps.tournaments.events import publish_match_events as _publish_match
from apps.tournaments.models import (SOLO_FORMATS, Entry, EntryPlayer, Match, MatchAllocation, MatchStage,
                                     MatchStatus, Tournament, TournamentFormat, TournamentStatus)
from apps.tournaments.selectors import group_table, match_data, matches_for_output, ordered_entries, solo_standings

# Settings the generated matches depend on: fixed once the draw is made.
LOCKED_AFTER_GENERATION = ("format", "golden_point", "super_tiebreak", "points_per_match", "group_size",
                           "advance_per_group", "courts", "third_place")
SCHEDULE_SEARCH_DAYS = 60
RESCHEDULE_HORIZON = timedelta(days=730)


# ---------------------------------------------------------------------------------------------
# helpers


def _lock_tournament(tournament_id) -> Tournament:
    # of=("self",): lock the tournament, not the club row joined for its timezone.
    return (Tournament.objects.select_for_update(of=("self",)).select_related("club")
            .get(pk=tournament_id))


def _lock_match(match_id) -> Match:
    return Match.objects.select_for_update(of=("self",)).select_related("tournament").get(pk=match_id)


def _rules(tournament: Tournament) -> scoring.MatchRules:
    return scoring.MatchRules(golden_point=tournament.golden_point, super_tiebreak=tournament.super_tiebreak)


def score_for(tournament: Tournament, points: list[int]) -> dict:
    """The contract score of a point list (raises the engine's MatchFinished / InvalidTeam)."""
    if tournament.is_solo:
        return race.to_contract(tournament.points_per_match, points)
    return scoring.to_contract(scoring.replay(_rules(tournament), points))


def _require_draft(tournament: Tournament, what: str) -> None:
    if tournament.status != TournamentStatus.DRAFT:
        raise Conflict(Code.ALREADY_GENERATED, f"The matches are already drawn: {what} can no longer change")


# ---------------------------------------------------------------------------------------------
# tournaments


@transaction.atomic
def tournament_create(*, club, name: str, format: str, user=None, currency: str | None = None,
                      **fields) -> Tournament:
    tournament = Tournament.objects.create(club=club, name=name, format=format, created_by=user,
                                           currency=(currency or club.currency).upper(), **fields)
    return tournament


@transaction.atomic
def tournament_update(*, tournament: Tournament, **fields) -> Tournament:
    tournament = _lock_tournament(tournament.pk)
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
        _update_tournament_status(tournament)
    _publish_bracket(tournament)
    return tournament


# ---------------------------------------------------------------------------------------------
# entries


def _entry_name(players) -> str:
    return " / ".join((p.last_name or p.full_name) for p in players)


@transaction.atomic
def entry_create(*, tournament: Tournament, players: list, name: str = "", seed: int | None = None) -> Entry:
    tournament = _lock_tournament(tournament.pk)
    _require_draft(tournament, "entries")
    needed = 1 if tournament.is_solo else 2
    if len(players) != needed:
        message = (f"{tournament.get_format_display()} entries are single players: give one player"
                   if needed == 1 else "An entry is a pair: give two players")
        raise InvalidInput(Code.WRONG_PLAYER_COUNT, message, details={"players": [message]})
    if len({p.pk for p in players}) != len(players):
        raise InvalidInput(Code.WRONG_PLAYER_COUNT, "The two players must be different people",
                           details={"players": ["The two players must be different people"]})
    taken = set(EntryPlayer.objects.filter(tournament=tournament, user__in=players).values_list("user_id", flat=True))
    if taken:
        raise Conflict(Code.PLAYER_ALREADY_ENTERED, "A player is already entered in this tournament",
                       details={"players": [str(pk) for pk in sorted(taken, key=str)]})
    if seed is not None and Entry.objects.filter(tournament=tournament, seed=seed).exists():
        raise Conflict(Code.SEED_TAKEN, f"Seed {seed} is already given to another entry",
                       details={"seed": [f"seed {seed} is taken"]})
    entry = Entry.objects.create(tournament=tournament, name=name or _entry_name(players), seed=seed)
    EntryPlayer.objects.bulk_create(
        EntryPlayer(tournament=tournament, entry=entry, user=player, position=i) for i, player in enumerate(players))
    _publish_bracket(tournament)
    return entry


@transaction.atomic
def entry_update(*, entry: Entry, **fields) -> Entry:
    tournament = _lock_tournament(entry.tournament_id)
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if "seed" in fields and fields["seed"] != entry.seed:
        _require_draft(tournament, "seeds")
        seed = fields["seed"]
        if seed is not None and Entry.objects.filter(tournament=tournament, seed=seed).exclude(pk=entry.pk).exists():
            raise Conflict(Code.SEED_TAKEN, f"Seed {seed} is already given to another entry",
                           details={"seed": [f"seed {seed} is taken"]})
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.save()
    _publish_bracket(tournament)
    return entry


@transaction.atomic
def entry_delete(*, entry: Entry) -> None:
    tournament = _lock_tournament(entry.tournament_id)
    _require_draft(tournament, "entries")
    entry.delete()
    _publish_bracket(tournament)


@transaction.atomic
def entries_seed(*, tournament: Tournament, entries: list[Entry]) -> list[Entry]:
    """Seeds 1..n in the given order; entries not listed lose their seed."""
    tournament = _lock_tournament(tournament.pk)
    _require_draft(tournament, "seeds")
    order = {entry.pk: i for i, entry in enumerate(entries, start=1)}
    rows = list(Entry.objects.select_for_update().filter(tournament=tournament))
    for row in rows:
        row.seed = order.get(row.pk)
    Entry.objects.bulk_update(rows, ["seed"])  # the unique (tournament, seed) check waits for commit
    _publish_bracket(tournament)
    return ordered_entries(tournament)


# ---------------------------------------------------------------------------------------------
# generation


class _Draw:
    """Collects the matches of a draw, then saves them with their bracket links in one go."""

    def __init__(self, tournament: Tournament, sequence: int = 0):
        self.tournament = tournament
        self.sequence = sequence
        self.matches: list[Match] = []
        self.links: list[tuple[Match, str, int]] = []
        self.loser_links: list[tuple[Match, str, int]] = []
        self.by_key: dict[str, Match] = {}
        self.initial_score = score_for(tournament, [])

    def add(self, *, stage, round, position, key, group="", team1=None, team1_partner=None, team2=None,
            team2_partner=None, source1="", source2="", bye=False, next_key=None, next_slot=None,
            loser_key=None, loser_slot=None) -> Match:
        self.sequence += 1
        if bye:
            status = MatchStatus.BYE
        else:
            status = MatchStatus.SCHEDULED if team1 and team2 else MatchStatus.PENDING
        match = Match(tournament=self.tournament, stage=stage, group=group, round=round, position=position,
                      key=key, sequence=self.sequence, team1_id=team1, team1_partner_id=team1_partner,
                      team2_id=team2, team2_partner_id=team2_partner, source1=source1, source2=source2,
                      status=status, points=[], score=dict(self.initial_score))
        self.matches.append(match)
        self.by_key[key] = match
        if next_key:
            self.links.append((match, next_key, next_slot))
        if loser_key:
            self.loser_links.append((match, loser_key, loser_slot))
        return match

    def bracket(self, rounds: formats.Rounds) -> None:
        for matches in rounds:
            for bm in matches:
                (team1, source1), (team2, source2) = _slot(bm.team1), _slot(bm.team2)
                self.add(stage=MatchStage.KNOCKOUT, round=bm.round, position=bm.position, key=bm.key,
                         team1=team1, team2=team2, source1=source1, source2=source2, bye=bm.is_bye,
                         next_key=bm.next_match, next_slot=bm.next_slot, loser_key=bm.loser_match,
                         loser_slot=bm.loser_slot)

    def doubles_round(self, rnd: formats.DoublesRound) -> None:
        for dm in rnd.matches:
            self.add(stage=MatchStage.ROTATION, round=rnd.number, position=dm.court,
                     key=f"R{rnd.number}-C{dm.court}", team1=dm.team1[0], team1_partner=dm.team1[1],
                     team2=dm.team2[0], team2_partner=dm.team2[1])

    def save(self) -> list[Match]:
        for match, next_key, next_slot in self.links:
            match.next_match_id = self.by_key[next_key].pk
            match.next_slot = next_slot
        for match, loser_key, loser_slot in self.loser_links:
            match.loser_next_match_id = self.by_key[loser_key].pk
            match.loser_next_slot = loser_slot
        # UUIDs are set client-side and foreign keys are checked at commit: one insert for all.
        return Match.objects.bulk_create(self.matches)


def _slot(slot) -> tuple[object | None, str]:
    if isinstance(slot, formats.Seed):
        return slot.entry, ""
    if isinstance(slot, formats.WinnerOf):
        return None, f"winner:{slot.match}"
    if isinstance(slot, formats.LoserOf):
        return None, f"loser:{slot.match}"
    if isinstance(slot, formats.GroupPlace):
        return None, f"group:{slot.group}:{slot.place}"
    return None, ""  # Bye


_MINIMUM = {
    TournamentFormat.SINGLE_ELIMINATION: 2,
    TournamentFormat.ROUND_ROBIN: 2,
    TournamentFormat.GROUPS_KNOCKOUT: 3,
    TournamentFormat.AMERICANO: 4,
    TournamentFormat.MEXICANO: 4,
}


@transaction.atomic
def generate(*, tournament: Tournament, now: datetime | None = None) -> list[Match]:
    """Draws every match of the format (Mexicano: the first round). Deterministic for a given
    seeding: entries go in seed order, unseeded ones after them in the order they entered."""
    tournament = _lock_tournament(tournament.pk)
    if tournament.status != TournamentStatus.DRAFT:
        raise Conflict(Code.ALREADY_GENERATED, "The matches of this tournament are already generated")
    ids = [e.pk for e in ordered_entries(tournament)]
    minimum = _MINIMUM[tournament.format]
    if len(ids) < minimum:
        raise Conflict(Code.NOT_ENOUGH_ENTRIES,
                       f"{tournament.get_format_display()} needs at least {minimum} entries; it has {len(ids)}",
                       details={"entries": [f"at least {minimum}"]})
    draw = _Draw(tournament)
    try:
        _draw_format(tournament, draw, ids)
    except ValueError as exc:  # the format cannot be drawn with this count and setup
        raise Conflict(Code.INVALID_FORMAT_SETUP, str(exc)) from exc
    matches = draw.save()
    tournament.status = TournamentStatus.READY
    tournament.generated_at = now or timezone.now()
    tournament.save(update_fields=["status", "generated_at", "updated_at"])
    _publish_bracket(tournament, [m.pk for m in matches])
    return matches


def _draw_format(tournament: Tournament, draw: _Draw, ids: list) -> None:
    fmt = tournament.format
    if fmt == TournamentFormat.SINGLE_ELIMINATION:
        draw.bracket(formats.single_elimination(ids, third_place=tournament.third_place))
    elif fmt == TournamentFormat.ROUND_ROBIN:
        for rnd in formats.round_robin(ids):
            for position, (a, b) in enumerate(rnd.matches, start=1):
                draw.add(stage=MatchStage.GROUP, round=rnd.number, position=position,
                         key=f"R{rnd.number}-M{position}", team1=a, team2=b)
    elif fmt == TournamentFormat.GROUPS_KNOCKOUT:
        result = formats.groups_knockout(ids, group_size=tournament.group_size,
                                         advance=tournament.advance_per_group, third_place=tournament.third_place)
        # Interleave the groups round by round: that is the order they are played in.
        for index in range(max(len(g.rounds) for g in result.groups)):
            for group in result.groups:
                if index >= len(group.rounds):
                    continue
                rnd = group.rounds[index]
                for position, (a, b) in enumerate(rnd.matches, start=1):
                    draw.add(stage=MatchStage.GROUP, group=group.name, round=rnd.number, position=position,
                             key=f"{group.name}-R{rnd.number}-M{position}", team1=a, team2=b)
        draw.bracket(result.knockout)
    elif fmt == TournamentFormat.AMERICANO:
        for rnd in formats.americano(ids, courts=tournament.courts):
            draw.doubles_round(rnd)
    elif fmt == TournamentFormat.MEXICANO:
        draw.doubles_round(formats.mexicano_next_round(ids, courts=tournament.courts, number=1))
    else:  # pragma: no cover - the model's choices hold
        raise ValueError(f"unknown format {fmt}")


@transaction.atomic
def mexicano_next_round(*, tournament: Tournament) -> list[Match]:
    """Round k+1 of a Mexicano from the standings once round k is finished."""
    tournament = _lock_tournament(tournament.pk)
    if tournament.format != TournamentFormat.MEXICANO:
        raise Conflict(Code.NOT_MEXICANO, "Only Mexicano tournaments are drawn round by round")
    if tournament.status == TournamentStatus.DRAFT:
        raise Conflict(Code.NOT_GENERATED, "Generate the first round first")
    matches = list(Match.objects.filter(tournament=tournament))
    last = max(m.round for m in matches)
    if any(m.round == last and m.status != MatchStatus.FINISHED for m in matches):
        raise Conflict(Code.ROUND_NOT_FINISHED, f"Round {last} is still being played")
    if last >= tournament.rounds:
        raise Conflict(Code.ALL_ROUNDS_PLAYED, f"All {tournament.rounds} rounds are played")
    entries = ordered_entries(tournament)
    standings = solo_standings(matches, entries)
    sat_out: dict = defaultdict(int)
    for number in range(1, last + 1):
        playing = {p for m in matches if m.round == number
                   for p in (m.team1_id, m.team1_partner_id, m.team2_id, m.team2_partner_id)}
        for entry in entries:
            if entry.pk not in playing:
                sat_out[entry.pk] += 1
    draw = _Draw(tournament, sequence=max(m.sequence for m in matches))
    draw.doubles_round(formats.mexicano_next_round(standings, courts=tournament.courts, sat_out=dict(sat_out),
                                                   number=last + 1))
    created = draw.save()
    _update_tournament_status(tournament)
    _publish_bracket(tournament, [m.pk for m in created])
    return created


# ---------------------------------------------------------------------------------------------
# scoring


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


def _update_tournament_status(tournament: Tournament) -> None:
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
    for match in Match.objects.select_for_update().filter(tournament=tournament, stage=MatchStage.KNOCKOUT):
        for slot, source in ((1, match.source1), (2, match.source2)):
            if source.startswith(prefix):
                out.append((match, slot, int(source[len(prefix):])))
    return out


def _group_matches(tournament: Tournament, group: str) -> list[Match]:
    return list(Match.objects.filter(tournament=tournament, stage=MatchStage.GROUP, group=group))


def _advance(tournament: Tournament, match: Match) -> set:
    """A finished match moves its winner on; a finished group fills its knockout places."""
    changed = set()
    if match.stage == MatchStage.KNOCKOUT and match.next_match_id:
        nxt = _lock_match(match.next_match_id)
        _set_slot(nxt, match.next_slot, match.team1_id if match.winner == 1 else match.team2_id)
        changed.add(nxt.pk)
        if match.loser_next_match_id:  # a semi-final: its loser plays for third place
            third = _lock_match(match.loser_next_match_id)
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


def _retract(tournament: Tournament, match: Match) -> set:
    """Undo of a finishing point: take back what `_advance` did, unless it was already played on."""
    changed = set()
    if match.stage == MatchStage.KNOCKOUT and match.next_match_id:
        nxt = _lock_match(match.next_match_id)
        third = _lock_match(match.loser_next_match_id) if match.loser_next_match_id else None
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


def point_add(*, match: Match, team: int, now: datetime | None = None) -> Match:
    """Team 1 or 2 wins a point. The first point starts a scheduled match."""
    now = now or timezone.now()
    with transaction.atomic():
        tournament = _lock_tournament(match.tournament_id)
        match = _lock_match(match.pk)
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
        changed = _advance(tournament, match) if score["finished"] else set()
        if started or score["finished"]:
            _update_tournament_status(tournament)
        types = ["match.started"] if started else []
        types.append("match.score")
        if score["finished"]:
            types.append("match.finished")
        fresh = _publish_match(tournament, types, match)
        if score["finished"]:
            _publish_bracket(tournament, changed)
    return fresh


def point_undo(*, match: Match) -> Match:
    """Takes the last point back; undoing the point that ended a match reopens it."""
    with transaction.atomic():
        tournament = _lock_tournament(match.tournament_id)
        match = _lock_match(match.pk)
        if not match.points:
            raise Conflict(Code.NOTHING_TO_UNDO, "There is no point to undo")
        was_finished = match.status == MatchStatus.FINISHED
        changed = _retract(tournament, match) if was_finished else set()
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
            _update_tournament_status(tournament)
        fresh = _publish_match(tournament, ["match.score"], match)
        if was_finished:
            _publish_bracket(tournament, changed)
    return fresh


@transaction.atomic
def match_update(*, match: Match, **fields) -> Match:
    """Staff settings of a match (its scorer). Not on the stream: the scorer is not public."""
    _lock_tournament(match.tournament_id)
    match = _lock_match(match.pk)
    for name, value in fields.items():
        setattr(match, name, value)
    match.save(update_fields=[*fields, "updated_at"])
    return matches_for_output().get(pk=match.pk)


def match_call(*, match: Match) -> tuple[Match, int]:
    """Calls the match's players to their court (a notification each, through apps.notifications).
    Every call is a new one: calling again re-sends. Returns the match and how many were notified
    (players who turned this kind off are not)."""
    from apps.notifications.triggers import notify_match_called

    with transaction.atomic():
        tournament = _lock_tournament(match.tournament_id)
        match = _lock_match(match.pk)
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


# ---------------------------------------------------------------------------------------------
# scheduling


def _align_up(instant: datetime, anchor: datetime, step: timedelta) -> datetime:
    if instant <= anchor:
        return anchor
    steps = math.ceil((instant - anchor) / step)
    return anchor + steps * step


def _first_fit(busy: list[tuple[datetime, datetime]], earliest: datetime, duration: timedelta, *, hours, tz,
               step: timedelta, last_day: date) -> datetime | None:
    """The earliest start >= `earliest` on the club's slot grid, inside one opening window, that
    overlaps nothing in `busy` (sorted intervals of this court)."""
    day = earliest.astimezone(tz).date()
    while day <= last_day:
        for window in opening_windows(day, hours, tz):
            if window.end <= earliest:
                continue
            start = _align_up(max(window.start, earliest), window.start, step)
            while start + duration <= window.end:
                end = start + duration
                clash = next((b for b in busy if b[0] < end and start < b[1]), None)
                if clash is None:
                    return start
                start = _align_up(clash[1], window.start, step)
        day += timedelta(days=1)
    return None


def _dependencies(matches: list[Match]) -> dict:
    """Matches that must end before each match may start: the matches feeding it, every group
    match for a knockout slot waiting on a group place, each entry's previous match, and the
    match for third place before the final."""
    deps: dict = defaultdict(set)
    group_ids = {m.pk for m in matches if m.stage == MatchStage.GROUP}
    last_of_entry: dict = {}
    for m in sorted(matches, key=lambda x: x.sequence):
        if m.next_match_id:
            deps[m.next_match_id].add(m.pk)
        if m.loser_next_match_id:
            deps[m.loser_next_match_id].add(m.pk)
            if m.next_match_id:  # the match for third place is played before the final
                deps[m.next_match_id].add(m.loser_next_match_id)
        if m.stage == MatchStage.KNOCKOUT and (m.source1.startswith("group:") or m.source2.startswith("group:")):
            deps[m.pk] |= group_ids
        for entry_id in (m.team1_id, m.team1_partner_id, m.team2_id, m.team2_partner_id):
            if entry_id is None:
                continue
            if entry_id in last_of_entry:
                deps[m.pk].add(last_of_entry[entry_id])
            last_of_entry[entry_id] = m.pk
    return deps


def _busy_intervals(court_ids, span: DateTimeTZRange) -> dict:
    busy: dict = {court_id: [] for court_id in court_ids}
    rows = CourtAllocation.objects.filter(court_id__in=list(court_ids), period__overlap=span,
                                          status__in=BLOCKING_STATUSES).values_list("court_id", "period")
    for court_id, period in rows:
        insort(busy[court_id], (period.lower, period.upper))
    return busy


def schedule(*, tournament: Tournament, start_date: date, match_minutes: int,
             now: datetime | None = None) -> list[Match]:
    """Puts every match not yet on a court onto the club's active courts, in play order, inside
    opening hours, from `start_date` on. A match starts once the matches it depends on are over
    (the earliest free court and time on the club's slot grid), never over a booking, a block
    or another match: each gets a `match` allocation that blocks the court like a booking.
    A booking made at the same moment makes the database refuse the slot; the match then takes
    the next free one."""
    now = now or timezone.now()
    with transaction.atomic():
        tournament = _lock_tournament(tournament.pk)
        club = tournament.club
        tz = ZoneInfo(club.timezone)
        if tournament.status == TournamentStatus.DRAFT:
            raise Conflict(Code.NOT_GENERATED, "Generate the matches before scheduling them")
        if start_date < now.astimezone(tz).date():
            raise InvalidInput(Code.IN_PAST, "start_date has already passed", details={"start_date": ["in the past"]})
        all_matches = list(Match.objects.filter(tournament=tournament).select_related("allocation"))
        placed_end = {m.pk: m.allocation.period.upper for m in all_matches if _allocated(m)}
        todo = [m for m in sorted(all_matches, key=lambda m: m.sequence)
                if not _allocated(m) and m.status not in (MatchStatus.BYE, MatchStatus.FINISHED)]
        if not todo:
            raise Conflict(Code.NOTHING_TO_SCHEDULE, "Every match to be played already has a court and a time")
        courts = list(club.courts.filter(is_active=True).order_by("name", "id"))
        if not courts:
            raise Conflict(Code.NO_COURTS, "The club has no active court")
        step = timedelta(minutes=club.slot_minutes)
        duration = step * math.ceil(match_minutes / club.slot_minutes)  # whole slots keep the booking grid
        hours = list(club.opening_hours.values_list("weekday", "opens", "closes"))
        begin = max(datetime.combine(start_date, datetime.min.time(), tzinfo=tz), now)
        last_day = start_date + timedelta(days=SCHEDULE_SEARCH_DAYS)
        span = DateTimeTZRange(begin, datetime.combine(last_day + timedelta(days=2), datetime.min.time(),
                                                       tzinfo=tz), "[)")
        busy = _busy_intervals([c.pk for c in courts], span)
        deps = _dependencies(all_matches)
        placed = []
        for match in todo:
            earliest = max([begin] + [placed_end[d] for d in deps.get(match.pk, ()) if d in placed_end])
            allocation = _place(match, courts, busy, earliest, duration, hours=hours, tz=tz, step=step,
                                last_day=last_day, span=span)
            placed_end[match.pk] = allocation.period.upper
            placed.append((match, allocation))
        for match, allocation in placed:
            public = court_blocked_data(allocation, club_id=club.pk, **match_court_extra(tournament, match))
            publish_club_event(club_id=club.pk, type="court.blocked", public=public)
        _publish_bracket(tournament, [m.pk for m, _a in placed])
    return list(matches_for_output().filter(pk__in=[m.pk for m, _a in placed]))


def match_reschedule(*, match: Match, court, start: datetime, now: datetime | None = None) -> Match:
    """Moves a scheduled match to `court` at `start`, keeping its length: the old court time is
    freed and the new one claimed in one transaction, through the same exclusion constraint as
    bookings (a clash is a 409 and nothing moves). Screens follow: `court.unblocked` then
    `court.blocked` on the club stream, `bracket.updated` on the tournament's."""
    from apps.clubs.errors import ClubErrorCode

    now = now or timezone.now()
    with transaction.atomic():
        tournament = _lock_tournament(match.tournament_id)
        match = _lock_match(match.pk)
        club = tournament.club
        if not _allocated(match):
            raise Conflict(Code.NOT_SCHEDULED, "This match has no court and time yet: schedule the tournament first")
        if match.status in (MatchStatus.IN_PROGRESS, MatchStatus.FINISHED, MatchStatus.BYE):
            raise Conflict(Code.MATCH_STARTED, f"A {match.status.replace('_', ' ')} match cannot be moved")
        if court.club_id != club.pk or not court.is_active:
            raise InvalidInput("validation_error", "Choose an active court of this club",
                               details={"court": ["not an active court of this club"]})
        allocation = MatchAllocation.objects.select_for_update().get(pk=match.allocation.pk)
        start = start.astimezone(ZoneInfo("UTC"))
        if start - now > RESCHEDULE_HORIZON:  # checked before any arithmetic: year 9999 would overflow
            raise InvalidInput(Code.TOO_FAR_AHEAD, "Matches move at most two years ahead",
                               details={"start": ["too far ahead"]})
        end = start + (allocation.period.upper - allocation.period.lower)
        _check_match_time(club, start, end, now)
        _check_match_order(tournament, match, start, end)
        old = allocation_payload(allocation, club_id=club.pk)

        def move():
            allocation.court = court
            allocation.period = DateTimeTZRange(start, end, "[)")
            allocation.save(update_fields=["court", "period", "updated_at"])
            return allocation

        try:
            claim_court_time(court, move)
        except IntegrityError as exc:
            if is_overlap_violation(exc):
                raise Conflict(ClubErrorCode.SLOT_UNAVAILABLE,
                               "That court has a booking, a block or another match at that time") from exc
            raise
        extra = match_court_extra(tournament, match)
        publish_club_event(club_id=club.pk, type="court.unblocked",
                           public=court_unblocked_data(old, status="moved", **extra))
        publish_club_event(club_id=club.pk, type="court.blocked",
                           public=court_blocked_data(allocation, club_id=club.pk, **extra))
        _publish_bracket(tournament, [match.pk])
    return matches_for_output().get(pk=match.pk)


def _check_match_order(tournament: Tournament, match: Match, start: datetime, end: datetime) -> None:
    """A moved match still comes after the matches it depends on (those feeding it, its entries'
    previous matches) and before the ones depending on it, as `schedule` placed them."""
    matches = list(Match.objects.filter(tournament=tournament).select_related("allocation"))
    deps = _dependencies(matches)
    by_id = {m.pk: m for m in matches}
    tz = ZoneInfo(tournament.club.timezone)
    for dep_id in deps.get(match.pk, ()):
        dep = by_id[dep_id]
        if _allocated(dep) and dep.status != MatchStatus.FINISHED and dep.allocation.period.upper > start:
            ends = dep.allocation.period.upper.astimezone(tz)
            raise Conflict(Code.OUT_OF_ORDER, f"This match must start after {dep.key} ends ({ends:%H:%M})",
                           details={"start": [f"before {dep.key} ends"]})
    for other in matches:
        if other.status in (MatchStatus.IN_PROGRESS, MatchStatus.FINISHED):
            continue  # played already (a final played before third place): its order is history
        if match.pk in deps.get(other.pk, ()) and _allocated(other) and other.allocation.period.lower < end:
            begins = other.allocation.period.lower.astimezone(tz)
            raise Conflict(Code.OUT_OF_ORDER, f"This match must end before {other.key} starts ({begins:%H:%M})",
                           details={"start": [f"after {other.key} starts"]})


def _check_match_time(club, start: datetime, end: datetime, now: datetime) -> None:
    """A match time must be ahead, on the club's slot grid and inside one opening window."""
    tz = ZoneInfo(club.timezone)
    if start < now:
        raise InvalidInput(Code.IN_PAST, "That time has already passed", details={"start": ["in the past"]})
    hours = list(club.opening_hours.values_list("weekday", "opens", "closes"))
    day = start.astimezone(tz).date()
    windows = opening_windows(day - timedelta(days=1), hours, tz) + opening_windows(day, hours, tz)
    step = timedelta(minutes=club.slot_minutes)
    window = next((w for w in windows if w.start <= start < w.end), None)
    if window is None or end > window.end:
        raise InvalidInput(Code.OUTSIDE_OPENING_HOURS, "The club is closed for part of that time",
                           details={"start": ["outside opening hours"]})
    if (start - window.start) % step:
        raise InvalidInput(Code.MISALIGNED_START, f"Matches start on the club's {club.slot_minutes}-minute grid",
                           details={"start": [f"not on the {club.slot_minutes}-minute grid"]})


def _allocated(match: Match) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        match.allocation  # noqa: B018
    except ObjectDoesNotExist:
        return False
    return True


def _place(match, courts, busy, earliest, duration, *, hours, tz, step, last_day, span) -> MatchAllocation:
    while True:
        best = None
        for index, court in enumerate(courts):
            start = _first_fit(busy[court.pk], earliest, duration, hours=hours, tz=tz, step=step, last_day=last_day)
            if start is not None and (best is None or start < best[0]):
                best = (start, court)
        if best is None:
            raise Conflict(Code.NO_COURT_TIME,
                           f"No court is free long enough within {SCHEDULE_SEARCH_DAYS} days of the start date")
        start, court = best
        try:
            # Same per-court queue as bookings, so a racing booking yields 409, not a deadlock.
            allocation = claim_court_time(court, lambda: MatchAllocation.objects.create(
                court=court, period=DateTimeTZRange(start, start + duration, "[)"),
                status=AllocationStatus.BLOCKED, match=match))
        except IntegrityError as exc:
            if not is_overlap_violation(exc):
                raise
            # Someone booked this court meanwhile: re-read it and look again.
            busy[court.pk] = _busy_intervals([court.pk], span)[court.pk]
            continue
        insort(busy[court.pk], (start, start + duration))
        return allocation
