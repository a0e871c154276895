"""The demo tournament: a knockout in progress for the demo club's board (called by seed.py)."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from apps.tournaments import services
from apps.tournaments.models import Match, MatchStatus, Tournament

DEMO_NAME = "Torneo de Otoño"

# A first semi-final won 6-3 6-4 by team 1 and the second in play at 4-6 3-2 15-30: written as
# game winners (4 straight points each) plus a few points of the game in play.
_FIRST = [1, 2, 1, 1, 2, 1, 2, 1, 1] + [1, 2, 1, 2, 1, 2, 1, 2, 1, 1]
_SECOND_GAMES = [2, 1, 2, 2, 1, 2, 1, 2, 1, 2] + [1, 2, 1, 2, 1]
_SECOND_POINTS = [2, 1, 2]


def seed_demo_tournament(club, players, *, now=None) -> Tournament:
    """A public knockout of four pairs at `club` with its semi-finals scheduled on the club's
    courts, the first one finished and the second in play. `players`: at least 8 users (the
    first 8 make the pairs). Idempotent: a second call returns the tournament it made."""
    existing = Tournament.objects.filter(club=club, name=DEMO_NAME).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    players = list(players)[:8]
    if len(players) < 8:
        raise ValueError("the demo tournament needs 8 players")
    with transaction.atomic():
        tournament = services.tournament_create(club=club, name=DEMO_NAME, format="single_elimination",
                                                golden_point=False, super_tiebreak=True, is_public=True)
        for seed, pair in enumerate(zip(players[0::2], players[1::2], strict=True), start=1):
            services.entry_create(tournament=tournament, players=list(pair), seed=seed)
        services.tournament_generate(tournament=tournament)
        if club.courts.filter(is_active=True).exists():
            today = now.astimezone(ZoneInfo(club.timezone)).date()
            # Back-date the start so the semi-finals sit on the courts now (or at the next opening).
            services.tournament_schedule(tournament=tournament, start_date=today, match_minutes=90,
                              now=now - timedelta(minutes=45))
        first, second = Match.objects.filter(tournament=tournament, round=1).order_by("position")
        _play_games(first, _FIRST)
        _play_games(second, _SECOND_GAMES)
        for team in _SECOND_POINTS:
            services.point_add(match=second, team=team)
    tournament.refresh_from_db()
    assert Match.objects.get(pk=first.pk).status == MatchStatus.FINISHED
    return tournament


def _play_games(match, game_winners: list[int]) -> None:
    for team in game_winners:
        for _ in range(4):
            match = services.point_add(match=match, team=team)
