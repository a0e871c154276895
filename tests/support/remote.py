"""A live server seen from outside, for tests whose server runs on a private database the test
process's ORM does not reach (fault tests, fuzzing, abuse):

- `seed_club` and `call`: seeding it through its public API (CONTRACT §2);
- `Watcher`: a club-stream client over a real socket that keeps a snapshot up to date from
  events (the client half of CONTRACT §3, bench.kit.liveclient.apply_event) and reconnects
  with `since` whenever its socket drops, like the browser client does.
"""
from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from bench.kit.liveclient import CONTROL_TYPES, apply_event

PASSWORD = "Fault-Test-Pass-2026!"
TIMEZONE = "Europe/Madrid"


class ApiError(AssertionError):
    pass


def call(session: requests.Session, method: str, url: str, *, token: str | None = None, expect=(200, 201),
         **kwargs) -> dict:
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = session.request(method, url, headers=headers, timeout=30, **kwargs)
    if response.status_code not in expect:
        raise ApiError(f"{method} {url} -> {response.status_code}: {response.text[:500]}")
    return response.json()


def register_and_login(session: requests.Session, base: str, name: str = "player") -> dict:
    email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
    call(session, "POST", f"{base}/api/v1/auth/register/",
         json={"email": email, "password": PASSWORD, "first_name": name.title(), "last_name": "Test"})
    data = call(session, "POST", f"{base}/api/v1/auth/login/", json={"email": email, "password": PASSWORD})["data"]
    return {"email": email, "access": data["access"], "refresh": data["refresh"], "id": data["user"]["id"]}


@dataclass
class SeededClub:
    base: str
    club_id: str
    courts: list[str]
    day: str  # the booking day (local), two days ahead so no slot turns `past` mid-test
    owner: dict
    players: list[dict] = field(default_factory=list)

    def slot(self, index: int, *, hours: int = 1) -> tuple[str, str, str]:
        """(court, start, end) of the index-th distinct one-hour booking of the day (08:00-22:00)."""
        per_court = 14 // hours
        court = self.courts[(index // per_court) % len(self.courts)]
        day = datetime.fromisoformat(self.day)
        start = datetime(day.year, day.month, day.day, 8 + (index % per_court) * hours, tzinfo=ZoneInfo(TIMEZONE))
        return court, start.isoformat(), (start + timedelta(hours=hours)).isoformat()


def seed_club(base: str, *, courts: int = 2, players: int = 1, session: requests.Session | None = None) -> SeededClub:
    """An owner with an organization and a public club open 08:00-22:00 every day, `courts`
    courts, and `players` signed-in players."""
    session = session or requests.Session()
    owner = register_and_login(session, base, "owner")
    org = call(session, "POST", f"{base}/api/v1/root/organizations/", token=owner["access"],
               json={"name": f"Fault Org {uuid.uuid4().hex[:6]}"})["data"]
    club = call(session, "POST", f"{base}/api/v1/clubs/clubs/", token=owner["access"], json={
        "organization": org["id"], "name": f"Fault Club {uuid.uuid4().hex[:6]}", "timezone": TIMEZONE,
        "currency": "EUR", "is_public": True, "slot_minutes": 30, "min_duration_minutes": 60,
        "max_duration_minutes": 120, "booking_horizon_days": 14, "cancellation_deadline_hours": 1,
        "default_price_per_hour": "20.00",
        "opening_hours": [{"weekday": d, "opens": "08:00", "closes": "22:00"} for d in range(7)],
    })["data"]
    court_ids = [call(session, "POST", f"{base}/api/v1/clubs/courts/", token=owner["access"],
                      json={"club": club["id"], "name": f"Court {n + 1}"})["data"]["id"] for n in range(courts)]
    day = (datetime.now(ZoneInfo(TIMEZONE)).date() + timedelta(days=2)).isoformat()
    seeded = SeededClub(base=base, club_id=club["id"], courts=court_ids, day=day, owner=owner)
    seeded.players = [register_and_login(session, base, f"player{n}") for n in range(players)]
    return seeded


class Watcher:
    def __init__(self, ws_base: str, origin: str, club_id: str, day: str):
        self.ws_base, self.origin, self.club_id, self.day = ws_base, origin, club_id, day
        self.state: dict | None = None
        self.seq = 0
        self.applied: list[int] = []
        self.reconnects = 0
        self.snapshots = 0
        self.ws = None
        self.task: asyncio.Task | None = None
        self.errors: list[str] = []

    def url(self, since: int | None) -> str:
        url = f"{self.ws_base}/ws/clubs/{self.club_id}/?date={self.day}"
        return url if since is None else f"{url}&since={since}"

    async def _connect(self, since: int | None) -> None:
        self.ws = await connect(self.url(since), origin=self.origin, open_timeout=10, ping_interval=None)
        hello = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        if hello.get("type") != "hello":
            raise ConnectionError(f"expected hello, got {hello}")  # e.g. a 1011 close while Redis is down

    async def start(self) -> None:
        await self._connect(None)
        snapshot = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert snapshot["type"] == "snapshot", snapshot
        self.state, self.seq = snapshot["data"], snapshot["seq"]
        self.snapshots += 1
        self.task = asyncio.create_task(self._run())

    def handle(self, msg: dict) -> None:
        kind = msg["type"]
        if kind == "snapshot":  # only when `since` is no longer replayable: start over from it
            self.state, self.seq = msg["data"], msg["seq"]
            self.snapshots += 1
        elif kind in CONTROL_TYPES:
            return
        elif msg["seq"] <= self.seq:
            self.errors.append(f"duplicate seq {msg['seq']} at {self.seq}")
        elif msg["seq"] != self.seq + 1:
            self.errors.append(f"gap: seq {msg['seq']} after {self.seq}")
            self.seq = msg["seq"]
        else:
            self.state = apply_event(self.state, msg)
            self.seq = msg["seq"]
            self.applied.append(msg["seq"])

    async def _run(self) -> None:
        while True:
            try:
                async for raw in self.ws:
                    self.handle(json.loads(raw))
            except ConnectionClosed:
                pass
            # Dropped (server closed it, e.g. 1011 when it could not subscribe): resume after seq.
            while True:
                await asyncio.sleep(0.3)
                try:
                    self.reconnects += 1
                    await self._connect(self.seq)
                    break
                except (OSError, TimeoutError, ConnectionError, ConnectionClosed, InvalidHandshake, InvalidStatus):
                    continue

    async def wait_for(self, seq: int, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.seq < seq and loop.time() < deadline:
            await asyncio.sleep(0.05)
        return self.seq >= seq

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            try:
                await self.task
            except (asyncio.CancelledError, Exception):
                pass
        if self.ws is not None:
            await self.ws.close()
