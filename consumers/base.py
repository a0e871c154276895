"""One WebSocket consumer for every live stream (CONTRACT §3).

Lifecycle of a socket:
  1. accept, then check the path and credentials (routing.permissions); refused sockets are
     closed with 4404 / 4401 / 4403.
  2. join the stream's group (and the token's or display key's group, for revocation) BEFORE
     reading anything, so no event committed from now on can be missed.
  3. read, in one database snapshot, either the events after `since` or a snapshot, with the
     seq they cover; send `hello`, then that.
  4. pass live events through in seq order: drop what was already sent (covered by the read,
     or a duplicate), and fill any hole from the log before sending what follows it.

Step 2's "buffer" is the socket's own channel inbox: Channels hands a consumer one message at
a time, so the live events that arrive while step 3 runs wait in the layer until `connect`
returns, and rule 4 then drops those the read already covered.

The channel layer delivers at most once, so rule 4's hole filling is what makes delivery
gap-free; a socket also compares its seq with the database on a (jittered) timer and on
ping, so even a dropped *last* event is delivered.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, close_old_connections, connections

from consumers.ratelimit import MessageRateLimiter
from routing.conf import live_setting
from routing.eventlog import events_after, events_between
from routing.permissions import (
    CLOSE_NOT_AUTHENTICATED,
    CLOSE_RATE_LIMITED,
    Decision,
    Principal,
    StreamTarget,
    check_subscription,
    credentials_valid,
    recheck,
)
from routing.publisher import current_seq, format_ts
from routing.snapshots import read_snapshot
from routing.streams import display_key_group, group_name, token_group

logger = logging.getLogger("padelyzer.live")

# Error codes of `{"type": "error", "data": {"code": ...}}` (the socket stays open).
BAD_JSON = "bad_json"
UNKNOWN_TYPE = "unknown_type"
BINARY_NOT_SUPPORTED = "binary_not_supported"
FRAME_TOO_LARGE = "frame_too_large"
RATE_LIMITED = "rate_limited"

# Layer message that closes every socket of a revoked credential (routing.signals sends it).
CREDENTIAL_REVOKED = "credential.revoked"


def db(func):
    """Database work off the event loop, in the thread pool rather than the single
    thread-sensitive thread, so a reconnect storm's reads run in parallel.

    Stale connections are closed inside the call, not around it as channels'
    database_sync_to_async does: asgiref >= 3.10 runs the function in a copied context, and
    Django's connections live in that context, so closing them outside it finds nothing and
    leaks one connection per worker thread.

    The pool's threads are few and long-lived, so each keeps its connection for
    LIVE_DB_CONN_MAX_AGE seconds instead of CONN_MAX_AGE=0's connect per call: with 10,000
    sockets, each re-checking every 30 s, connecting per check was most of an idle server's
    CPU (bench/capacity.py). A connection that errored is closed (and replaced) as usual; one
    the server dropped while kept is retried once (tests/faults/test_postgres_restart.py)."""
    def run(*args, **kwargs):
        close_old_connections()
        reused = connections[DEFAULT_DB_ALIAS].connection is not None
        try:
            try:
                return func(*args, **kwargs)
            except (OperationalError, InterfaceError):
                if not reused:
                    raise
                # A kept connection the server dropped (a PostgreSQL restart): these calls only
                # read, so once more on a fresh connection.
                connections[DEFAULT_DB_ALIAS].close()
                return func(*args, **kwargs)
        finally:
            _keep_connection()
            close_old_connections()

    return sync_to_async(run, thread_sensitive=False)


def _keep_connection() -> None:
    conn = connections[DEFAULT_DB_ALIAS]
    keep = live_setting("LIVE_DB_CONN_MAX_AGE")
    if not keep or conn.connection is None or conn.settings_dict.get("CONN_MAX_AGE") is None:
        return
    if getattr(conn, "_live_kept", None) is not conn.connection:  # a new connection: give it its age
        conn._live_kept = conn.connection
        conn.close_at = time.monotonic() + max(conn.settings_dict["CONN_MAX_AGE"], keep)


_LAYER_SLOTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def layer_slots() -> asyncio.Semaphore:
    """Bounds this process's concurrent group_add/group_discard calls. RedisChannelLayer takes a
    pooled connection per call and redis-py (>= 6) fails with MaxConnectionsError beyond the
    pool's 100 instead of waiting, so a reconnect storm of a few hundred sockets would crash
    them; queueing here costs a few milliseconds instead."""
    loop = asyncio.get_running_loop()
    slots = _LAYER_SLOTS.get(loop)
    if slots is None:
        slots = _LAYER_SLOTS[loop] = asyncio.Semaphore(live_setting("LIVE_LAYER_CONCURRENCY"))
    return slots


def _now_ts() -> str:
    return format_ts(datetime.now(UTC))


def _parse_since(raw: str | None) -> int | None:
    """A non-negative integer, else None: a missing or unreadable `since` gets a snapshot."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


