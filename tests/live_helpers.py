"""Test helpers for the live layer (CONTRACT §3), shared by consumer, routing and node tests.

`apply_event` is the client's half of the protocol in Python: how a screen updates a club or
staff snapshot from one event without refetching. `LiveClient` is a WebsocketCommunicator
that keeps such a state and asserts the protocol's promises on every message (hello first,
seq +1 per event, no gap, no duplicate).
"""
from __future__ import annotations

import asyncio
import copy
import json
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from channels.testing import WebsocketCommunicator

ORIGIN = [(b"origin", b"http://localhost")]
CONTROL_TYPES = {"hello", "snapshot", "pong", "error"}
# Events that change the slots of one court over one interval.
INTERVAL_EVENTS = {"reservation.created", "reservation.updated", "reservation.cancelled",
                   "court.blocked", "court.unblocked"}
RESERVATION_FIELDS = ("id", "court", "start", "end", "status", "slot_status", "player", "price", "currency")


class NeedsResync(Exception):
    """The event changes more than its payload describes (club settings, a court appearing or
    being switched on/off): a client fetches a fresh snapshot."""


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _reservation_key(row: dict):
    return (_dt(row["start"]), row["court"], row["id"])


def apply_event(state: dict, event: dict, *, now: datetime | None = None) -> dict:
    """A club (or staff) snapshot with `event` applied; the input is not modified.

    Each interval event carries `court`, `start`, `end` and the resulting `slot_status`; every
    slot of that court overlapping the interval takes it, except `closed` slots (outside
    opening hours or inactive court: nothing changes them) and free slots already started,
    which read `past`, as in the availability answer. Staff snapshots also keep the day's
    reservations, upserted by id.
    """
    now = now or datetime.now(ZoneInfo("UTC"))
    state = copy.deepcopy(state)
    kind, data = event["type"], event["data"]
    if kind in INTERVAL_EVENTS:
        tz = ZoneInfo(state["timezone"])
        start, end = _dt(data["start"]), _dt(data["end"])
        court = next((c for c in state["courts"] if c["id"] == data["court"]), None)
        if court is None:
            raise NeedsResync(f"unknown court {data['court']}")
        for slot in court["slots"]:
            slot_start, slot_end = _dt(slot["start"]), _dt(slot["end"])
            if slot_start < end and start < slot_end and slot["status"] != "closed":
                status = data["slot_status"]
                slot["status"] = "past" if status == "free" and slot_start < now else status
        if "reservations" in state and data.get("kind") == "reservation":
            day_start = datetime.combine(datetime.fromisoformat(state["date"]).date(), datetime.min.time(),
                                         tzinfo=tz)
            if start < day_start + timedelta(days=1) and day_start < end:
                row = {k: data[k] for k in RESERVATION_FIELDS}
                row["start"], row["end"] = start.astimezone(tz).isoformat(), end.astimezone(tz).isoformat()
                rows = [r for r in state["reservations"] if r["id"] != row["id"]] + [row]
                state["reservations"] = sorted(rows, key=_reservation_key)
    elif kind == "court.updated":
        court = next((c for c in state["courts"] if c["id"] == data["court"]), None)
        if court is None or court["is_active"] != data["is_active"]:
            raise NeedsResync("court added or switched on/off")
        court["name"], court["indoor"] = data["name"], data["indoor"]
    elif kind == "club.updated":
        raise NeedsResync("club settings changed")
    state["seq"] = event["seq"]
    return state


def comparable(snapshot: dict) -> dict:
    """A snapshot with reservation rows in one canonical order, for equality checks."""
    snapshot = copy.deepcopy(snapshot)
    if "reservations" in snapshot:
        snapshot["reservations"] = sorted(snapshot["reservations"], key=_reservation_key)
    return snapshot


def ws_url(path: str, **query) -> str:
    query = {k: v for k, v in query.items() if v is not None}
    return f"{path}?{urlencode(query)}" if query else path


def communicator(path: str, application=None, **query) -> WebsocketCommunicator:
    if application is None:
        from project.asgi import application
    return WebsocketCommunicator(application, ws_url(path, **query), headers=ORIGIN)


async def close_code_of(path: str, **query) -> int | None:
    """Connect and return the close code the server answers with (None: it stayed open)."""
    comm = communicator(path, **query)
    connected, _ = await comm.connect()
    assert connected, "the handshake is accepted; refusals are close codes"
    try:
        message = await comm.receive_output(timeout=3)
        while message["type"] == "websocket.send":  # an allowed socket: hello etc.
            if await comm.receive_nothing(timeout=0.3):
                return None
            message = await comm.receive_output(timeout=1)
        assert message["type"] == "websocket.close", message
        return message.get("code")
    finally:
        await comm.disconnect()


