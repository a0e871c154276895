"""The tournament stream: which events a change publishes, in one transaction with it, and
that applying them to an old snapshot gives exactly a fresh snapshot."""
from __future__ import annotations

import contextlib
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from apps.core.errors import Conflict
from apps.tournaments import services
from apps.tournaments.models import Match
from apps.tournaments.selectors import apply_event
from routing.permissions import Principal, may_subscribe, resolve_target
from routing.publisher import current_seq
from routing.streams import tournament_stream
from tests.support.factories import UserFactory, staff_of
from tests.support.live import verify_events
from tests.support.tournaments import club_with_staff, make_tournament, play_points, win_match

pytestmark = pytest.mark.django_db


def verify_tournament_events(tournament):
    """verify_events on the tournament's stream, with the tournament client's reducer."""
    return verify_events(tournament_stream(tournament.pk), apply=apply_event)


def test_point_events_in_order():
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=4)
    services.tournament_generate(tournament=tournament)
    semi = Match.objects.filter(tournament=tournament, round=1).order_by("position").first()
    seq = current_seq(tournament_stream(tournament.pk))
    with verify_tournament_events(tournament) as seen:
        semi = services.point_add(match=semi, team=1)
    events = seen.events
    assert [e["type"] for e in events] == ["match.started", "match.score"]
    assert [e["seq"] for e in events] == [seq + 1, seq + 2]
    assert events[1]["data"]["match"]["score"]["points"] == ["15", "0"]
    assert events[0]["data"]["tournament"]["status"] == "in_progress"
    with verify_tournament_events(tournament) as seen:
        services.point_add(match=semi, team=2)
    assert [e["type"] for e in seen.events] == ["match.score"]
    with verify_tournament_events(tournament) as seen:
        semi = win_match(semi, team=2)
    events = seen.events
    assert [e["type"] for e in events][-3:] == ["match.score", "match.finished", "bracket.updated"]
    finished = events[-2]["data"]["match"]
    assert finished["status"] == "finished" and finished["winner"] == 2
    bracket = events[-1]["data"]
    final = Match.objects.get(tournament=tournament, round=2)
    assert [m["id"] for m in bracket["matches"]] == [str(final.pk)]
    assert bracket["matches"][0]["team1"]["id"] == str(semi.team2_id)
    assert set(bracket) == {"tournament", "entries", "standings", "matches"}


def test_a_refused_point_publishes_nothing():
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=4)
    services.tournament_generate(tournament=tournament)
    semi = win_match(Match.objects.get(tournament=tournament, key="R1-M1"), team=1)
    final = Match.objects.get(tournament=tournament, key="R2-M1")
    seq = current_seq(tournament_stream(tournament.pk))
    for call, code in ((lambda: services.point_add(match=semi, team=1), "match_finished"),
                       (lambda: services.point_add(match=final, team=1), "match_not_ready"),
                       (lambda: services.point_undo(match=final), "nothing_to_undo")):
        with pytest.raises(Conflict) as refused:
            call()
        assert refused.value.code == code
    assert current_seq(tournament_stream(tournament.pk)) == seq


def test_a_rolled_back_transaction_publishes_nothing():
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    services.tournament_generate(tournament=tournament)
    match = Match.objects.get(tournament=tournament)
    seq = current_seq(tournament_stream(tournament.pk))
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.point_add(match=match, team=1)
            raise RuntimeError("the caller's transaction fails after the point")
    assert current_seq(tournament_stream(tournament.pk)) == seq
    assert Match.objects.get(pk=match.pk).points == []


@pytest.mark.parametrize("fmt, count", [("single_elimination", 6), ("groups_knockout", 6), ("americano", 5),
                                        ("mexicano", 8), ("round_robin", 4)])
def test_events_applied_to_an_old_snapshot_equal_a_fresh_snapshot(fmt, count):
    club, _staff = club_with_staff(courts=2)
    tournament = make_tournament(club, format=fmt, entries=count, points_per_match=6, rounds=2,
                                 group_size=3, advance_per_group=1)
    checkpoints = contextlib.ExitStack()  # each verifies, at the end, the events since it was taken
    first_checkpoint = checkpoints.enter_context(verify_tournament_events(tournament))
    services.tournament_update(tournament=tournament, name="Renamed")
    services.tournament_generate(tournament=tournament)
    checkpoints.enter_context(verify_tournament_events(tournament))
    day = timezone.now().astimezone(ZoneInfo(club.timezone)).date() + timedelta(days=1)
    services.tournament_schedule(tournament=tournament, start_date=day, match_minutes=60)
    # Play: points, a finished match, undo of its last point, finish again, more matches.
    playable = Match.objects.filter(tournament=tournament, status="scheduled").order_by("sequence")
    first = playable.first()
    first = play_points(first, 1, 2)
    first = play_points(first, 2, 1)
    first = services.point_undo(match=first)
    checkpoints.enter_context(verify_tournament_events(tournament))
    first = win_match(first, team=2)
    services.point_undo(match=first)
    win_match(first, team=1)
    for m in list(Match.objects.filter(tournament=tournament, status="scheduled").order_by("sequence"))[:3]:
        win_match(m, team=2)
    if fmt == "mexicano":
        for m in Match.objects.filter(tournament=tournament, status__in=["scheduled", "in_progress"]):
            win_match(m, team=1)
        services.round_generate(tournament=tournament)
        play_points(Match.objects.filter(tournament=tournament, round=2).first(), 1, 1)
    checkpoints.close()
    assert first_checkpoint.after["tournament"]["name"] == "Renamed"


def test_entries_and_seeds_reach_the_snapshot_by_events():
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    with verify_tournament_events(tournament) as seen:
        entry = services.entry_create(tournament=tournament, players=[UserFactory(), UserFactory()], name="Late")
        services.tournament_seed(tournament=tournament, entries=[entry])
        services.entry_delete(entry=tournament.entries.exclude(pk=entry.pk).first())
    assert [e["name"] for e in seen.after["entries"]][0] == "Late"


def tournament_stream_allowed(user, tournament_id) -> bool:
    """The rule the tournaments app registered for its stream kind, as the consumer asks it."""
    target = resolve_target("tournament", str(tournament_id))
    return target is not None and may_subscribe(target, Principal(user=user))


def test_stream_permission_resolver():
    club, staff = club_with_staff()
    public = make_tournament(club, entries=0)
    private = make_tournament(club, entries=0, is_public=False)
    player = UserFactory()
    other_staff = staff_of(club_with_staff()[0])
    assert tournament_stream_allowed(None, public.pk) is True
    assert tournament_stream_allowed(player, public.pk) is True
    assert tournament_stream_allowed(None, private.pk) is False
    assert tournament_stream_allowed(player, private.pk) is False
    assert tournament_stream_allowed(other_staff, private.pk) is False
    assert tournament_stream_allowed(staff, private.pk) is True
    assert tournament_stream_allowed(staff, "7b1a7c34-6d1e-4c55-9d2e-0c7b8f7d5a11") is False

    target = resolve_target("tournament", str(private.pk))
    assert target.club_id == club.pk and target.is_public is False
    assert may_subscribe(target, Principal(user=staff)) is True
    assert may_subscribe(target, Principal(user=player)) is False
    assert resolve_target("tournament", "7b1a7c34-6d1e-4c55-9d2e-0c7b8f7d5a11") is None