@dataclass
class Initial:
    """What a socket sends after `hello`: the events after `since`, or a snapshot."""

    seq: int = 0
    mode: str = "snapshot"
    events: list = field(default_factory=list)
    snapshot: dict | None = None
    close_code: int | None = None


def initial_read(target: StreamTarget, principal: Principal, since: int | None, params: dict) -> Initial:
    # The credential may have been revoked between the check and the group join (whose
    # revocation message this socket would then have missed): look once more.
    if not credentials_valid(principal):
        return Initial(close_code=CLOSE_NOT_AUTHENTICATED)
    if since is not None:
        current, events = events_after(target.stream, since)
        if events is not None:
            return Initial(seq=current, mode="replay", events=events)
    seq, data = read_snapshot(target, params)
    return Initial(seq=seq, mode="snapshot", snapshot=data)


def periodic_check(target: StreamTarget, principal: Principal) -> tuple[int | None, int]:
    return recheck(target, principal), current_seq(target.stream)


# Sockets of one stream with the same credentials get the same check result; one that is under
# a second old answers for all of them (checks happen every 30 s, so this changes nothing a
# client can see). With 10,000 screens on one club, the check costs one database round per
# second instead of ~330 (bench/capacity.py).
CHECK_SHARE_SECONDS = 1.0
_shared_checks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # loop -> {key: (at, future)}


def _principal_key(principal: Principal) -> tuple:
    if principal.display_key is not None:
        return ("key", str(principal.display_key.pk))
    if principal.token is not None:
        return ("token", str(principal.user.pk), principal.jti)
    return ("anonymous",)


async def shared_periodic_check(target: StreamTarget, principal: Principal) -> tuple[int | None, int]:
    # Never share longer than a quarter of the check interval (tests shorten it).
    window = min(CHECK_SHARE_SECONDS, live_setting("LIVE_CHECK_INTERVAL_SECONDS") / 4)
    checks = _shared_checks.setdefault(asyncio.get_running_loop(), {})
    key = (target.stream, _principal_key(principal))
    now = time.monotonic()
    entry = checks.get(key)
    if (entry is None or now - entry[0] >= window
            or (entry[1].done() and (entry[1].cancelled() or entry[1].exception() is not None))):
        if len(checks) > 10_000:  # drop stale entries now and then
            for stale in [k for k, (at, _) in checks.items() if now - at >= window]:
                del checks[stale]
        entry = checks[key] = (now, asyncio.ensure_future(db(periodic_check)(target, principal)))
    return await asyncio.shield(entry[1])


