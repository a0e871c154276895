"""The court events of club and staff streams (CONTRACT §3): one builder per event type, and
their schemas (routing.schemas). Reservation events are built in apps.reservations.events on
top of `allocation_payload`; every interval event carries the court, the interval and the
resulting slot status, so a screen updates without a refetch."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from apps.clubs.models import AllocationKind, AllocationStatus, Club, Court
from routing.publisher import publish
from routing.schemas import TIME, UUID, EventType, enum, obj
from routing.streams import CLUB, STAFF, club_stream, staff_stream

SLOT_STATUSES = ("free", "held", "booked", "blocked")


def club_time(moment: datetime | None, timezone: str) -> str | None:
    """The one spelling of a time in events and snapshots: the club's local time with its offset
    (as the REST answers and the availability give it, CONTRACT §1)."""
    return moment.astimezone(ZoneInfo(timezone)).isoformat() if moment is not None else None


def slot_status_for(allocation) -> str:
    if not allocation.blocks_court:
        return "free"
    if allocation.kind == AllocationKind.MAINTENANCE or allocation.kind == AllocationKind.MATCH:
        return "blocked"
    return "held" if allocation.status == AllocationStatus.HELD else "booked"


def allocation_payload(allocation, *, club_id) -> dict:
    """What every interval event (reservation.*, court.blocked/unblocked) says about court time.
    The court's club gives the timezone (callers hold it: loaded with the court)."""
    timezone = allocation.court.club.timezone
    return {
        "id": str(allocation.pk),
        "club": str(club_id),
        "court": str(allocation.court_id),
        "kind": allocation.kind,
        "start": club_time(allocation.period.lower, timezone),
        "end": club_time(allocation.period.upper, timezone),
        "status": allocation.status,
        "slot_status": slot_status_for(allocation),
    }


def court_blocked_data(allocation, *, club_id, reason: str, **extra) -> dict:
    """`court.blocked`: maintenance (reason given by staff) or a tournament match (reason
    "tournament", with `match` and, for a public tournament, `tournament`)."""
    return {**allocation_payload(allocation, club_id=club_id), "reason": reason, **extra}


def court_unblocked_data(before: dict, *, status: str, **extra) -> dict:
    """`court.unblocked`: `before` is the allocation's payload before it went (a block removed,
    status "removed"; a match moved away, status "moved")."""
    return {**before, **extra, "slot_status": "free", "status": status}


def court_updated_data(court: Court) -> dict:
    return {"club": str(court.club_id), "court": str(court.pk), "name": court.name,
            "is_active": court.is_active, "indoor": court.indoor, "surface": court.surface}


def club_updated_data(club: Club) -> dict:
    """Opening hours or slot length may have changed: screens refetch their snapshot."""
    return {"club": str(club.pk)}


def publish_club_event(*, club_id, type: str, public: dict, staff_extra: dict | None = None) -> None:
    """Club stream first, then staff: every publisher locks stream counters in this order."""
    publish(club_stream(club_id), type, public)
    publish(staff_stream(club_id), type, {**public, **(staff_extra or {})})


# --- schemas -------------------------------------------------------------------------------------

INTERVAL = {
    "id": UUID, "club": UUID, "court": UUID,
    "kind": enum(*AllocationKind.values),
    "start": TIME, "end": TIME,
    "status": {"type": "string", "description": "the allocation's status (`removed`, `moved`: it left this time)"},
    "slot_status": {**enum(*SLOT_STATUSES), "description": "what the interval's slots now show"},
}
# The club stream is public: names and money only on staff streams.
NO_PLAYER = {"not": {"anyOf": [{"required": ["player"]}, {"required": ["price"]}]}}
_COURT_EXTRA = {
    "reason": {"type": "string", "description": "maintenance note, or `tournament`"},
    "match": {**UUID, "description": "the match holding the court (reason `tournament`)"},
    "tournament": obj({"id": UUID, "name": {"type": "string"}}, description="a public tournament's match"),
}

EVENT_TYPES = [
    EventType("court.blocked", (CLUB, STAFF), "Court time taken by a maintenance block or a tournament match.",
              court_blocked_data, obj({**INTERVAL, "reason": _COURT_EXTRA["reason"]}, _COURT_EXTRA),
              by_stream={CLUB: NO_PLAYER}),
    EventType("court.unblocked", (CLUB, STAFF), "A block removed or a match moved away: the interval is free.",
              court_unblocked_data, obj(INTERVAL, _COURT_EXTRA), by_stream={CLUB: NO_PLAYER}),
    EventType("court.updated", (CLUB, STAFF), "A court was added or changed (name, indoor, surface, on/off).",
              court_updated_data, obj({"club": UUID, "court": UUID, "name": {"type": "string"},
                                       "is_active": {"type": "boolean"}, "indoor": {"type": "boolean"},
                                       "surface": {"type": "string"}})),
    EventType("club.updated", (CLUB, STAFF), "The club's settings changed: fetch a fresh snapshot.",
              club_updated_data, obj({"club": UUID})),
]

