"""The draw: every match of a format at once (Mexicano: round by round)."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.core.errors import Conflict
from apps.tournaments import formats
from apps.tournaments.errors import TournamentErrorCode as Code
from apps.tournaments.events import publish_bracket_updated
from apps.tournaments.lock_objects import tournament_qs_select_for_update
from apps.tournaments.models import Match, MatchStage, MatchStatus, Tournament, TournamentFormat, TournamentStatus
from apps.tournaments.selectors import ordered_entries, solo_standings
from apps.tournaments.services.common import score_for
from apps.tournaments.services.progression import update_tournament_status


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
def tournament_generate(*, tournament: Tournament, now: datetime | None = None) -> list[Match]:
    """Draws every match of the format (Mexicano: the first round). Deterministic for a given
    seeding: entries go in seed order, unseeded ones after them in the order they entered."""
    tournament = tournament_qs_select_for_update().get(pk=tournament.pk)
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
    publish_bracket_updated(tournament, [m.pk for m in matches])
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
def round_generate(*, tournament: Tournament) -> list[Match]:
    """Round k+1 of a Mexicano from the standings once round k is finished."""
    tournament = tournament_qs_select_for_update().get(pk=tournament.pk)
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
    update_tournament_status(tournament)
    publish_bracket_updated(tournament, [m.pk for m in created])
    return created