class StreamConsumer(AsyncWebsocketConsumer):
    """`/ws/clubs/{id}/`, `/ws/clubs/{id}/staff/`, `/ws/tournaments/{id}/`, `/ws/me/`; the
    route passes `kind` (and `id`) as kwargs. Any other path gets 4404."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.target: StreamTarget | None = None
        self.principal: Principal | None = None
        self.stream: str | None = None
        self.params: dict[str, str] = {}
        self.last_sent = 0  # highest seq the client has: everything <= it was sent, in order
        self.pending: dict[int, dict] = {}  # live events that arrived ahead of a hole
        self.ready = False
        self.closed = False
        self.joined: list[str] = []
        self.lock = asyncio.Lock()  # one writer of the event sequence at a time
        self.tasks: set[asyncio.Task] = set()
        self.gap_task: asyncio.Task | None = None
        self.last_ping_check = 0.0
        self.last_rate_error = 0.0
        self.max_frame = live_setting("LIVE_MAX_FRAME_BYTES")
        self.limiter = MessageRateLimiter(rate=live_setting("LIVE_RATE_PER_SECOND"),
                                          burst=live_setting("LIVE_RATE_BURST"),
                                          max_strikes=live_setting("LIVE_RATE_MAX_STRIKES"))

    async def dispatch(self, message):
        # Channels runs close_old_connections (a hop to the one sync thread) before every
        # handler. Handlers here reach the database only through `db()`, which does that
        # itself; skipping it keeps the fan-out of one event to thousands of sockets off
        # that thread.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- connect -------------------------------------------------------------------------

    async def connect(self):
        await self.accept()  # accept first: refusals are close codes the client can read
        try:
            await self._subscribe()
        except Exception:
            logger.exception("live subscribe failed on %s", self.scope.get("path"))  # no query: tokens
            await self._close(1011)

    def _read_params(self) -> dict[str, str]:
        raw = self.scope.get("query_string", b"").decode("latin-1")
        return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}

    async def _subscribe(self):
        route = self.scope.get("url_route", {}).get("kwargs", {})
        self.params = self._read_params()
        decision: Decision = await db(check_subscription)(
            route.get("kind"), route.get("id"),
            token=self.params.get("token"), display_key=self.params.get("display_key"))
        if not decision.allowed:
            await self._close(decision.code)
            return
        self.target, self.principal = decision.target, decision.principal
        self.stream = self.target.stream
        groups = [group_name(self.stream)]
        if self.principal.jti:
            groups.append(token_group(self.principal.jti))
        if self.principal.display_key is not None:
            groups.append(display_key_group(self.principal.display_key.pk))
        async with layer_slots():
            for group in groups:  # join before the read: see the module docstring
                await self.channel_layer.group_add(group, self.channel_name)
                self.joined.append(group)

        since = _parse_since(self.params.get("since"))
        initial = await db(initial_read)(self.target, self.principal, since, self.params)
        if initial.close_code is not None:
            await self._close(initial.close_code)
            return
        self.last_sent = initial.seq
        await self._send_message("hello", {
            "kind": self.target.kind, "mode": initial.mode, "since": since,
            "replayed": len(initial.events),
            "limits": {"max_frame_bytes": self.max_frame,
                       "messages_per_second": live_setting("LIVE_RATE_PER_SECOND")},
        })
        if initial.mode == "replay":
            for event in initial.events:
                await self._send_event(event)
        else:
            await self._send_message("snapshot", initial.snapshot)
        self.ready = True
        self._spawn(self._watchdog())

    # --- live events -----------------------------------------------------------------------

    async def stream_event(self, message):
        if not self.ready or self.closed:
            return
        async with self.lock:
            await self._offer(message["event"])

    async def _offer(self, event: dict):
        seq = event["seq"]
        if seq <= self.last_sent:
            return  # covered by the connect read, or a duplicate
        if seq == self.last_sent + 1:
            await self._send_event(event)
            await self._flush_pending()
            return
        self.pending[seq] = event  # a hole before it: wait briefly, then read the log
        if self.gap_task is None or self.gap_task.done():
            self.gap_task = self._spawn(self._fill_gap_later())

    async def _flush_pending(self):
        for seq in [s for s in self.pending if s <= self.last_sent]:
            del self.pending[seq]
        while self.last_sent + 1 in self.pending:
            await self._send_event(self.pending.pop(self.last_sent + 1))

    async def _fill_gap_later(self):
        # Two publishers committing back to back may reach the layer in either order; give
        # the missing event a moment before going to the database for it.
        await asyncio.sleep(live_setting("LIVE_GAP_GRACE_SECONDS"))
        try:
            async with self.lock:
                if self.pending and not self.closed:
                    await self._catch_up(max(self.pending))
        except Exception:  # database blip: the next event or the periodic check retries
            logger.warning("live gap fill failed on %s", self.stream, exc_info=True)

    async def _catch_up(self, upto: int):
        """Send everything up to `upto` from the log (caller holds the lock)."""
        if upto <= self.last_sent:
            return
        events = await db(events_between)(self.stream, self.last_sent, upto)
        if events is None:  # pruned meanwhile (a socket asleep for a day): start over
            seq, data = await db(read_snapshot)(self.target, self.params)
            self.last_sent = seq
            await self._send_message("snapshot", data)
        else:
            for event in events:
                if event["seq"] == self.last_sent + 1:
                    await self._send_event(event)
        await self._flush_pending()

    async def _check(self, *, full: bool):
        """Compare with the database: close if the socket may no longer listen (full), and send
        what the layer dropped."""
        if full:
            code, current = await shared_periodic_check(self.target, self.principal)
            if code is not None:
                await self._close(code)
                return
        else:
            current = await db(current_seq)(self.stream)
        if current > self.last_sent and not self.closed:
            async with self.lock:
                await self._catch_up(current)

    async def _watchdog(self):
        """Close at the token's expiry; on a jittered interval, re-check and catch up."""
        interval = live_setting("LIVE_CHECK_INTERVAL_SECONDS")
        expires_at = self.principal.expires_at
        next_check = time.time() + interval * random.uniform(0.5, 1.0)
        while not self.closed:
            wake = next_check if expires_at is None else min(next_check, expires_at)
            await asyncio.sleep(max(0.0, wake - time.time()))
            if expires_at is not None and time.time() >= expires_at:
                await self._close(CLOSE_NOT_AUTHENTICATED)
                return
            if time.time() >= next_check:
                try:
                    await self._check(full=True)
                except Exception:  # a database blip must not kill the socket; next round retries
                    logger.warning("live periodic check failed on %s", self.stream, exc_info=True)
                next_check = time.time() + interval

    async def credential_revoked(self, message):
        await self._close(CLOSE_NOT_AUTHENTICATED)

    # --- client messages -------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.closed or not self.ready:
            return
        verdict = self.limiter.hit()
        if verdict == MessageRateLimiter.CLOSE:
            await self._close(CLOSE_RATE_LIMITED)
            return
        if verdict == MessageRateLimiter.REFUSE:
            now = time.monotonic()
            if now - self.last_rate_error >= 1.0:  # one error a second, not one per flood frame
                self.last_rate_error = now
                await self._error(RATE_LIMITED, "Too many messages; slow down")
            return
        if text_data is None:
            await self._error(BINARY_NOT_SUPPORTED, "Send JSON text frames")
            return
        if len(text_data) > self.max_frame or len(text_data.encode("utf-8")) > self.max_frame:
            await self._error(FRAME_TOO_LARGE, f"Frames are limited to {self.max_frame} bytes")
            return
        try:
            message = json.loads(text_data)
        except (ValueError, RecursionError):
            await self._error(BAD_JSON, "Not valid JSON")
            return
        if not isinstance(message, dict):
            await self._error(BAD_JSON, "Expected a JSON object with a \"type\"")
            return
        if message.get("type") == "ping":
            await self._on_ping(message)
        else:
            await self._error(UNKNOWN_TYPE, "Unknown message type; the only one is \"ping\"")

    async def _on_ping(self, message: dict):
        now = time.monotonic()
        if now - self.last_ping_check >= live_setting("LIVE_PING_CHECK_MIN_SECONDS"):
            self.last_ping_check = now
            await self._check(full=False)
        data = {}
        ping_id = message.get("id")
        if isinstance(ping_id, (str, int)) and not isinstance(ping_id, bool) and len(str(ping_id)) <= 64:
            data["id"] = ping_id  # lets a client match pongs to pings and time them
        await self._send_message("pong", data)

    # --- sending and closing -----------------------------------------------------------------

    async def _send_event(self, event: dict):
        if self.closed:
            return
        await self.send(text_data=json.dumps(event, separators=(",", ":")))
        self.last_sent = event["seq"]

    async def _send_message(self, type_: str, data):
        """hello, snapshot, pong, error: they carry the seq the client is at and don't advance it."""
        if self.closed:
            return
        await self.send(text_data=json.dumps(
            {"type": type_, "stream": self.stream, "seq": self.last_sent, "ts": _now_ts(), "data": data},
            separators=(",", ":")))

    async def _error(self, code: str, message: str):
        await self._send_message("error", {"code": code, "message": message})

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def _cancel_tasks(self):
        current = asyncio.current_task()
        for task in list(self.tasks):
            if task is not current:
                task.cancel()

    async def _close(self, code: int):
        if self.closed:
            return
        self.closed = True
        self._cancel_tasks()
        await self.close(code=code)

    async def disconnect(self, code):
        self.closed = True
        self._cancel_tasks()
        if not self.joined:
            return
        async with layer_slots():
            for group in self.joined:
                try:
                    await self.channel_layer.group_discard(group, self.channel_name)
                except Exception:  # Redis gone: the group entry expires on its own
                    logger.warning("group_discard failed for %s", group, exc_info=True)
        self.joined = []
