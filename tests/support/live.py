"""Test helpers for the live layer (CONTRACT §3), shared by consumer, routing, domain and node tests.

- `LiveClient`: a WebsocketCommunicator that keeps a client-side state (the snapshot with every
  event applied, bench.kit.liveclient.apply_event) and asserts the protocol's promises on every
  message (hello first, seq +1 per event, no gap, no duplicate).
- `stream_events`: the events a stream's log holds; `verify_events`: around an action, the events
  it publishes applied to the snapshot read before equal a snapshot read after.
- `World`, `make_world`, `book`: a club with two courts and people around it.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from apps.reservations.services import reservation_create
from bench.kit.liveclient import CONTROL_TYPES, apply_event, comparable
from project.asgi import application as asgi_application
from routing.eventlog import events_between
from routing.models import StreamEvent
from routing.permissions import resolve_target
from routing.snapshots import read_snapshot
from routing.streams import club_stream, parse_stream, staff_stream
from tests.support.factories import ClubFactory, CourtFactory, UserFactory, staff_of

ORIGIN = [(b"origin", b"http://localhost")]


# --- the event log and snapshots -------------------------------------------------------------------

def stream_events(stream: str, type_: str | None = None, *, since: int = 0) -> list[StreamEvent]:
    """The logged events of `stream` after seq `since`, in seq order (only `type_` ones if given)."""
    qs = StreamEvent.objects.filter(stream=stream, seq__gt=since).order_by("seq")
    if type_:
        qs = qs.filter(type=type_)
    return list(qs)


def club_events(club_id, type_: str | None = None) -> list[StreamEvent]:
    return stream_events(club_stream(club_id), type_)


def staff_events(club_id, type_: str | None = None) -> list[StreamEvent]:
    return stream_events(staff_stream(club_id), type_)


@dataclass
class VerifiedEvents:
    """What `verify_events` saw: the snapshots before and after, and the events in between."""

    before: dict
    after: dict | None = None
    events: list[dict] = field(default_factory=list)

    @property
    def types(self) -> list[str]:
        return [e["type"] for e in self.events]


@contextlib.contextmanager
def verify_events(stream: str, params: dict | None = None, *, apply=apply_event, normalise=comparable):
    """Zulip's verify_action for a stream: the snapshot (and its seq) is read before the block;
    after it, the events the block published are applied to that snapshot with `apply` (a
    client's reducer: club and staff snapshots by default, pass the tournament one for
    tournament streams) and the result must equal a fresh snapshot. Yields a VerifiedEvents,
    filled when the block ends, so the test can look at the events too."""
    params = params or {}
    target = resolve_target(*parse_stream(stream))
    assert target is not None, f"no such stream {stream}"
    seq, before = read_snapshot(target, params)
    seen = VerifiedEvents(before=before)
    yield seen
    current, after = read_snapshot(target, params)
    events = events_between(stream, seq, current)
    assert events is not None, f"events {seq + 1}..{current} of {stream} are no longer logged"
    state = before
    for event in events:
        state = apply(state, event)
    seen.after, seen.events = after, events
    assert normalise(state) == normalise(after), "the events applied to the old snapshot differ from a fresh one"


# --- sockets -------------------------------------------------------------------------------------------

def ws_url(path: str, **query) -> str:
    query = {k: v for k, v in query.items() if v is not None}
    return f"{path}?{urlencode(query)}" if query else path


def communicator(path: str, application=None, **query) -> WebsocketCommunicator:
    return WebsocketCommunicator(application or asgi_application, ws_url(path, **query), headers=ORIGIN)


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


# --- a club with two courts and people around it -------------------------------------------------------

@dataclass
class World:
    club: object
    courts: list
    player: object
    staff: object
    day: object  # a future local day (today + 2)

    def at(self, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(self.day, datetime.min.time(), tzinfo=ZoneInfo(self.club.timezone)).replace(
            hour=hour, minute=minute)

    @property
    def club_path(self) -> str:
        return f"/ws/clubs/{self.club.pk}/"

    @property
    def staff_path(self) -> str:
        return f"/ws/clubs/{self.club.pk}/staff/"


def make_world(*, is_public: bool = True, courts: int = 2) -> World:
    club = ClubFactory(is_public=is_public)
    court_list = [CourtFactory(club=club, name=f"Court {i + 1}") for i in range(courts)]
    day = datetime.now(ZoneInfo(club.timezone)).date() + timedelta(days=2)
    return World(club=club, courts=court_list, player=UserFactory(), staff=staff_of(club), day=day)


def book(world: World, court_index: int = 0, hour: int = 10, minutes: int = 60, user=None):
    start = world.at(hour)
    return reservation_create(court=world.courts[court_index], user=user or world.player, start=start,
                              end=start + timedelta(minutes=minutes))


abook = sync_to_async(book)
