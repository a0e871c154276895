"""WebSocket abuse against a real daphne (issue 6, point 5).

Malformed, oversized and binary frames, a ping flood, and thousands of connect/disconnect
cycles. The server stays up; the offending socket gets an error (and stays usable) or a close;
sockets watching the same club are unaffected and keep receiving events in order; after the
cycles the daphne process's memory and its Redis subscriptions return to their level.

Runs on a private PostgreSQL and Redis (the fixtures of tests/support/services.py) so Redis's subscription
count belongs to this server alone.
"""
from __future__ import annotations

import asyncio
import json
import time

import psutil
import pytest
import redis
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.kit.liveclient import fresh_snapshot
from tests.support.remote import Watcher, seed_club

pytestmark = [pytest.mark.slow]

BYSTANDERS = 5
CYCLES = 2000
CYCLE_CONCURRENCY = 25
CYCLES_TIME_LIMIT = 240.0  # seconds for all cycles on a busy 2-core machine (typically far less)
WARM_UP_CYCLES = 1000  # RSS climbs over the first thousand cycles (allocator arenas), then stays flat
# Allowed growth over the warmed-up baseline: a leaked consumer (~39 KiB each) would add ~78 MiB.
RSS_MARGIN = 16 * 1024 * 1024


def book(club, index: int) -> str:
    court, start, end = club.slot(index)
    response = requests.post(f"{club.base}/api/v1/reservations/reservations/",
                             json={"court": court, "start": start, "end": end},
                             headers={"Authorization": f"Bearer {club.players[0]['access']}"}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


async def open_socket(node, club, *, since: int | None = None):
    url = f"{node.ws}/ws/clubs/{club.club_id}/?date={club.day}"
    if since is not None:
        url += f"&since={since}"
    ws = await connect(url, origin=node.origin, open_timeout=20, ping_interval=None, max_size=None)
    hello = json.loads(await asyncio.wait_for(ws.recv(), 20))
    assert hello["type"] == "hello", hello
    if since is None:
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 20))
        assert snapshot["type"] == "snapshot"
    return ws, hello


async def next_message(ws, timeout: float = 10) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def expect_error(ws, code: str) -> dict:
    message = await next_message(ws)
    assert message["type"] == "error" and message["data"]["code"] == code, message
    return message


async def expect_close(ws, timeout: float = 10) -> int:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def still_usable(ws) -> None:
    await ws.send(json.dumps({"type": "ping", "id": "alive"}))
    message = await next_message(ws)
    assert message["type"] == "pong" and message["data"] == {"id": "alive"}, message


async def bystanders_get_the_next_event(node, club, bystanders, index: int) -> None:
    target = max(w.seq for w in bystanders) + 1
    await asyncio.to_thread(book, club, index)
    assert all(await asyncio.gather(*(w.wait_for(target, 10) for w in bystanders))), [w.seq for w in bystanders]


async def test_bad_frames_get_an_error_or_a_close_and_other_sockets_are_unaffected(node):
    club = await asyncio.to_thread(seed_club, node.http, courts=2, players=1)
    bystanders = [Watcher(node.ws, node.origin, club.club_id, club.day) for _ in range(BYSTANDERS)]
    await asyncio.gather(*(w.start() for w in bystanders))
    try:
        ws, _ = await open_socket(node, club)
        # Malformed text: an error each, the socket stays open.
        for frame, code in [("not json", "bad_json"), ("{", "bad_json"), ("", "bad_json"), ("[]", "bad_json"),
                            ("42", "bad_json"), ('"ping"', "bad_json"), ("[" * 1000 + "]" * 1000, "bad_json"),
                            ('{"type": 5}', "unknown_type"), ('{"type": "subscribe", "stream": "club:x"}',
                                                              "unknown_type"),
                            ('{"no_type": true}', "unknown_type"), ("\u00ff\u0000{}", "bad_json")]:
            await ws.send(frame)
            await expect_error(ws, code)
        await still_usable(ws)
        # Oversized under the transport limit: the consumer refuses it; still open.
        await ws.send(json.dumps({"type": "ping", "pad": "x" * 64_000}))
        await expect_error(ws, "frame_too_large")
        # Binary frames: refused with an error; still open.
        for frame in (b"\x00\x01\x02", b'{"type": "ping"}', b"\xff" * 5000):
            await ws.send(frame)
            await expect_error(ws, "binary_not_supported")
        await still_usable(ws)
        await bystanders_get_the_next_event(node, club, bystanders, 0)
        seq_after = bystanders[0].seq
        # The socket that stayed open got that event too, in order.
        while True:
            message = await next_message(ws)
            if message["type"] == "reservation.created":
                assert message["seq"] == seq_after
                break
        await ws.close()

        # Over daphne's 1 MiB message limit: the transport fails that socket with 1009. The close
        # frame may not reach the client: closing with the rest of the 2 MiB unread, the server's
        # kernel answers with a TCP reset. Either way the socket is closed, and only it.
        big, _ = await open_socket(node, club)
        try:
            await big.send("x" * (2 * 1024 * 1024))
        except ConnectionClosed:
            pass
        assert await expect_close(big) in (1009, None)

        # A ping flood: refusals, then a 4429 close within about a second.
        flood, _ = await open_socket(node, club)
        began = time.monotonic()

        async def flood_pings():
            try:
                for n in range(2000):
                    await flood.send(json.dumps({"type": "ping", "id": n}))
            except ConnectionClosed:
                pass

        sender = asyncio.create_task(flood_pings())
        kinds = []
        try:
            while True:
                kinds.append((await asyncio.wait_for(flood.recv(), 10))[:40])
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
        await sender
        assert code == 4429, (code, kinds[-3:])
        assert any('"error"' in k for k in kinds) and any('"pong"' in k for k in kinds)
        assert time.monotonic() - began < 10

        # The server is up and the bystanders never noticed: in order, no gap, no error.
        await bystanders_get_the_next_event(node, club, bystanders, 1)
        snapshot = await fresh_snapshot(node.ws, node.origin, club.club_id, club.day)
        for w in bystanders:
            assert not w.errors and w.reconnects == 0, (w.errors, w.reconnects)
            assert w.state == snapshot
        assert node.proc.poll() is None
    finally:
        await asyncio.gather(*(w.stop() for w in bystanders))


