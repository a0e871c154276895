"""Matches onto courts: the first schedule, and moving one match."""
from __future__ import annotations

import math
from bisect import insort
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from apps.clubs.errors import ClubErrorCode
from apps.clubs.events import allocation_payload, court_blocked_data, court_unblocked_data, publish_club_event
from apps.clubs.models import BLOCKING_STATUSES, AllocationStatus, CourtAllocation
from apps.clubs.schedule import opening_windows
from apps.clubs.services import court_time_claim, is_overlap_violation
from apps.core.errors import Conflict, CoreErrorCode, InvalidInput
from apps.tournaments.errors import TournamentErrorCode as Code
from apps.tournaments.events import match_court_extra, publish_bracket_updated
from apps.tournaments.lock_objects import (
    match_allocation_qs_select_for_update,
    match_qs_select_for_update,
    tournament_qs_select_for_update,
)
from apps.tournaments.models import Match, MatchAllocation, MatchStage, MatchStatus, Tournament, TournamentStatus
from apps.tournaments.selectors import has_allocation, matches_for_output

SCHEDULE_SEARCH_DAYS = 60
RESCHEDULE_HORIZON = timedelta(days=730)

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


def tournament_schedule(*, tournament: Tournament, start_date: date, match_minutes: int,
             now: datetime | None = None) -> list[Match]:
    """Puts every match not yet on a court onto the club's active courts, in play order, inside
    opening hours, from `start_date` on. A match starts once the matches it depends on are over
    (the earliest free court and time on the club's slot grid), never over a booking, a block
    or another match: each gets a `match` allocation that blocks the court like a booking.
    A booking made at the same moment makes the database refuse the slot; the match then takes
    the next free one."""
    now = now or timezone.now()
    with transaction.atomic():
        tournament = tournament_qs_select_for_update().get(pk=tournament.pk)
        club = tournament.club
        tz = ZoneInfo(club.timezone)
        if tournament.status == TournamentStatus.DRAFT:
            raise Conflict(Code.NOT_GENERATED, "Generate the matches before scheduling them")
        if start_date < now.astimezone(tz).date():
            raise InvalidInput(Code.IN_PAST, "start_date has already passed", details={"start_date": ["in the past"]})
        all_matches = list(Match.objects.filter(tournament=tournament).select_related("allocation"))
        placed_end = {m.pk: m.allocation.period.upper for m in all_matches if has_allocation(m)}
        todo = [m for m in sorted(all_matches, key=lambda m: m.sequence)
                if not has_allocation(m) and m.status not in (MatchStatus.BYE, MatchStatus.FINISHED)]
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
        publish_bracket_updated(tournament, [m.pk for m, _a in placed])
    return list(matches_for_output().filter(pk__in=[m.pk for m, _a in placed]))


def match_reschedule(*, match: Match, court, start: datetime, now: datetime | None = None) -> Match:
    """Moves a scheduled match to `court` at `start`, keeping its length: the old court time is
    freed and the new one claimed in one transaction, through the same exclusion constraint as
    bookings (a clash is a 409 and nothing moves). Screens follow: `court.unblocked` then
    `court.blocked` on the club stream, `bracket.updated` on the tournament's."""
    now = now or timezone.now()
    with transaction.atomic():
        tournament = tournament_qs_select_for_update().get(pk=match.tournament_id)
        match = match_qs_select_for_update().get(pk=match.pk)
        club = tournament.club
        if not has_allocation(match):
            raise Conflict(Code.NOT_SCHEDULED, "This match has no court and time yet: schedule the tournament first")
        if match.status in (MatchStatus.IN_PROGRESS, MatchStatus.FINISHED, MatchStatus.BYE):
            raise Conflict(Code.MATCH_STARTED, f"A {match.status.replace('_', ' ')} match cannot be moved")
        if court.club_id != club.pk or not court.is_active:
            raise InvalidInput(CoreErrorCode.VALIDATION_ERROR, "Choose an active court of this club",
                               details={"court": ["not an active court of this club"]})
        allocation = match_allocation_qs_select_for_update().get(pk=match.allocation.pk)
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
            court_time_claim(court=court, create=move)
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
        publish_bracket_updated(tournament, [match.pk])
    return matches_for_output().get(pk=match.pk)


def _check_match_order(tournament: Tournament, match: Match, start: datetime, end: datetime) -> None:
    """A moved match still comes after the matches it depends on (those feeding it, its entries'
    previous matches) and before the ones depending on it, as `tournament_schedule` placed them."""
    matches = list(Match.objects.filter(tournament=tournament).select_related("allocation"))
    deps = _dependencies(matches)
    by_id = {m.pk: m for m in matches}
    tz = ZoneInfo(tournament.club.timezone)
    for dep_id in deps.get(match.pk, ()):
        dep = by_id[dep_id]
        if has_allocation(dep) and dep.status != MatchStatus.FINISHED and dep.allocation.period.upper > start:
            ends = dep.allocation.period.upper.astimezone(tz)
            raise Conflict(Code.OUT_OF_ORDER, f"This match must start after {dep.key} ends ({ends:%H:%M})",
                           details={"start": [f"before {dep.key} ends"]})
    for other in matches:
        if other.status in (MatchStatus.IN_PROGRESS, MatchStatus.FINISHED):
            continue  # played already (a final played before third place): its order is history
        if match.pk in deps.get(other.pk, ()) and has_allocation(other) and other.allocation.period.lower < end:
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


def _place(match, courts, busy, earliest, duration, *, hours, tz, step, last_day, span) -> MatchAllocation:
    while True:
        best = None
        for court in courts:
            start = _first_fit(busy[court.pk], earliest, duration, hours=hours, tz=tz, step=step, last_day=last_day)
            if start is not None and (best is None or start < best[0]):
                best = (start, court)
        if best is None:
            raise Conflict(Code.NO_COURT_TIME,
                           f"No court is free long enough within {SCHEDULE_SEARCH_DAYS} days of the start date")
        start, court = best
        try:
            # Same per-court queue as bookings, so a racing booking yields 409, not a deadlock.
            allocation = court_time_claim(court=court, create=lambda court=court, start=start: MatchAllocation.objects.create(
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