def access_token(user, lifetime: timedelta | None = None) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(user)
    if lifetime is not None:
        token.set_exp(lifetime=lifetime)
    return str(token)


class ProtocolError(AssertionError):
    pass


class LiveClient:
    """A socket that keeps a client-side state like the browser client does.

    `seq` is the last seq applied; `state` the snapshot with every event applied; `events`
    every event received, in order. Any message that breaks the protocol raises.
    """

    def __init__(self, path: str, *, application=None, **query):
        self.path, self.application, self.query = path, application, query
        self.comm: WebsocketCommunicator | None = None
        self.state: dict | None = None
        self.seq = 0
        self.events: list[dict] = []
        self.messages: list[dict] = []
        self.hello: dict | None = None
        self.close_code: int | None = None

    @property
    def connected(self) -> bool:
        return self.comm is not None and self.close_code is None

    async def connect(self, since: int | None = None, **extra) -> dict:
        """Connect (resuming after `since` if given) and consume hello plus replay or snapshot."""
        assert self.comm is None, "disconnect first"
        self.comm = communicator(self.path, self.application, **{**self.query, **extra, "since": since})
        connected, _ = await self.comm.connect()
        assert connected
        self.close_code = None
        hello = await self.receive()
        if hello is None or hello["type"] != "hello":
            raise ProtocolError(f"first message must be hello, got {hello!r}")
        self.hello = hello
        if hello["data"]["mode"] == "snapshot":
            snapshot = await self.receive()
            if snapshot is None or snapshot["type"] != "snapshot" or snapshot["seq"] != hello["seq"]:
                raise ProtocolError(f"expected a snapshot at seq {hello['seq']}, got {snapshot!r}")
        else:
            if since is None:
                raise ProtocolError("replay without since")
            for _ in range(hello["data"]["replayed"]):
                await self.receive()
            if self.seq != hello["seq"]:
                raise ProtocolError(f"replay ended at {self.seq}, hello said {hello['seq']}")
        return hello

    async def receive(self, timeout: float = 3) -> dict | None:
        """Next message, handled; None if the server closed the socket."""
        output = await self.comm.receive_output(timeout)
        if output["type"] == "websocket.close":
            self.close_code = output.get("code")
            return None
        message = json.loads(output["text"])
        self.handle(message)
        return message

    def handle(self, message: dict) -> None:
        if set(message) != {"type", "stream", "seq", "ts", "data"}:
            raise ProtocolError(f"bad envelope {message!r}")
        self.messages.append(message)
        kind = message["type"]
        if kind == "snapshot":
            self.state, self.seq = message["data"], message["seq"]
        elif kind in CONTROL_TYPES:
            if kind != "hello" and message["seq"] != self.seq:
                raise ProtocolError(f"{kind} carries seq {message['seq']}, client is at {self.seq}")
        else:
            if message["seq"] != self.seq + 1:
                raise ProtocolError(f"event seq {message['seq']} after {self.seq}: gap or duplicate")
            self.seq = message["seq"]
            self.events.append(message)
            if self.state is not None and "courts" in self.state:
                self.state = apply_event(self.state, message)

    async def pump(self, quiet: float = 0.2) -> int:
        """Handle messages until none arrives for `quiet` seconds; returns how many."""
        count = 0
        while self.connected and not await self.comm.receive_nothing(timeout=quiet):
            await self.receive()
            count += 1
        return count

    async def wait_for_seq(self, seq: int, timeout: float = 5) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.seq < seq:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"client at seq {self.seq}, expected {seq}")
            if await self.receive(timeout=remaining) is None:
                raise AssertionError(f"closed with {self.close_code} at seq {self.seq}, expected {seq}")

    async def send(self, message) -> None:
        # Raw ASGI input: the communicator's send_to refuses empty frames, which clients can send.
        if isinstance(message, (bytes, bytearray)):
            frame = {"type": "websocket.receive", "bytes": bytes(message)}
        else:
            frame = {"type": "websocket.receive",
                     "text": message if isinstance(message, str) else json.dumps(message)}
        await self.comm.send_input(frame)

    async def request(self, message, reply_type: str, timeout: float = 3) -> dict:
        """Send and return the first reply of `reply_type` (events meanwhile are handled)."""
        await self.send(message)
        while True:
            reply = await self.receive(timeout)
            if reply is None:
                raise AssertionError(f"closed with {self.close_code} waiting for {reply_type}")
            if reply["type"] == reply_type:
                return reply

    async def ping(self) -> dict:
        return await self.request({"type": "ping"}, "pong")

    async def wait_closed(self, timeout: float = 3) -> int | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.close_code is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError("still open")
            await self.receive(timeout=remaining)
        return self.close_code

    async def disconnect(self) -> None:
        if self.comm is not None:
            await self.comm.disconnect()
            self.comm = None
