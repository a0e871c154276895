"""seed_demo_tournament: a knockout in progress on the demo club's courts, made once."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.demo.tournament import seed_demo_tournament
from apps.tournaments.models import Match, MatchAllocation, Tournament
from apps.tournaments.selectors import tournament_snapshot
from routing.publisher import current_seq
from routing.streams import tournament_stream
from tests.support.factories import UserFactory
from tests.support.tournaments import club_with_staff

pytestmark = pytest.mark.django_db


def test_demo_tournament_is_in_progress_and_idempotent():
    club, _staff = club_with_staff(courts=3)
    players = [UserFactory() for _ in range(9)]
    tournament = seed_demo_tournament(club, players)
    assert tournament.status == "in_progress" and tournament.is_public
    first, second = Match.objects.filter(tournament=tournament, round=1).order_by("position")
    final = Match.objects.get(tournament=tournament, round=2)
    assert first.status == "finished" and first.score["sets"] == [[6, 3], [6, 4]]
    assert second.status == "in_progress"
    assert second.score == {"sets": [[4, 6]], "games": [3, 2], "points": ["15", "30"], "tiebreak": False,
                            "finished": False, "winner": None}
    assert final.team1_id == first.team1_id and final.status == "pending"
    assert MatchAllocation.objects.filter(match__tournament=tournament).count() == 3
    snapshot = tournament_snapshot(tournament.pk)
    assert [m["status"] for m in snapshot["matches"]] == ["finished", "in_progress", "pending"]

    again = seed_demo_tournament(club, players)
    assert again.pk == tournament.pk and Tournament.objects.filter(club=club).count() == 1
    assert Match.objects.get(pk=second.pk).points == second.points


def test_demo_tournament_needs_eight_players():
    club, _staff = club_with_staff()
    with pytest.raises(ValueError):
        seed_demo_tournament(club, [UserFactory() for _ in range(7)])
    assert not Tournament.objects.filter(club=club).exists()


def test_autoplay_scores_points_through_the_service():
    club, _staff = club_with_staff()
    tournament = seed_demo_tournament(club, [UserFactory() for _ in range(8)])
    second = Match.objects.get(tournament=tournament, key="R1-M2")
    before, seq = len(second.points), current_seq(tournament_stream(tournament.pk))
    out = StringIO()
    call_command("tournament_autoplay", str(tournament.pk), "--every", "0", "--points", "5", stdout=out)
    assert len(Match.objects.get(pk=second.pk).points) == before + 5
    assert current_seq(tournament_stream(tournament.pk)) >= seq + 5
    assert out.getvalue().count("R1-M2") == 5
