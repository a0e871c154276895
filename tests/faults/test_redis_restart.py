"""Redis dies (SIGKILL, nothing persisted) and comes back while bookings and cancellations go on.

Redis carries the channel layer and the cache. While it is gone the API keeps booking (the
database holds every booking; the cache answers like an empty one), events are still written
to the log but their fan-out is lost. After Redis returns, every socket catches up from the
log, applies every seq exactly once in order, ends equal to a fresh snapshot, and live
fan-out works again.
"""
from __future__ import annotations

import asyncio
import time

import pytest
import requests

from bench.kit.liveclient import fresh_snapshot
from tests.support.remote import Watcher, call, seed_club

pytestmark = [pytest.mark.slow]

WATCHERS = 8
CATCH_UP_SECONDS = 45  # the socket's own periodic check (30 s, jittered) is the last resort


class Operations:
    """Bookings and cancellations through the public API, one at a time, answers recorded."""

    def __init__(self, club):
        self.club = club
        self.session = requests.Session()
        self.next_slot = 0
        self.booked: list[tuple[str, str]] = []  # (reservation id, player token)
        self.answers: list[tuple[str, int, float]] = []  # (phase, status, seconds)

    def book(self, phase: str) -> int:
        court, start, end = self.club.slot(self.next_slot)
        self.next_slot += 1
        player = self.club.players[self.next_slot % len(self.club.players)]
        began = time.monotonic()
        response = self.session.post(f"{self.club.base}/api/v1/reservations/reservations/",
                                     json={"court": court, "start": start, "end": end},
                                     headers={"Authorization": f"Bearer {player['access']}"}, timeout=30)
        self.answers.append((phase, response.status_code, time.monotonic() - began))
        if response.status_code == 201:
            self.booked.append((response.json()["data"]["id"], player["access"]))
        return response.status_code

    def cancel_oldest(self, phase: str) -> int:
        reservation_id, token = self.booked.pop(0)
        began = time.monotonic()
        response = self.session.post(
            f"{self.club.base}/api/v1/reservations/reservations/{reservation_id}/cancel/",
            headers={"Authorization": f"Bearer {token}"}, timeout=30)
        self.answers.append((phase, response.status_code, time.monotonic() - began))
        return response.status_code

    def run(self, phase: str, bookings: int, cancels: int = 0) -> None:
        for n in range(bookings):
            self.book(phase)
            if n < cancels and self.booked:
                self.cancel_oldest(phase)
            time.sleep(0.05)


async def test_sockets_catch_up_from_the_log_after_redis_restarts(node, private_redis):
    club = await asyncio.to_thread(seed_club, node.http, courts=2, players=2)
    watchers = [Watcher(node.ws, node.origin, club.club_id, club.day) for _ in range(WATCHERS)]
    await asyncio.gather(*(w.start() for w in watchers))
    start_seq = watchers[0].seq
    ops = Operations(club)
    try:
        await asyncio.to_thread(ops.run, "before", 5, 1)
        before = start_seq + 6
        assert all([await w.wait_for(before, 10) for w in watchers]), "live fan-out works before the fault"

        private_redis.crash()
        await asyncio.to_thread(ops.run, "redis down", 6, 2)
        private_redis.start()
        await asyncio.to_thread(ops.run, "after", 4, 1)

        # The API never failed: the database held every booking while Redis was gone.
        statuses = [(phase, status) for phase, status, _ in ops.answers]
        assert all(status in (200, 201) for _, status in statuses), statuses

        final = (await fresh_snapshot(node.ws, node.origin, club.club_id, club.day))["seq"]
        assert final == start_seq + 6 + 8 + 5, "every committed change has exactly one seq"
        began = time.monotonic()
        caught_up = await asyncio.gather(*(w.wait_for(final, CATCH_UP_SECONDS) for w in watchers))
        assert all(caught_up), [w.seq for w in watchers]
        catch_up = time.monotonic() - began

        # Live fan-out is back (the layer re-subscribed): one more booking reaches everyone fast.
        status = await asyncio.to_thread(ops.book, "live again")
        assert status == 201
        assert all([await w.wait_for(final + 1, 10) for w in watchers]), [w.seq for w in watchers]

        snapshot = await fresh_snapshot(node.ws, node.origin, club.club_id, club.day)
        assert snapshot["seq"] == final + 1
        for w in watchers:
            assert not w.errors, w.errors
            assert w.applied == list(range(start_seq + 1, final + 2)), "each seq applied once, in order"
            assert w.state == snapshot, "the client's state equals a fresh snapshot"
        outage = [seconds for phase, _, seconds in ops.answers if phase == "redis down"]
        print(f"caught up {catch_up:.1f} s after the last change; answers during the outage: "
              f"max {max(outage):.2f} s; reconnects: "
              f"{sum(w.reconnects for w in watchers)}; snapshots after start: "
              f"{sum(w.snapshots for w in watchers) - WATCHERS}")
        # The reservations the API confirmed are in the database and in the availability.
        availability = call(ops.session, "GET", f"{node.http}/api/v1/reservations/availability/"
                            f"?club={club.club_id}&date={club.day}")["data"]
        assert availability["courts"] == snapshot["courts"]
    finally:
        await asyncio.gather(*(w.stop() for w in watchers))
