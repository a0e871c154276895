"""Reads of tournaments: the JSON shapes every client sees (REST, stream events, snapshots) are
built here, once, so an event applied to a snapshot gives exactly what a fresh snapshot gives.

Standings are derived from the finished matches on every read instead of being stored, so
an undone point can never leave a table that disagrees with the matches.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from psycopg2.extras import DateTimeTZRange

from apps.clubs.models import Club
from apps.tournaments import formats
from apps.tournaments.models import Entry, EntryPlayer, Match, MatchStage, MatchStatus, Tournament, TournamentFormat

# ---------------------------------------------------------------------------------------------
# Querysets


def entries_with_players():
    players = Prefetch("entry_players", queryset=EntryPlayer.objects.select_related("user").order_by("position"))
    return Entry.objects.prefetch_related(players)


def matches_for_output():
    return Match.objects.select_related(
        "tournament", "tournament__club", "allocation", "allocation__court",
    ).order_by("sequence")


def ordered_entries(tournament: Tournament) -> list[Entry]:
    """Seed order: seeded entries by seed, then the rest in the order they entered (then id)."""
    return list(entries_with_players().filter(tournament=tournament).order_by(
        "seed", "created_at", "id"))  # ascending seed puts NULL last in PostgreSQL


def _iso(value, tz: ZoneInfo | None = None):
    if value is None:
        return None
    return (value.astimezone(tz) if tz else value).isoformat()


def tournament_data(tournament: Tournament) -> dict:
    return {
        "id": str(tournament.pk),
        "club": str(tournament.club_id),
        "name": tournament.name,
        "format": tournament.format,
        "golden_point": tournament.golden_point,
        "super_tiebreak": tournament.super_tiebreak,
        "is_public": tournament.is_public,
        "entry_fee": None if tournament.entry_fee is None else f"{tournament.entry_fee:.2f}",
        "currency": tournament.currency,
        "points_per_match": tournament.points_per_match,
        "group_size": tournament.group_size,
        "advance_per_group": tournament.advance_per_group,
        "courts": tournament.courts,
        "rounds": tournament.rounds,
        "third_place": tournament.third_place,
        "status": tournament.status,
        "generated_at": _iso(tournament.generated_at),
        "created_at": _iso(tournament.created_at),
    }


def _player(user) -> dict:
    return {"id": str(user.pk), "name": user.full_name}


def entry_data(entry: Entry) -> dict:
    return {
        "id": str(entry.pk),
        "tournament": str(entry.tournament_id),
        "name": entry.name,
        "seed": entry.seed,
        "players": [_player(ep.user) for ep in entry.entry_players.all()],
    }


def team_data(entries: list[Entry]) -> dict | None:
    """A side of a match. Pair formats: one entry, whose id is the team's `id`. Americano and
    Mexicano: two single-player entries, `id` null and both in `entries`."""
    if not entries:
        return None
    players = [p for e in entries for p in entry_data(e)["players"]]
    return {
        "id": str(entries[0].pk) if len(entries) == 1 else None,
        "name": entries[0].name if len(entries) == 1 else " / ".join(e.name for e in entries),
        "seed": entries[0].seed if len(entries) == 1 else None,
        "entries": [str(e.pk) for e in entries],
        "players": players,
    }


def source_label(source: str) -> dict | None:
    """`winner:R1-M3` -> {"kind": "winner", "match": "R1-M3"} (`loser:` alike, for the third-place
    match); `group:A:1` -> {"kind": "group", ...}."""
    if not source:
        return None
    parts = source.split(":")
    if parts[0] in ("winner", "loser") and len(parts) == 2:
        return {"kind": parts[0], "match": parts[1]}
    if parts[0] == "group" and len(parts) == 3:
        return {"kind": "group", "group": parts[1], "place": int(parts[2])}
    return {"kind": "other", "text": source}


def match_data(match: Match, entries: dict | None = None) -> dict:
    """`entries`: id -> Entry with players prefetched (avoids a query per team)."""
    tournament = match.tournament
    tz = ZoneInfo(tournament.club.timezone)

    def pick(entry_id):
        if entry_id is None:
            return None
        if entries is not None and entry_id in entries:
            return entries[entry_id]
        return entries_with_players().get(pk=entry_id)

    side1 = [e for e in (pick(match.team1_id), pick(match.team1_partner_id)) if e is not None]
    side2 = [e for e in (pick(match.team2_id), pick(match.team2_partner_id)) if e is not None]
    allocation = getattr(match, "allocation", None) if has_allocation(match) else None
    return {
        "id": str(match.pk),
        "tournament": str(match.tournament_id),
        "key": match.key,
        "stage": match.stage,
        "group": match.group or None,
        "round": match.round,
        "position": match.position,
        "sequence": match.sequence,
        "team1": team_data(side1),
        "team2": team_data(side2),
        "source1": source_label(match.source1),
        "source2": source_label(match.source2),
        "next_match": str(match.next_match_id) if match.next_match_id else None,
        "next_slot": match.next_slot,
        "loser_next_match": str(match.loser_next_match_id) if match.loser_next_match_id else None,
        "loser_next_slot": match.loser_next_slot,
        "status": match.status,
        "score": match.score,
        "winner": match.winner,
        "court": ({"id": str(allocation.court_id), "name": allocation.court.name} if allocation else None),
        "start": _iso(allocation.period.lower, tz) if allocation else None,
        "end": _iso(allocation.period.upper, tz) if allocation else None,
        "started_at": _iso(match.started_at),
        "finished_at": _iso(match.finished_at),
    }


def has_allocation(match: Match) -> bool:
    """Has the match a court and time? (Reads `match.allocation`: select_related or one query.)"""
    try:
        match.allocation  # noqa: B018  (select_related or one query)
    except ObjectDoesNotExist:
        return False
    return True


def entries_by_id(tournament: Tournament) -> dict:
    return {e.pk: e for e in entries_with_players().filter(tournament=tournament)}


def matches_data(matches, tournament: Tournament) -> list[dict]:
    entries = entries_by_id(tournament)
    return [match_data(m, entries) for m in matches]


# ---------------------------------------------------------------------------------------------
# Standings


def _set_is_super_tiebreak(tournament: Tournament, index: int) -> bool:
    return tournament.super_tiebreak and index == 2


def group_table(tournament: Tournament, group_matches: list[Match], seed_index: dict) -> list[dict]:
    """One group's table from its matches: played, won, lost, sets and games (a super tie-break
    counts as one set and a 1-0 game); ranked by wins, set difference, game difference, then
    seed order (deterministic, never a coin toss)."""
    rows: dict = {}

    def row(entry_id):
        return rows.setdefault(entry_id, {"played": 0, "won": 0, "lost": 0, "sets_won": 0, "sets_lost": 0,
                                          "games_won": 0, "games_lost": 0})

    for m in group_matches:
        for entry_id in (m.team1_id, m.team2_id):
            if entry_id is not None:
                row(entry_id)
        if m.status != MatchStatus.FINISHED:
            continue
        sides = ((m.team1_id, 0), (m.team2_id, 1))
        for entry_id, i in sides:
            r = row(entry_id)
            r["played"] += 1
            r["won" if m.winner == i + 1 else "lost"] += 1
            for index, result in enumerate(m.score.get("sets", [])):
                mine, theirs = result[i], result[1 - i]
                r["sets_won" if mine > theirs else "sets_lost"] += 1
                if _set_is_super_tiebreak(tournament, index):
                    mine, theirs = (1, 0) if mine > theirs else (0, 1)
                r["games_won"] += mine
                r["games_lost"] += theirs
    ordered = sorted(rows.items(), key=lambda kv: (
        -kv[1]["won"], -(kv[1]["sets_won"] - kv[1]["sets_lost"]),
        -(kv[1]["games_won"] - kv[1]["games_lost"]), seed_index.get(kv[0], 10**6)))
    table = []
    for rank, (entry_id, r) in enumerate(ordered, start=1):
        table.append({"rank": rank, "entry": str(entry_id), **r,
                      "sets_diff": r["sets_won"] - r["sets_lost"],
                      "games_diff": r["games_won"] - r["games_lost"]})
    return table


def groups_standings(tournament: Tournament, matches: list[Match], entries: list[Entry]) -> list[dict]:
    seed_index = {e.pk: i for i, e in enumerate(entries)}
    names = {e.pk: e.name for e in entries}
    by_group: dict[str, list[Match]] = defaultdict(list)
    for m in matches:
        if m.stage == MatchStage.GROUP:
            by_group[m.group].append(m)
    out = []
    for name in sorted(by_group, key=lambda g: (len(g), g)):
        group_matches = by_group[name]
        rows = group_table(tournament, group_matches, seed_index)
        for r in rows:
            r["name"] = names.get(_uuid(r["entry"]), "")
        out.append({"name": name or None,
                    "finished": all(m.status == MatchStatus.FINISHED for m in group_matches),
                    "rows": rows})
    return out


def _uuid(text):
    return uuid.UUID(text)


def solo_results(matches: list[Match]) -> list[tuple]:
    """(team1 players, team2 players, points1, points2) of every finished Americano/Mexicano match."""
    results = []
    for m in matches:
        if m.stage != MatchStage.ROTATION or m.status != MatchStatus.FINISHED:
            continue
        sets = m.score.get("sets") or [[0, 0]]
        a, b = sets[-1]
        results.append(((m.team1_id, m.team1_partner_id), (m.team2_id, m.team2_partner_id), a, b))
    return results


def solo_standings(matches: list[Match], entries: list[Entry]) -> list[formats.Standing]:
    order = {e.pk: i for i, e in enumerate(entries)}
    return list(formats.americano_standings(solo_results(matches), players=[e.pk for e in entries],
                                            key=lambda p: order.get(p, 10**6)))


def standings_data(tournament: Tournament, matches: list[Match], entries: list[Entry]) -> dict:
    """`groups`: a table per group (round robin: one group named null); `players`: the
    Americano/Mexicano ranking by points won. Knockout-only tournaments have neither."""
    out: dict = {"groups": [], "players": []}
    if tournament.format in (TournamentFormat.ROUND_ROBIN, TournamentFormat.GROUPS_KNOCKOUT):
        out["groups"] = groups_standings(tournament, matches, entries)
    elif tournament.is_solo:
        names = {e.pk: e.name for e in entries}
        out["players"] = [
            {"rank": s.rank, "entry": str(s.player), "name": names.get(s.player, ""), "played": s.played,
             "points_won": s.points_won, "points_lost": s.points_lost, "difference": s.difference}
            for s in solo_standings(matches, entries)
        ]
    return out


def tournament_matches(tournament: Tournament) -> list[Match]:
    return list(matches_for_output().filter(tournament=tournament))


def bracket_state(tournament: Tournament, matches: list[Match] | None = None) -> dict:
    """Everything but the matches list: the tournament, its entries, the standings."""
    entries = ordered_entries(tournament)
    matches = tournament_matches(tournament) if matches is None else matches
    return {
        "tournament": tournament_data(tournament),
        "entries": [entry_data(e) for e in entries],
        "standings": standings_data(tournament, matches, entries),
    }


def tournament_snapshot(tournament_id) -> dict:
    """The tournament stream's snapshot: the tournament, entries, every match (with the bracket
    links `next_match`/`next_slot`, court, time and score) and the standings."""
    tournament = Tournament.objects.select_related("club").get(pk=tournament_id)
    matches = tournament_matches(tournament)
    entries = entries_by_id(tournament)
    data = bracket_state(tournament, matches)
    data["matches"] = [match_data(m, entries) for m in matches]
    return data


def apply_event(snapshot: dict, event: dict) -> dict:
    """What a client does with a tournament stream event (static/js mirrors it): every key an
    event carries replaces its part of the snapshot; matches are replaced by id, new ones
    inserted in play order."""
    data = event.get("data") or {}
    out = dict(snapshot)
    for key in ("tournament", "entries", "standings"):
        if key in data:
            out[key] = data[key]
    changed = list(data.get("matches") or [])
    if "match" in data:
        changed.append(data["match"])
    if changed:
        by_id = {m["id"]: m for m in out.get("matches", [])}
        for m in changed:
            by_id[m["id"]] = m
        out["matches"] = sorted(by_id.values(), key=lambda m: m["sequence"])
    return out


def matches_data_many(matches: list[Match]) -> list[dict]:
    """Matches of any tournaments, with one query for all their entries."""
    tournament_ids = {m.tournament_id for m in matches}
    entries = {e.pk: e for e in entries_with_players().filter(tournament_id__in=tournament_ids)}
    return [match_data(m, entries) for m in matches]


def matches_of_club(qs, *, club_id, day=None):
    """`qs` narrowed to one club's tournaments; with `day` (the club's local date), to the matches
    on its courts that day, in time order."""
    qs = qs.filter(tournament__club_id=club_id)
    if day is None:
        return qs
    zone = Club.objects.filter(pk=club_id).values_list("timezone", flat=True).first()
    if zone is None:
        return qs.none()
    tz = ZoneInfo(zone)
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    span = DateTimeTZRange(start, datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz), "[)")
    return qs.filter(allocation__period__overlap=span).order_by("allocation__period", "sequence")
