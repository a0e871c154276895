"""Reservation events (CONTRACT §3): one builder per event type, used by the club event, the
staff event (which adds the player and the money), the staff snapshot's rows and the booking
notifications; and their schemas (routing.schemas)."""
from __future__ import annotations

from apps.clubs.events import INTERVAL, NO_PLAYER, allocation_payload, club_time, publish_club_event
from routing.publisher import publish
from routing.schemas import MONEY, PERSON, TIME, UUID, EventType, nullable, obj
from routing.streams import CLUB, STAFF, staff_stream

# A staff snapshot's reservation row: the fields a staff `reservation.*` event carries for it.
ROW_FIELDS = ("id", "court", "start", "end", "status", "slot_status", "player", "price", "currency")


def reservation_event_data(reservation, *, staff: bool = False, **extra) -> dict:
    """`reservation.created` / `.updated` / `.cancelled`: the court time on every stream; on staff
    streams also the player, the price and what changed (`extra`: reason, refund, paid_amount,
    checked_in_at)."""
    data = allocation_payload(reservation, club_id=reservation.court.club_id)
    if not staff:
        return data
    user = reservation.user
    return {**data, "player": {"id": str(user.pk), "name": user.full_name, "email": user.email},
            "price": f"{reservation.price:.2f}", "currency": reservation.currency,
            "payment_mode": reservation.payment_mode, **extra}


def publish_reservation_event(reservation, type: str, **extra) -> None:
    """Both streams of the reservation's club, in the one lock order (publish_club_event)."""
    public = reservation_event_data(reservation)
    staff = reservation_event_data(reservation, staff=True, **extra)
    publish_club_event(club_id=reservation.court.club_id, type=type, public=public, staff_extra=staff)


def reservation_row(reservation) -> dict:
    """A staff snapshot's reservation (the same fields its staff events carry)."""
    data = reservation_event_data(reservation, staff=True)
    return {name: data[name] for name in ROW_FIELDS}


def reservation_notification_data(reservation) -> dict:
    """The booking a notification is about (its `data`, also sent in the `notification` event)."""
    data = reservation_event_data(reservation)
    return {"reservation": data["id"], "club": data["club"], "court": data["court"],
            "court_name": reservation.court.name, "start": data["start"], "end": data["end"],
            "status": data["status"]}


def checkin_data(reservation, *, actor, now) -> dict:
    """`checkin.checked_in` / `checkin.no_show`: what the front desk did, for staff screens."""
    timezone = reservation.court.club.timezone
    return {
        "reservation": str(reservation.pk),
        "club": str(reservation.court.club_id),
        "court": str(reservation.court_id),
        "start": club_time(reservation.period.lower, timezone),
        "end": club_time(reservation.period.upper, timezone),
        "status": reservation.status,
        "checked_in_at": club_time(reservation.checked_in_at, timezone),
        "player": {"id": str(reservation.user_id), "name": reservation.user.full_name},
        "by": {"id": str(actor.pk), "name": actor.full_name},
        "at": club_time(now, timezone),
    }


def publish_checkin_event(reservation, type: str, *, actor, now) -> None:
    publish(staff_stream(reservation.court.club_id), type, checkin_data(reservation, actor=actor, now=now))


# --- schemas -------------------------------------------------------------------------------------

REFUND = obj({"amount": MONEY, "currency": {"type": "string"}, "status": {"enum": ["none", "pending", "refunded"]}})
_STAFF_ONLY = {
    "player": obj({"id": UUID, "name": {"type": "string"}, "email": {"type": "string"}}),
    "price": MONEY, "currency": {"type": "string"},
}
_STAFF_OPTIONAL = {
    "payment_mode": {"enum": ["online", "pay_at_club"]},
    "reason": {"type": "string", "description": "why it changed: hold_expired, paid_online, checked_in, ..."},
    "refund": REFUND,
    "paid_amount": MONEY,
    "checked_in_at": nullable(TIME),
}
_RESERVATION = obj(INTERVAL, {**_STAFF_ONLY, **_STAFF_OPTIONAL})
_ON_STAFF = {"required": sorted(_STAFF_ONLY)}
_CHECKIN = obj({"reservation": UUID, "club": UUID, "court": UUID, "start": TIME, "end": TIME,
                "status": {"type": "string"}, "checked_in_at": nullable(TIME), "player": PERSON, "by": PERSON,
                "at": TIME})


def _reservation_type(name: str, description: str) -> EventType:
    return EventType(name, (CLUB, STAFF), description, reservation_event_data, _RESERVATION,
                     by_stream={CLUB: NO_PLAYER, STAFF: _ON_STAFF})


EVENT_TYPES = [
    _reservation_type("reservation.created", "A booking was made (held while waiting for payment, or confirmed)."),
    _reservation_type("reservation.updated", "A booking changed: confirmed by a payment, hold expired, checked "
                                             "in, no-show, refunded at the desk (`reason` on staff streams)."),
    _reservation_type("reservation.cancelled", "A booking was cancelled; staff streams carry the refund decision."),
    EventType("checkin.checked_in", (STAFF,), "The players of a booking arrived.", checkin_data, _CHECKIN),
    EventType("checkin.no_show", (STAFF,), "Nobody came to a booking that started.", checkin_data, _CHECKIN),
]
