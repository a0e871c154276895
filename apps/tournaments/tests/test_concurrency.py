"""Points scored at once from several devices: the row locks keep every point and every event."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.tournaments import services
from apps.tournaments.models import Match
from routing.streams import tournament_stream
from tests.support.live import stream_events
from tests.support.tournaments import club_with_staff, make_tournament

pytestmark = pytest.mark.django_db(transaction=True)


def _hammer(match_id, team, count, barrier, failures):
    try:
        barrier.wait()
        for _ in range(count):
            services.point_add(match=Match.objects.get(pk=match_id), team=team)
    except Exception as exc:  # reported to the test thread
        failures.append(exc)
    finally:
        connection.close()


def test_concurrent_points_on_two_matches_lose_nothing():
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=4)
    services.tournament_generate(tournament=tournament)
    semi1, semi2 = Match.objects.filter(tournament=tournament, round=1).order_by("position")
    stream = tournament_stream(tournament.pk)
    before = len(stream_events(stream))
    barrier, failures = threading.Barrier(4), []
    threads = [threading.Thread(target=_hammer, args=(m.pk, team, 6, barrier, failures))
               for m in (semi1, semi2) for team in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    for m in (semi1, semi2):
        fresh = Match.objects.get(pk=m.pk)
        assert sorted(fresh.points) == [1] * 6 + [2] * 6  # nobody's point overwrote another's
        assert fresh.score == services.score_for(tournament, fresh.points)
    seqs = [e.seq for e in stream_events(stream)]
    assert seqs == list(range(1, len(seqs) + 1))
    # 24 points: one match.score each, plus one match.started per match.
    assert len(seqs) - before == 24 + 2


def test_concurrent_undo_and_point_serialise():
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    services.tournament_generate(tournament=tournament)
    match = Match.objects.get(tournament=tournament)
    for _ in range(5):
        match = services.point_add(match=match, team=1)
    failures = []
    barrier = threading.Barrier(2)

    def undo_all():
        try:
            barrier.wait()
            for _ in range(3):
                services.point_undo(match=match)
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=undo_all),
               threading.Thread(target=_hammer, args=(match.pk, 2, 3, barrier, failures))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == []
    fresh = Match.objects.get(pk=match.pk)
    assert len(fresh.points) == 5 and fresh.points.count(2) + fresh.points.count(1) == 5
    assert fresh.score == services.score_for(tournament, fresh.points)
