"""Client messages: ping answers pong; bad input answers an error and the socket stays open;
a flood is closed with 4429 (CONTRACT §3)."""
from __future__ import annotations

import pytest

from tests.support.live import LiveClient, abook

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer")]


async def test_ping_answers_pong_with_the_current_seq(world):
    await abook(world, hour=10)
    client = LiveClient(world.club_path)
    await client.connect()
    try:
        pong = await client.ping()
        assert pong["type"] == "pong" and pong["seq"] == 1 and pong["stream"] == client.hello["stream"]
        timed = await client.request({"type": "ping", "id": "p-7"}, "pong")
        assert timed["data"] == {"id": "p-7"}
        assert client.seq == 1  # pong does not advance seq
    finally:
        await client.disconnect()


@pytest.mark.parametrize(("frame", "code"), [
    ("{not json", "bad_json"),
    ("", "bad_json"),
    ("[1, 2]", "bad_json"),
    ('"ping"', "bad_json"),
    ("[" * 3000 + "]" * 3000, "frame_too_large"),
    ("[" * 2000 + "]" * 2000, "bad_json"),  # nested too deep for the parser: still just bad JSON
    ('{"type": "subscribe"}', "unknown_type"),
    ('{"no": "type"}', "unknown_type"),
    (b"\x00\x01binary", "binary_not_supported"),
    ('{"type": "ping", "pad": "' + "x" * 5000 + '"}', "frame_too_large"),
    ('{"type": "ping", "pad": "' + "é" * 2100 + '"}', "frame_too_large"),  # 4200 bytes, 2100 chars
])
async def test_bad_input_answers_an_error_and_keeps_the_socket_open(world, frame, code):
    client = LiveClient(world.club_path)
    await client.connect()
    try:
        error = await client.request(frame, "error")
        assert error["data"]["code"] == code and error["data"]["message"]
        assert error["seq"] == 0 and error["stream"] == client.hello["stream"]
        assert (await client.ping())["type"] == "pong"  # still open and answering
        await abook(world, hour=10)
        await client.wait_for_seq(1)  # and still receiving events
    finally:
        await client.disconnect()


async def test_errors_carry_the_current_seq(world):
    await abook(world, hour=10)
    await abook(world, hour=12)
    client = LiveClient(world.club_path)
    await client.connect()
    try:
        error = await client.request("nope", "error")
        assert error["seq"] == 2 and client.seq == 2
    finally:
        await client.disconnect()


async def test_a_ping_flood_gets_errors_then_4429(world):
    import math
    import time

    from routing.conf import live_setting

    client = LiveClient(world.club_path)
    await client.connect()
    try:
        started = time.monotonic()
        for _ in range(200):
            await client.send({"type": "ping"})
        types = []
        while (message := await client.receive()) is not None:
            types.append(message["type"])
        elapsed = time.monotonic() - started
        assert client.close_code == 4429
        # The burst, plus whatever the bucket refilled while the flood was being read (a slow
        # machine takes more than 1/rate seconds to get through 200 frames).
        burst = live_setting("LIVE_RATE_BURST")
        refilled = math.ceil(elapsed * live_setting("LIVE_RATE_PER_SECOND"))
        assert burst <= types.count("pong") <= burst + refilled
        assert "error" in types and client.messages[-1]["data"]["code"] == "rate_limited"
    finally:
        await client.disconnect()


async def test_a_client_within_the_rate_is_never_limited(world, settings):
    import asyncio

    settings.LIVE_RATE_BURST = 2  # no burst to hide behind: only the refill rate (20/s) counts
    client = LiveClient(world.club_path)
    await client.connect()
    try:
        for _ in range(30):  # ~14 a second for two seconds
            assert (await client.ping())["type"] == "pong"
            await asyncio.sleep(0.07)
        assert not any(m["type"] == "error" for m in client.messages)
    finally:
        await client.disconnect()