def subscriptions(redis_url: str) -> int:
    return len(redis.Redis.from_url(redis_url).pubsub_channels())


async def test_thousands_of_connect_disconnect_cycles_leave_memory_and_subscriptions_at_their_level(
        node, private_redis):
    club = await asyncio.to_thread(seed_club, node.http, courts=2, players=1)
    bystanders = [Watcher(node.ws, node.origin, club.club_id, club.day) for _ in range(BYSTANDERS)]
    await asyncio.gather(*(w.start() for w in bystanders))
    process = psutil.Process(node.proc.pid)
    head = bystanders[0].seq
    failures: list[str] = []

    async def cycle(n: int) -> None:
        try:
            # Mostly resuming at the head (hello only); every tenth takes a full snapshot.
            ws, _ = await open_socket(node, club, since=None if n % 10 == 0 else head)
            if n % 3 == 0:
                await ws.send('{"type": "ping"}')
                await next_message(ws)
            if n % 2:
                ws.transport.abort()  # vanishes without a close handshake (phone loses signal)
            else:
                await ws.close()
        except Exception as exc:  # noqa: BLE001 - counted, then asserted empty
            failures.append(f"{n}: {exc!r}")

    async def run(count: int, offset: int) -> float:
        began = time.monotonic()
        sem = asyncio.Semaphore(CYCLE_CONCURRENCY)

        async def one(n):
            async with sem:
                await cycle(n)

        await asyncio.gather(*(one(offset + n) for n in range(count)))
        return time.monotonic() - began

    async def settle() -> None:
        await asyncio.sleep(3)  # aborted sockets: the server notices the reset and disconnects them

    try:
        await run(WARM_UP_CYCLES, 0)  # warm-up: imports, thread pool, allocator arenas
        await settle()
        baseline_rss = process.memory_info().rss
        baseline_subs = subscriptions(private_redis.url)
        baseline_fds = process.num_fds()
        seconds = await run(CYCLES, WARM_UP_CYCLES)
        await settle()
        rss = process.memory_info().rss
        subs = subscriptions(private_redis.url)
        fds = process.num_fds()
        print(f"{CYCLES} cycles in {seconds:.1f} s ({CYCLES / seconds:.0f}/s); daphne RSS "
              f"{baseline_rss / 2**20:.1f} -> {rss / 2**20:.1f} MiB; Redis subscriptions {baseline_subs} -> {subs}; "
              f"open files {baseline_fds} -> {fds}")
        assert not failures, failures[:5]
        assert seconds < CYCLES_TIME_LIMIT
        assert node.proc.poll() is None, "the server stayed up"
        assert subs == baseline_subs, "every closed socket left its channel and groups"
        assert fds <= baseline_fds + 2, "every socket was closed on the server side"
        assert rss <= baseline_rss + RSS_MARGIN, f"RSS grew {(rss - baseline_rss) / 2**20:.1f} MiB"
        await bystanders_get_the_next_event(node, club, bystanders, 0)
        for w in bystanders:
            assert not w.errors and w.reconnects == 0
    finally:
        await asyncio.gather(*(w.stop() for w in bystanders))
