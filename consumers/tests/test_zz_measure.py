import asyncio, time
import pytest
from consumers.tests.conftest import abook
from tests.live_helpers import communicator
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer")]

async def test_measure(world, channel_layer):
    n = 300
    comms = [communicator(world.club_path) for _ in range(n)]
    t0 = time.perf_counter()
    async def conn(c):
        ok, _ = await c.connect(timeout=60); assert ok
        a = await c.receive_output(60); b = await c.receive_output(60)
        assert a["type"] == b["type"] == "websocket.send", (a, b)
    await asyncio.gather(*(conn(c) for c in comms))
    t1 = time.perf_counter()
    await abook(world, hour=10)
    t2 = time.perf_counter()
    lat = []
    async def recv(c):
        m = await c.receive_output(30); lat.append(time.perf_counter() - t2)
    await asyncio.gather(*(recv(c) for c in comms))
    lat.sort()
    print(f"\nLAYER {channel_layer}: connect {n} sockets in-process: {t1-t0:.2f}s; after commit -> receipt p50 {lat[n//2]*1000:.1f}ms p99 {lat[int(n*0.99)]*1000:.1f}ms max {lat[-1]*1000:.1f}ms")
    await asyncio.gather(*(c.disconnect(timeout=30) for c in comms))
