import asyncio, time, statistics, json
import pytest
from asgiref.sync import sync_to_async
from consumers.tests.conftest import abook
from tests.live_helpers import communicator
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer")]

async def test_measure(world):
    n = 200
    comms = [communicator(world.club_path) for _ in range(n)]
    t0 = time.perf_counter()
    async def conn(c):
        await c.connect(); await c.receive_output(5); await c.receive_output(5)
    await asyncio.gather(*(conn(c) for c in comms))
    t1 = time.perf_counter()
    await abook(world, hour=10)
    t2 = time.perf_counter()
    lat = []
    async def recv(c):
        m = await c.receive_output(5); lat.append(time.perf_counter() - t2)
    await asyncio.gather(*(recv(c) for c in comms))
    lat.sort()
    print(f"\nLAYER connect {n} sockets: {t1-t0:.2f}s; commit->receipt p50 {lat[n//2]*1000:.1f}ms p99 {lat[int(n*0.99)]*1000:.1f}ms max {lat[-1]*1000:.1f}ms")
    for c in comms: await c.disconnect()
