"""Scores points in a tournament's matches now and then, so a demo board has something live to show.

    manage.py tournament_autoplay <tournament id> [--every 4] [--points 0 (= until it ends)] [--seed 1]

Each tick picks the match in play with the lowest sequence (or starts the next scheduled one)
and gives a point to a team chosen by a seeded random generator, through the same service as
the scorer page, so every point goes out on the tournament stream.
"""
from __future__ import annotations

import random
import time
import uuid

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.tournaments import services
from apps.tournaments.models import Match, MatchStatus, Tournament


def next_match(tournament: Tournament) -> Match | None:
    playing = Match.objects.filter(tournament=tournament, status=MatchStatus.IN_PROGRESS).order_by("sequence")
    return playing.first() or Match.objects.filter(
        tournament=tournament, status=MatchStatus.SCHEDULED).order_by("sequence").first()


class Command(BaseCommand):
    help = "Score random points in a tournament every few seconds (demo boards)."

    def add_arguments(self, parser):
        parser.add_argument("tournament")
        parser.add_argument("--every", type=float, default=4.0, help="seconds between points")
        parser.add_argument("--points", type=int, default=0, help="stop after this many points (0: until the end)")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, tournament, every, points, seed, **options):
        found = Tournament.objects.filter(pk=tournament).first() if _is_uuid(tournament) else None
        if found is None:
            raise CommandError(f"no tournament {tournament}")
        rng = random.Random(seed)
        scored = 0
        while points == 0 or scored < points:
            match = next_match(found)
            if match is None:
                self.stdout.write("nothing left to play")
                return
            team = 1 if rng.random() < 0.55 else 2  # a slight favourite makes matches end sooner
            try:
                match = services.point_add(match=match, team=team)
            except ApplicationError as exc:  # e.g. the scorer page finished it meanwhile
                self.stderr.write(f"{match.key}: {exc.message}")
            else:
                scored += 1
                self.stdout.write(f"{match.key}: {match.score}")
            if every > 0 and (points == 0 or scored < points):
                time.sleep(every)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
