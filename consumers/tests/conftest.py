"""Live-layer test fixtures: both Redis channel-layer classes, a tournament stream wired to a
test resolver and snapshot provider, and a club with two courts and people around it."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

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


@dataclass
class World:
    club: object
    courts: list
    player: object
    staff: object
    day: object  # a future local day (today + 2)

    def at(self, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(self.day, datetime.min.time(), tzinfo=ZoneInfo(self.club.timezone)).replace(
            hour=hour, minute=minute)

    @property
    def club_path(self) -> str:
        return f"/ws/clubs/{self.club.pk}/"

    @property
    def staff_path(self) -> str:
        return f"/ws/clubs/{self.club.pk}/staff/"


def make_world(*, is_public: bool = True, courts: int = 2) -> World:
    from tests.factories import ClubFactory, CourtFactory, UserFactory, staff_of

    club = ClubFactory(is_public=is_public)
    court_list = [CourtFactory(club=club, name=f"Court {i + 1}") for i in range(courts)]
    day = datetime.now(ZoneInfo(club.timezone)).date() + timedelta(days=2)
    return World(club=club, courts=court_list, player=UserFactory(), staff=staff_of(club), day=day)


@pytest.fixture
async def world(transactional_db):
    return await sync_to_async(make_world)()


def book(world: World, court_index: int = 0, hour: int = 10, minutes: int = 60, user=None):
    from apps.reservations.services import reservation_create

    start = world.at(hour)
    return reservation_create(court=world.courts[court_index], user=user or world.player, start=start,
                              end=start + timedelta(minutes=minutes))


abook = sync_to_async(book)


@pytest.fixture
def tournaments():
    """A tournament stream kind wired for tests: an in-memory registry of tournaments, its
    resolver and snapshot provider. Real ones come with apps.tournaments."""
    from routing.permissions import register_stream_resolver, tournament_target
    from routing.snapshots import register_snapshot_provider
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

    previous_resolver = register_stream_resolver(TOURNAMENT, resolver)
    previous_provider = register_snapshot_provider(TOURNAMENT, provider)
    yield registry
    register_stream_resolver(TOURNAMENT, previous_resolver)
    register_snapshot_provider(TOURNAMENT, previous_provider)
