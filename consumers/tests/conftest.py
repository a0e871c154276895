"""Live-layer test fixtures: both Redis channel-layer classes, a tournament stream wired to a
test resolver and snapshot provider, and a club with two courts and people around it
(tests.support.live.make_world)."""
from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from tests.support.live import make_world

LAYER_BACKENDS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}


@pytest.fixture(params=sorted(LAYER_BACKENDS))
def channel_layer(request, settings):
    """Run the test once on each Redis layer class the settings can choose."""
    base = settings.CHANNEL_LAYERS["default"]
    if "CONFIG" not in base:
        pytest.fail("the live tests need REDIS_URL (a Redis channel layer)")
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": LAYER_BACKENDS[request.param],
                                           "CONFIG": dict(base["CONFIG"])}}
    return request.param


@pytest.fixture(autouse=True)
async def _close_db_connections():
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture
def fast_checks(settings):
    """Pings always compare with the database (production throttles that to every few seconds)."""
    settings.LIVE_PING_CHECK_MIN_SECONDS = 0
    return settings


@pytest.fixture
async def world(transactional_db):
    return await sync_to_async(make_world)()


@pytest.fixture
def tournaments():
    """A tournament stream kind wired for tests: an in-memory registry of tournaments, its
    resolver and snapshot provider. Real ones come with apps.tournaments."""
    from routing.permissions import tournament_target
    from routing.registry import swap_hook
    from routing.streams import TOURNAMENT

    registry: dict[uuid.UUID, dict] = {}

    def resolver(ident):
        row = registry.get(ident)
        if row is None:
            return None
        return tournament_target(ident, is_public=row["is_public"], club_id=row.get("club_id"))

    def provider(target, params):
        row = registry[target.id]
        return {"tournament": str(target.id), "bracket": row["bracket"], "matches": row["matches"]}

    previous_resolver = swap_hook(TOURNAMENT, "resolve", resolver)
    previous_provider = swap_hook(TOURNAMENT, "snapshot", provider)
    yield registry
    swap_hook(TOURNAMENT, "resolve", previous_resolver)
    swap_hook(TOURNAMENT, "snapshot", previous_provider)
