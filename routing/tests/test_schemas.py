"""The event schema registry (routing.schemas): what the suite-wide check refuses, and
docs/events.md kept in step with the schemas."""
from __future__ import annotations

import uuid

from routing.management.commands.events_doc import EVENTS_DOC
from routing.schemas import event_problems, event_types, render_events_doc

CLUB_ID, COURT_ID, RES_ID = (str(uuid.uuid4()) for _ in range(3))
INTERVAL = {"id": RES_ID, "club": CLUB_ID, "court": COURT_ID, "kind": "reservation",
            "start": "2026-12-01T10:00:00+01:00", "end": "2026-12-01T11:00:00+01:00",
            "status": "confirmed", "slot_status": "booked"}
STAFF = {**INTERVAL, "player": {"id": str(uuid.uuid4()), "name": "Ana", "email": "ana@example.com"},
         "price": "20.00", "currency": "EUR"}


def message(type_: str, stream: str, data: dict) -> dict:
    return {"type": type_, "stream": stream, "seq": 1, "ts": "2026-12-01T09:00:00.000Z", "data": data}


def test_every_contract_event_type_has_a_schema():
    names = {t.name for t in event_types()}
    assert {"reservation.created", "reservation.updated", "reservation.cancelled", "court.blocked",
            "court.unblocked", "court.updated", "match.started", "match.score", "match.finished",
            "bracket.updated", "notification", "report.ready"} <= names
    assert any(n.startswith("payment.") for n in names) and any(n.startswith("checkin.") for n in names)


def test_a_matching_event_passes():
    assert event_problems(message("reservation.created", f"club:{CLUB_ID}", INTERVAL)) == []
    assert event_problems(message("reservation.created", f"staff:{CLUB_ID}", STAFF)) == []


def test_an_unknown_type_a_wrong_stream_or_bad_data_is_refused():
    assert "no schema" in event_problems(message("reservation.moved", f"club:{CLUB_ID}", INTERVAL))[0]
    assert "staff streams only" in event_problems(message("report.ready", f"club:{CLUB_ID}", {}))[0]
    problems = event_problems(message("reservation.created", f"club:{CLUB_ID}", {**INTERVAL, "price": 20}))
    assert problems  # a float price, and money on the public stream
    assert event_problems(message("reservation.created", f"club:{CLUB_ID}", STAFF))  # names stay off club streams
    assert event_problems(message("reservation.created", f"staff:{CLUB_ID}", INTERVAL))  # staff rows need the player
    assert event_problems(message("court.blocked", f"club:{CLUB_ID}", {**INTERVAL, "reason": "net", "start": "10:00"}))
    assert not event_problems(message("court.blocked", f"club:{CLUB_ID}", {**INTERVAL, "reason": "net"}))


def test_docs_events_md_is_up_to_date():
    """Regenerate with `python manage.py events_doc`."""
    assert EVENTS_DOC.read_text(encoding="utf-8") == render_events_doc()
