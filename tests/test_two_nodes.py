"""Two daphne nodes sharing PostgreSQL and Redis (issue 3, point 7).

A booking made through node A reaches sockets on node B. Node B then dies with SIGKILL while
bookings go on; its clients reconnect to node A with `since` and, after the replay, hold
exactly what a fresh snapshot shows, having applied every seq once, in order.
"""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.kit.daphne import DaphneServer, cluster_env, database_url
from bench.kit.liveclient import apply_event
from tests.support.factories import ClubFactory, CourtFactory, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

RECV_TIMEOUT = 10.0


def statuses(state: dict) -> dict:
    return {c["id"]: [(s["start"], s["status"]) for s in c["slots"]] for c in state["courts"]}


class StreamClient:
    """One subscriber: keeps the availability of `day` and the seqs it applied."""

    def __init__(self, club_id: str, day: str):
        self.club_id, self.day = club_id, day
        self.state: dict | None = None
        self.last: int | None = None
        self.applied: list[int] = []
        self.ws = None

    async def connect(self, node: DaphneServer, *, since: int | None = None) -> dict:
        url = f"{node.ws}/ws/clubs/{self.club_id}/?date={self.day}"
        if since is not None:
            url += f"&since={since}"
        self.ws = await connect(url, origin=node.origin, open_timeout=RECV_TIMEOUT)
        hello = await self.recv()
        assert hello["type"] == "hello", hello
        if since is None:
            snapshot = await self.recv()
            assert snapshot["type"] == "snapshot", snapshot
            self.state, self.last = snapshot["data"], snapshot["seq"]
            assert snapshot["data"]["date"] == self.day
        return hello

    async def recv(self) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), RECV_TIMEOUT))

    async def pump_to(self, seq: int) -> None:
        """Apply events until `seq`; any gap or repeat fails the test."""
        while self.last < seq:
            msg = await self.recv()
            if msg["type"] in ("pong", "hello", "snapshot", "error"):
                assert msg["type"] != "snapshot", f"unexpected snapshot at seq {msg['seq']} (wanted a replay)"
                continue
            assert msg["seq"] == self.last + 1, f"expected seq {self.last + 1}, got {msg['seq']} ({msg['type']})"
            self.state = apply_event(self.state, msg)
            self.last = msg["seq"]
            self.applied.append(msg["seq"])

    async def expect_closed(self) -> None:
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(self.ws.recv(), RECV_TIMEOUT)


@pytest.fixture
def cluster():
    env = cluster_env(database_url=database_url(connection.settings_dict))
    nodes = {"a": DaphneServer(env, name="a"), "b": DaphneServer(env, name="b")}
    try:
        for node in nodes.values():
            node.start()
        yield nodes
    finally:
        for name, node in nodes.items():
            print(f"--- daphne {name} log ---\n{node.close()}")  # pytest shows it when the test failed


def test_booking_on_node_a_reaches_node_b_and_b_clients_survive_its_death(cluster):
    node_a, node_b = cluster["a"], cluster["b"]
    club = ClubFactory(timezone="Europe/Madrid")
    courts = [CourtFactory(club=club, name="Pista 1"), CourtFactory(club=club, name="Pista 2")]
    player = UserFactory()
    token = str(RefreshToken.for_user(player).access_token)
    tz = ZoneInfo(club.timezone)
    day = datetime.now(tz).date() + timedelta(days=3)  # beyond the cancellation deadline
    at = lambda hour, minute=0: datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)  # noqa: E731
    headers = {"Authorization": f"Bearer {token}"}

    def book(node, court, hour, minutes=60):
        response = requests.post(
            f"{node.http}/api/v1/reservations/reservations/", headers=headers, timeout=10,
            json={"court": str(court.pk), "start": at(hour).isoformat(),
                  "end": (at(hour) + timedelta(minutes=minutes)).isoformat()})
        assert response.status_code == 201, response.text
        return response.json()["data"]

    def cancel(node, reservation_id):
        response = requests.post(f"{node.http}/api/v1/reservations/reservations/{reservation_id}/cancel/",
                                 headers=headers, timeout=10)
        assert response.status_code == 200, response.text

    def fresh_availability(node):
        response = requests.get(f"{node.http}/api/v1/reservations/availability/",
                                params={"club": str(club.pk), "date": day.isoformat()}, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    async def scenario():
        on_b = [StreamClient(str(club.pk), day.isoformat()) for _ in range(3)]
        for client in on_b:
            await client.connect(node_b)
        start_seq = on_b[0].last

        # 1. Node A commits, node B's sockets hear it (through the shared Redis layer).
        await asyncio.to_thread(book, node_a, courts[0], 10)
        for client in on_b:
            await client.pump_to(start_seq + 1)
        slot = next(s for s in on_b[0].state["courts"][0]["slots"] if s["start"] == at(10).isoformat())
        assert slot["status"] == "booked"

        # 2. A few more while both nodes live; B's clients stay in step.
        second = await asyncio.to_thread(book, node_a, courts[1], 18, 90)
        await asyncio.to_thread(book, node_a, courts[0], 12)
        for client in on_b:
            await client.pump_to(start_seq + 3)

        # 3. Node B dies without a goodbye. Its sockets drop.
        node_b.kill()
        for client in on_b:
            await client.expect_closed()

        # 4. The world moves on while they are away: 3 more club events.
        await asyncio.to_thread(book, node_a, courts[1], 9)
        await asyncio.to_thread(cancel, node_a, second["id"])
        await asyncio.to_thread(book, node_a, courts[1], 18, 60)  # partly where the cancelled one was
        missed_until = start_seq + 6

        # 5. They come back on node A from their last seq: the replay fills exactly the gap.
        for client in on_b:
            hello = await client.connect(node_a, since=client.last)
            assert hello["seq"] == missed_until
            await client.pump_to(missed_until)

        # 6. Live again on the surviving node.
        await asyncio.to_thread(book, node_a, courts[0], 20)
        for client in on_b:
            await client.pump_to(missed_until + 1)

        # 7. Same state as a fresh snapshot, every seq applied exactly once.
        fresh = StreamClient(str(club.pk), day.isoformat())
        await fresh.connect(node_a)
        assert fresh.last == missed_until + 1
        rest = await asyncio.to_thread(fresh_availability, node_a)
        assert rest["seq"] == fresh.last
        for client in on_b:
            assert client.applied == list(range(start_seq + 1, missed_until + 2))
            assert statuses(client.state) == statuses(fresh.state) == statuses(rest)
            await client.ws.close()
        await fresh.ws.close()
        booked = [s for s in statuses(fresh.state)[str(courts[1].pk)] if s[1] == "booked"]
        assert [s[0][11:16] for s in booked] == ["09:00", "09:30", "18:00", "18:30"]

    asyncio.run(scenario())
