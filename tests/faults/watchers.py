"""A club-stream client over a real socket: keeps a snapshot up to date from events (the
client half of CONTRACT §3, tests.live_helpers.apply_event) and reconnects with `since`
whenever its socket drops, like the browser client does."""
from __future__ import annotations

import asyncio
import json

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from tests.live_helpers import apply_event

CONTROL = {"hello", "snapshot", "pong", "error"}


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
        elif kind in CONTROL:
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


async def fresh_snapshot(ws_base: str, origin: str, club_id: str, day: str) -> dict:
    """What a client connecting now gets: hello then the snapshot (with its seq)."""
    async with connect(f"{ws_base}/ws/clubs/{club_id}/?date={day}", origin=origin, open_timeout=10) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert hello["type"] == "hello", hello
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert snapshot["type"] == "snapshot", snapshot
        return snapshot["data"]
