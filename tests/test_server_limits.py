"""Units of the fixes the load and fault proofs led to (issue 6): the HTTP concurrency limit,
the cache that survives a Redis outage, one check shared by the sockets of a stream."""
from __future__ import annotations

import asyncio
import time

from apps.core.cache import ResilientRedisCache
from bench.kit.services import free_port
from consumers import base
from project.concurrency import ConcurrencyLimit
from routing.permissions import Principal, StreamTarget


async def test_at_most_limit_requests_run_at_once_and_every_one_is_served():
    inside, peak, served = 0, 0, []

    async def app(scope, receive, send):
        nonlocal inside, peak
        inside += 1
        peak = max(peak, inside)
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await asyncio.sleep(0.01)
        served.append(body)
        inside -= 1

    limited = ConcurrencyLimit(app, 3)

    async def request(n):
        chunks = [{"type": "http.request", "body": f"{n}-a".encode(), "more_body": True},
                  {"type": "http.request", "body": b"-b", "more_body": False}]

        async def receive():
            return chunks.pop(0) if chunks else {"type": "http.disconnect"}

        await limited({"type": "http"}, receive, None)

    await asyncio.gather(*(request(n) for n in range(40)))
    assert peak == 3
    assert sorted(served) == sorted(f"{n}-a-b".encode() for n in range(40)), "bodies replayed whole"


async def test_websockets_are_not_counted():
    inside, peak = 0, 0

    async def app(scope, receive, send):
        nonlocal inside, peak
        inside += 1
        peak = max(peak, inside)
        await asyncio.sleep(0.05)
        inside -= 1

    limited = ConcurrencyLimit(app, 1)
    await asyncio.wait_for(asyncio.gather(*(limited({"type": "websocket"}, None, None) for _ in range(5))), 1)
    assert peak == 5, "a socket lives for hours: the limit of 1 must not make the others wait"


def test_the_cache_answers_like_an_empty_one_while_redis_is_unreachable(caplog):
    cache = ResilientRedisCache(f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": {"socket_connect_timeout": 0.5}})
    began = time.monotonic()
    assert cache.get("k", "default") == "default"
    cache.set("k", 1)
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.delete("k") is False
    assert time.monotonic() - began < 5
    assert "cache unreachable" in caplog.text


def test_the_cache_shares_one_client_per_location():
    a = ResilientRedisCache("redis://127.0.0.1:1/0", {})
    b = ResilientRedisCache("redis://127.0.0.1:1/0", {})
    c = ResilientRedisCache("redis://127.0.0.1:2/0", {})
    assert a._cache is b._cache and a._cache is not c._cache


async def test_sockets_of_one_stream_share_a_check_for_a_moment(monkeypatch, settings):
    settings.LIVE_CHECK_INTERVAL_SECONDS = 30.0
    calls = []

    def fake_check(target, principal):
        calls.append(target.stream)
        time.sleep(0.05)
        return None, 7

    monkeypatch.setattr(base, "periodic_check", fake_check)
    target = StreamTarget(kind="club", id="x", stream="club:x")
    other = StreamTarget(kind="club", id="y", stream="club:y")
    results = await asyncio.gather(*(base.shared_periodic_check(target, Principal()) for _ in range(50)),
                                   base.shared_periodic_check(other, Principal()))
    assert results == [(None, 7)] * 51
    assert sorted(calls) == ["club:x", "club:y"], "one database round per stream, not per socket"
    await asyncio.sleep(base.CHECK_SHARE_SECONDS + 0.05)
    await base.shared_periodic_check(target, Principal())
    assert calls.count("club:x") == 2, "a shared result is only good for a moment"
