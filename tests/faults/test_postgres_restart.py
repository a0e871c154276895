"""PostgreSQL dies (SIGKILL to the postmaster and every backend) while players book, then
comes back.

While it is gone every booking gets a clear 503 envelope (`service_unavailable`, with
Retry-After), never a 500 or a hang. No booking is half-written: each reservation has its
allocation row and exactly one `reservation.created` event per stream, seqs have no hole, no
event names a reservation that does not exist, nothing overlaps, and every 201 is in the
database. The server recovers by itself (a connection per request, CONN_MAX_AGE=0): bookings
succeed again without restarting daphne, and the sockets that stayed open end equal to a
fresh snapshot.
"""
from __future__ import annotations

import asyncio
import random
import threading
import time

import pytest
import requests

from bench.kit.audit import audit, problems
from bench.kit.liveclient import fresh_snapshot
from tests.support.remote import Watcher, seed_club

pytestmark = [pytest.mark.slow]

BOOKERS = 4
DOWN_SECONDS = 3.0
RECOVERY_DEADLINE = 30.0


class Bookers:
    """Threads booking random one-hour slots (many collide: 409s) until stopped."""

    def __init__(self, club, slots: int):
        self.club, self.slots = club, slots
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.answers: list[dict] = []
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(BOOKERS)]

    def _run(self, n: int) -> None:
        session = requests.Session()
        rng = random.Random(n)
        token = self.club.players[n % len(self.club.players)]["access"]
        while not self.stop.is_set():
            court, start, end = self.club.slot(rng.randrange(self.slots))
            began = time.monotonic()
            answer = {"at": began, "thread": n}
            try:
                response = session.post(f"{self.club.base}/api/v1/reservations/reservations/",
                                        json={"court": court, "start": start, "end": end},
                                        headers={"Authorization": f"Bearer {token}"}, timeout=30)
                answer.update(status=response.status_code, seconds=time.monotonic() - began,
                              retry_after=response.headers.get("Retry-After"))
                try:
                    answer["body"] = response.json()
                except ValueError:
                    answer["body"] = response.text[:300]
            except requests.RequestException as exc:  # a hang or a dropped connection is a failure too
                answer.update(status=None, error=repr(exc), seconds=time.monotonic() - began)
            with self.lock:
                self.answers.append(answer)
            time.sleep(0.02)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=40)

    def since(self, moment: float) -> list[dict]:
        with self.lock:
            return [a for a in self.answers if a["at"] >= moment]


def envelope_code(answer: dict):
    body = answer.get("body")
    return body.get("error", {}).get("code") if isinstance(body, dict) and body.get("error") else None


async def test_bookings_get_503_during_a_postgres_crash_and_recover_without_half_writes(
        node, private_pg, private_db):
    club = await asyncio.to_thread(seed_club, node.http, courts=3, players=4)
    watchers = [Watcher(node.ws, node.origin, club.club_id, club.day) for _ in range(3)]
    await asyncio.gather(*(w.start() for w in watchers))
    start_seq = watchers[0].seq
    slots = 3 * 14
    try:
        with Bookers(club, slots) as bookers:
            await asyncio.sleep(2.0)
            private_pg.crash()
            crashed_at = time.monotonic()
            await asyncio.sleep(DOWN_SECONDS)
            restarted_at = time.monotonic()
            await asyncio.to_thread(private_pg.start)
            started_at = time.monotonic()
            recovered_at = None
            while time.monotonic() - started_at < RECOVERY_DEADLINE:
                ok = [a for a in bookers.since(started_at) if a["status"] in (201, 409)]
                if ok:
                    recovered_at = min(a["at"] + a["seconds"] for a in ok)
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(2.0)  # a little more traffic on the recovered server
        answers = bookers.answers

        # Every answer is a booking, a clean conflict, or a clear 503; nothing else, no hang.
        bad = [a for a in answers if not (
            (a["status"] == 201)
            or (a["status"] == 409 and envelope_code(a) == "slot_unavailable")
            or (a["status"] == 503 and envelope_code(a) == "service_unavailable" and a["retry_after"]))]
        assert not bad, bad[:5]
        during = [a for a in answers if crashed_at <= a["at"] < restarted_at]
        unavailable = [a for a in answers if a["status"] == 503]
        assert unavailable, "the outage was felt"
        assert during and all(a["status"] == 503 for a in during), "while the database is down: 503"
        assert max(a["seconds"] for a in answers) < 15, "no request hangs"

        # Recovered by itself, without restarting daphne.
        assert recovered_at is not None, f"no booking succeeded within {RECOVERY_DEADLINE} s of the restart"
        health = await asyncio.to_thread(requests.get, f"{node.http}/health/", timeout=10)
        assert health.status_code == 200, health.text
        assert node.proc.poll() is None

        # Nothing half-written, nothing double-booked, every 201 is really there.
        report = await asyncio.to_thread(audit, private_db, club.club_id)
        assert not problems(report), problems(report)
        created = {a["body"]["data"]["id"] for a in answers if a["status"] == 201}
        assert created <= report["reservation_ids"]
        assert report["blocking"] == report["reservations"] <= slots

        # Sockets that lived through it end equal to a fresh snapshot.
        snapshot = await fresh_snapshot(node.ws, node.origin, club.club_id, club.day)
        assert snapshot["seq"] == start_seq + report["reservations"]
        caught_up = await asyncio.gather(*(w.wait_for(snapshot["seq"], 45) for w in watchers))
        assert all(caught_up), [w.seq for w in watchers]
        for w in watchers:
            assert not w.errors, w.errors
            assert w.state == snapshot
        statuses = [a["status"] for a in answers]
        print(f"answers: {len(answers)} ({statuses.count(201)} x 201, {statuses.count(409)} x 409, "
              f"{statuses.count(503)} x 503); first success {recovered_at - started_at:.2f} s after "
              f"PostgreSQL answered again; slowest answer {max(a['seconds'] for a in answers):.2f} s")
    finally:
        await asyncio.gather(*(w.stop() for w in watchers))
        if not private_pg.ready():  # leave the shared private server up for the next test
            private_pg.crash()
            private_pg.start()
