"""An idle socket keeps working on either layer (RedisChannelLayer polls with a 5 s blocking pop,
which redis-py's default 5 s read timeout used to turn into a crash: see project/settings.py)."""
import asyncio

import pytest

from tests.support.live import LiveClient, abook

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer")]


async def test_an_idle_socket_still_receives_after_the_layers_poll_timeout(world):
    client = LiveClient(world.club_path)
    await client.connect()
    try:
        await asyncio.sleep(11)  # two of RedisChannelLayer's 5 s blocking pops
        await abook(world, hour=10)
        await client.wait_for_seq(1)
    finally:
        await client.disconnect()
