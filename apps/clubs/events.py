"""What club and staff screens receive when courts change (CONTRACT §3)."""
from __future__ import annotations

from routing.publisher import publish
from routing.streams import club_stream, staff_stream


def slot_status_for(allocation) -> str:
    from apps.clubs.models import AllocationKind, AllocationStatus

    if not allocation.blocks_court:
        return "free"
    if allocation.kind == AllocationKind.MAINTENANCE or allocation.kind == AllocationKind.MATCH:
        return "blocked"
    return "held" if allocation.status == AllocationStatus.HELD else "booked"


def allocation_payload(allocation, *, club_id) -> dict:
    return {
        "id": str(allocation.pk),
        "club": str(club_id),
        "court": str(allocation.court_id),
        "kind": allocation.kind,
        "start": allocation.period.lower.isoformat(),
        "end": allocation.period.upper.isoformat(),
        "status": allocation.status,
        "slot_status": slot_status_for(allocation),
    }


def publish_club_event(*, club_id, type: str, public: dict, staff_extra: dict | None = None) -> None:
    """Club stream first, then staff: every publisher locks stream counters in this order."""
    publish(club_stream(club_id), type, public)
    publish(staff_stream(club_id), type, {**public, **(staff_extra or {})})
