"""What happened -> which notification. Called by the booking signals (receivers.py), the payments
code (notify_payment_received / notify_payment_refunded), the periodic hold check and tournaments.

Every function may run inside the caller's transaction: the notification then commits (and its
in-app event goes out) with the change that caused it.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from apps.notifications.models import Kind, Notification
from apps.notifications.services import notify

HOLD_WARNING_WINDOW = timedelta(minutes=2)


def _when(reservation) -> str:
    club = reservation.court.club
    tz = ZoneInfo(club.timezone)
    start = reservation.period.lower.astimezone(tz)
    end = reservation.period.upper.astimezone(tz)
    return f"{start:%a %d %b %H:%M}-{end:%H:%M}"


def _booking_data(reservation) -> dict:
    club = reservation.court.club
    return {
        "reservation": str(reservation.pk),
        "club": str(club.pk),
        "court": str(reservation.court_id),
        "court_name": reservation.court.name,
        "start": reservation.period.lower.isoformat(),
        "end": reservation.period.upper.isoformat(),
        "status": reservation.status,
    }


def _money(amount, currency: str) -> str:
    return f"{Decimal(amount):.2f} {currency}"


def notify_booking_confirmed(reservation):
    club = reservation.court.club
    return notify(
        user=reservation.user, kind=Kind.BOOKING_CONFIRMED,
        title=f"Booking confirmed at {club.name}",
        body=f"{reservation.court.name}, {_when(reservation)}. Price {_money(reservation.price, reservation.currency)}.",
        data={**_booking_data(reservation), "price": f"{reservation.price:.2f}", "currency": reservation.currency},
        dedupe_key=f"booking_confirmed:{reservation.pk}")


def notify_booking_cancelled(reservation, refund: dict | None = None):
    club = reservation.court.club
    body = f"{reservation.court.name}, {_when(reservation)} was cancelled."
    if refund and refund.get("status") in ("pending", "refunded") and Decimal(refund["amount"]) > 0:
        body += f" Refund: {_money(refund['amount'], refund['currency'])} ({refund['status']})."
    return notify(
        user=reservation.user, kind=Kind.BOOKING_CANCELLED,
        title=f"Booking cancelled at {club.name}", body=body,
        data={**_booking_data(reservation), "refund": refund},
        dedupe_key=f"booking_cancelled:{reservation.pk}")


def notify_payment_received(reservation, *, amount=None, user=None, reference: str | None = None):
    """For the payments code. `reference` (a PaymentIntent/charge id) makes repeats of one payment a no-op;
    `user` is the payer of a split share (default: the booking's owner)."""
    amount = reservation.paid_amount if amount is None else amount
    ref = reference or f"reservation:{reservation.pk}"
    return notify(
        user=user or reservation.user, kind=Kind.PAYMENT_RECEIVED,
        title=f"Payment received: {_money(amount, reservation.currency)}",
        body=f"Thank you. {reservation.court.name}, {_when(reservation)}.",
        data={**_booking_data(reservation), "amount": f"{Decimal(amount):.2f}",
              "currency": reservation.currency, "reference": reference},
        dedupe_key=f"payment_received:{ref}"[:120])


def notify_payment_refunded(reservation, *, amount, user=None, reference: str | None = None):
    """For the payments code, once the refund succeeded at the provider."""
    ref = reference or f"reservation:{reservation.pk}"
    return notify(
        user=user or reservation.user, kind=Kind.PAYMENT_REFUNDED,
        title=f"Refund issued: {_money(amount, reservation.currency)}",
        body=f"For {reservation.court.name}, {_when(reservation)}. It may take a few days to show.",
        data={**_booking_data(reservation), "amount": f"{Decimal(amount):.2f}",
              "currency": reservation.currency, "reference": reference},
        dedupe_key=f"payment_refunded:{ref}"[:120])


def notify_match_called(users, match_info: dict) -> list:
    """For tournaments: `match_info` carries at least `court` (a name) and, to make a repeat call of
    the same match a no-op, `match` (its id) and optionally `call` (1, 2... for deliberate re-calls)."""
    court = match_info.get("court") or "your court"
    title = f"Your match is called: {court}"
    body = match_info.get("message") or f"Please go to {court} now."
    match_id = match_info.get("match")
    dedupe = f"match_called:{match_id}:{match_info.get('call', 1)}" if match_id else None
    return [notify(user=user, kind=Kind.MATCH_CALLED, title=title, body=body, data=dict(match_info),
                   dedupe_key=dedupe) for user in users]


def notify_hold_expiring(reservation_id) -> Notification | None:
    """Re-checked under the reservation's lock, so a payment confirming it meanwhile wins."""
    from apps.clubs.models import AllocationStatus
    from apps.reservations.models import Reservation

    with transaction.atomic():
        reservation = (Reservation.objects.select_for_update(of=("self", "courtallocation_ptr"))
                       .select_related("court", "court__club", "user")
                       .filter(pk=reservation_id, status=AllocationStatus.HELD).first())
        if reservation is None or reservation.hold_expires_at is None:
            return None
        if reservation.hold_expires_at <= timezone.now():
            return None
        tz = ZoneInfo(reservation.court.club.timezone)
        return notify(
            user=reservation.user, kind=Kind.HOLD_EXPIRING,
            title="Your booking hold is about to expire",
            body=(f"Pay before {reservation.hold_expires_at.astimezone(tz):%H:%M} to keep "
                  f"{reservation.court.name}, {_when(reservation)}."),
            data={**_booking_data(reservation), "hold_expires_at": reservation.hold_expires_at.isoformat()},
            dedupe_key=f"hold_expiring:{reservation.pk}")


def holds_to_warn(now=None):
    """Held reservations expiring within the window that were not warned yet (the dedupe row is the flag)."""
    from apps.clubs.models import AllocationStatus
    from apps.reservations.models import Reservation

    now = now or timezone.now()
    warned = Notification.objects.filter(
        user=OuterRef("user"),
        dedupe_key=Concat(Value("hold_expiring:"), Cast(OuterRef("pk"), CharField())))
    return (Reservation.objects.filter(status=AllocationStatus.HELD, hold_expires_at__gt=now,
                                       hold_expires_at__lte=now + HOLD_WARNING_WINDOW)
            .exclude(Exists(warned)).order_by("hold_expires_at").values_list("pk", flat=True))
