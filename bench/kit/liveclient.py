"""The client half of the live protocol (CONTRACT §3) in Python, for benches and tests.

`apply_event` is how a screen updates a club or staff snapshot from one event without
refetching; `fresh_snapshot` is what a client connecting now gets. Tests check the server
against these (tests/support/live.py), benches check every watcher with them.
"""
from __future__ import annotations

import asyncio
import copy
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from websockets.asyncio.client import connect

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


async def fresh_snapshot(ws_base: str, origin: str, club_id: str, day: str) -> dict:
    """What a client connecting now gets: hello then the snapshot (with its seq)."""
    async with connect(f"{ws_base}/ws/clubs/{club_id}/?date={day}", origin=origin, open_timeout=10) as ws:
        hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert hello["type"] == "hello", hello
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert snapshot["type"] == "snapshot", snapshot
        return snapshot["data"]
