"""The real tournament stream over a WebSocket: who may subscribe, the snapshot, live points."""
from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from apps.tournaments import services
from apps.tournaments.models import Match
from apps.tournaments.selectors import apply_event, tournament_snapshot
from tests.support.factories import UserFactory
from tests.support.live import LiveClient, access_token, close_code_of
from tests.support.tournaments import club_with_staff, make_tournament

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
async def _close_db_connections():
    yield
    await sync_to_async(connections.close_all)()


def _setup(is_public=True):
    club, staff = club_with_staff()
    tournament = make_tournament(club, entries=4, is_public=is_public)
    services.tournament_generate(tournament=tournament)
    return tournament, staff


async def test_public_tournament_snapshot_then_live_points():
    tournament, _staff = await sync_to_async(_setup)()
    client = LiveClient(f"/ws/tournaments/{tournament.pk}/")
    hello = await client.connect()
    try:
        assert hello["stream"] == f"tournament:{tournament.pk}"
        fresh = await sync_to_async(tournament_snapshot)(tournament.pk)
        assert client.state == fresh
        assert len(client.state["matches"]) == 3
        semi = await sync_to_async(Match.objects.filter(tournament=tournament, round=1).first)()
        await sync_to_async(services.point_add)(match=semi, team=2)
        await client.wait_for_seq(hello["seq"] + 2)
        assert [e["type"] for e in client.events] == ["match.started", "match.score"]
        state = client.state
        for event in client.events:
            state = apply_event(state, event)
        assert state == await sync_to_async(tournament_snapshot)(tournament.pk)
        scored = next(m for m in state["matches"] if m["id"] == str(semi.pk))
        assert scored["score"]["points"] == ["0", "15"] and scored["status"] == "in_progress"
    finally:
        await client.disconnect()


async def test_resume_with_since_replays_the_missed_points():
    tournament, _staff = await sync_to_async(_setup)()
    client = LiveClient(f"/ws/tournaments/{tournament.pk}/")
    hello = await client.connect()
    await client.disconnect()
    semi = await sync_to_async(Match.objects.filter(tournament=tournament, round=1).first)()
    for team in (1, 1, 2):
        semi = await sync_to_async(services.point_add)(match=semi, team=team)
    again = LiveClient(f"/ws/tournaments/{tournament.pk}/")
    again.seq = hello["seq"]  # what this client had applied before it dropped
    resumed = await again.connect(since=hello["seq"])
    try:
        assert resumed["data"]["mode"] != "snapshot"
        assert [e["type"] for e in again.events] == ["match.started"] + ["match.score"] * 3
        assert again.events[-1]["data"]["match"]["score"]["points"] == ["30", "15"]
    finally:
        await again.disconnect()


async def test_private_tournament_needs_staff():
    tournament, staff = await sync_to_async(_setup)(is_public=False)
    path = f"/ws/tournaments/{tournament.pk}/"
    player = await sync_to_async(UserFactory)()
    assert await close_code_of(path) == 4401
    assert await close_code_of(path, token=access_token(player)) == 4403
    assert await close_code_of(path, token="not-a-token") == 4401
    assert await close_code_of(f"/ws/tournaments/{uuid.uuid4()}/") == 4404
    assert await close_code_of(path, token=access_token(staff)) is None
