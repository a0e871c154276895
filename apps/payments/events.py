"""Payment events of staff streams (CONTRACT §3: `payment.*`): one builder per event type and
their schemas (routing.schemas). Times are the club's (apps.clubs.events.club_time)."""
from __future__ import annotations

from apps.clubs.events import club_time
from apps.payments.models import Payment, PaymentMethod, PaymentStatus
from apps.payments.money import money_text
from apps.payments.selectors import amount_due
from apps.reservations.models import Reservation
from routing.schemas import MONEY, PERSON, TIME, UUID, EventType, enum, nullable, obj
from routing.streams import STAFF


def payment_event_data(payment: Payment, reservation: Reservation, **extra) -> dict:
    """What staff screens get with every payment.* event but `payment.split`; `extra` says what
    happened (error, refund, reason, booking_confirmed, recorded_by)."""
    timezone = reservation.court.club.timezone
    data = {
        "id": str(payment.pk),
        "reservation": str(reservation.pk),
        "club": str(reservation.court.club_id),
        "court": str(reservation.court_id),
        "start": club_time(reservation.period.lower, timezone),
        "end": club_time(reservation.period.upper, timezone),
        "method": payment.method,
        "amount": money_text(payment.amount_received or payment.amount),
        "currency": payment.currency,
        "status": payment.status,
        "reservation_status": reservation.status,
        "paid_amount": money_text(reservation.paid_amount),
        "amount_due": money_text(amount_due(reservation)),
        "refund_amount": money_text(reservation.refund_amount),
        "refund_status": reservation.refund_status,
        "player": {"id": str(reservation.user_id), "name": reservation.user.full_name},
    }
    if payment.share_id:
        share = payment.share
        data["share"] = {"id": str(share.pk), "index": share.index, "name": share.name}
    data.update(extra)
    return data


def payment_split_data(reservation: Reservation, shares: list) -> dict:
    """`payment.split`: a booking's price split into shares, each paid on its own."""
    return {"reservation": str(reservation.pk), "club": str(reservation.court.club_id),
            "court": str(reservation.court_id), "shares": len(shares),
            "amounts": [money_text(s.amount) for s in shares], "currency": reservation.currency,
            "hold_expires_at": club_time(reservation.hold_expires_at, reservation.court.club.timezone)}


# --- schemas -------------------------------------------------------------------------------------

_REFUND = obj({"id": UUID, "amount": MONEY}, {"reason": {"type": "string"}, "failure": {"type": "string"}})
_PAYMENT = obj({
    "id": UUID, "reservation": UUID, "club": UUID, "court": UUID, "start": TIME, "end": TIME,
    "method": enum(*PaymentMethod.values), "amount": MONEY, "currency": {"type": "string"},
    "status": enum(*PaymentStatus.values), "reservation_status": {"type": "string"}, "paid_amount": MONEY,
    "amount_due": MONEY, "refund_amount": MONEY, "refund_status": {"type": "string"}, "player": PERSON,
}, {
    "share": obj({"id": UUID, "index": {"type": "integer"}, "name": {"type": "string"}}),
    "error": nullable({"type": "string"}), "reason": {"type": "string"}, "booking_confirmed": {"type": "boolean"},
    "refund": _REFUND, "recorded_by": PERSON,
})


def _payment_type(name: str, description: str, *required: str) -> EventType:
    schema = _PAYMENT if not required else {**_PAYMENT, "required": sorted({*_PAYMENT["required"], *required})}
    return EventType(name, (STAFF,), description, payment_event_data, schema)


EVENT_TYPES = [
    _payment_type("payment.succeeded", "An online payment went through (`booking_confirmed` when it confirmed "
                                       "the booking).", "booking_confirmed"),
    _payment_type("payment.failed", "An online payment attempt was declined; the customer may retry.", "error"),
    _payment_type("payment.received", "Staff recorded a payment at the front desk.", "recorded_by"),
    _payment_type("payment.refund_pending", "Money that arrived too late or too much goes back.", "refund"),
    _payment_type("payment.refunded", "A refund went through (to the card, or handed back at the desk).",
                  "refund"),
    _payment_type("payment.refund_failed", "The provider could not refund; staff must act.", "refund"),
    EventType("payment.split", (STAFF,), "A booking's price was split into shares, each paid on its own.",
              payment_split_data,
              obj({"reservation": UUID, "club": UUID, "court": UUID, "shares": {"type": "integer"},
                   "amounts": {"type": "array", "items": MONEY}, "currency": {"type": "string"},
                   "hold_expires_at": nullable(TIME)})),
]
