"""The Python reference of the client's "apply an event to a snapshot" (bench/kit/liveclient.py)."""
from datetime import UTC, datetime

import pytest

from bench.kit.liveclient import NeedsResync, apply_event


def snapshot():
    slots = [{"start": f"2026-12-01T{h:02d}:{m:02d}:00+01:00", "end": f"2026-12-01T{h + (m + 30) // 60:02d}:"
              f"{(m + 30) % 60:02d}:00+01:00", "status": s, "price": "10.00"}
             for (h, m), s in zip([(9, 30), (10, 0), (10, 30), (11, 0)], ["closed", "free", "free", "free"], strict=True)]
    return {"club": "c", "date": "2026-12-01", "timezone": "Europe/Madrid", "seq": 4,
            "courts": [{"id": "k1", "name": "Court 1", "is_active": True, "indoor": False, "slots": slots}],
            "reservations": []}


def event(seq, type_, **data):
    base = {"id": "r1", "club": "c", "court": "k1", "kind": "reservation", "status": "confirmed",
            "start": "2026-12-01T08:30:00+00:00", "end": "2026-12-01T10:00:00+00:00", "slot_status": "booked",
            "player": {"id": "u", "name": "Ana", "email": "a@x"}, "price": "20.00", "currency": "EUR"}
    return {"type": type_, "stream": "staff:c", "seq": seq, "ts": "t", "data": {**base, **data}}


BEFORE = datetime(2026, 11, 1, tzinfo=UTC)


def statuses(state):
    return [s["status"] for s in state["courts"][0]["slots"]]


def test_interval_events_set_overlapping_slots_but_never_closed_ones():
    state = apply_event(snapshot(), event(5, "reservation.created"), now=BEFORE)  # 09:30-11:00 local
    assert statuses(state) == ["closed", "booked", "booked", "free"]
    assert state["seq"] == 5
    row = state["reservations"][0]
    assert (row["start"], row["end"]) == ("2026-12-01T09:30:00+01:00", "2026-12-01T11:00:00+01:00")  # club time
    state = apply_event(state, event(6, "reservation.cancelled", status="cancelled", slot_status="free"),
                        now=BEFORE)
    assert statuses(state) == ["closed", "free", "free", "free"]
    assert [r["status"] for r in state["reservations"]] == ["cancelled"]  # upserted, not added


def test_freed_slots_that_already_started_read_past():
    late = datetime(2026, 12, 1, 9, 45, tzinfo=UTC)  # 10:45 local
    state = apply_event(snapshot(), event(5, "court.unblocked", kind="maintenance", slot_status="free"), now=late)
    assert statuses(state) == ["closed", "past", "past", "free"]  # 11:00 is after the interval
    assert state["reservations"] == []  # blocks are not reservations


def test_the_input_is_not_modified():
    original = snapshot()
    apply_event(original, event(5, "reservation.created"), now=BEFORE)
    assert original == snapshot()


def test_events_without_slot_changes_only_advance_seq():
    state = apply_event(snapshot(), {"type": "payment.succeeded", "stream": "staff:c", "seq": 5, "ts": "t",
                                     "data": {"reservation": "r1"}})
    assert state == {**snapshot(), "seq": 5}


@pytest.mark.parametrize("evt", [
    {"type": "club.updated", "data": {"club": "c"}},
    {"type": "court.updated", "data": {"court": "k2", "name": "New", "is_active": True, "indoor": True}},
    {"type": "court.updated", "data": {"court": "k1", "name": "Court 1", "is_active": False, "indoor": False}},
])
def test_changes_the_payload_cannot_describe_need_a_resync(evt):
    with pytest.raises(NeedsResync):
        apply_event(snapshot(), {**evt, "stream": "club:c", "seq": 5, "ts": "t"})


def test_court_rename_applies():
    state = apply_event(snapshot(), {"type": "court.updated", "stream": "club:c", "seq": 5, "ts": "t",
                                     "data": {"court": "k1", "name": "Centre", "is_active": True, "indoor": True}})
    assert state["courts"][0]["name"] == "Centre" and state["courts"][0]["indoor"] is True
