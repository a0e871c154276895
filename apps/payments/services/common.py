"""What every payments service shares: Stripe error handling, idempotency keys, payloads."""
from __future__ import annotations

import logging
from decimal import Decimal

import stripe
from django.conf import settings
from django.db import transaction

from apps.core.errors import ApplicationError, NotFound, ServiceUnavailable
from apps.payments.errors import PaymentErrorCode as Code
from apps.payments.models import (
    Payment,
    PaymentStatus,
)
from apps.payments.stripe_client import stripe_client
from apps.reservations.models import PaymentMode, Reservation
from apps.reservations.services import lock_reservation
from routing.publisher import publish
from routing.streams import staff_stream

logger = logging.getLogger("padelyzer.payments")

# Errors worth retrying later: Stripe unreachable, 5xx, rate limited.
TRANSIENT_STRIPE_ERRORS = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)

_INTENT_STATUS = {
    "requires_payment_method": PaymentStatus.REQUIRES_PAYMENT,
    "requires_confirmation": PaymentStatus.REQUIRES_PAYMENT,
    "requires_action": PaymentStatus.REQUIRES_PAYMENT,
    "requires_capture": PaymentStatus.PROCESSING,
    "processing": PaymentStatus.PROCESSING,
    "canceled": PaymentStatus.CANCELED,
}


class PaymentProviderUnavailable(ServiceUnavailable):
    """Stripe could not be reached (or failed); the caller may retry, nothing was lost."""

    def __init__(self, message="The payment provider is not answering; please retry in a moment"):
        super().__init__(Code.PROVIDER_UNAVAILABLE, message)


class PaymentRefused(ApplicationError):
    """Stripe answered no (bad amount, bad configuration): retrying the same request will not help."""

    status = 502

    def __init__(self, message="The payment provider refused this payment; please contact the club"):
        super().__init__(Code.PROVIDER_REFUSED, message)


# --- keys that reach Stripe: derived from our rows, stable across retries ---

def intent_idempotency_key(reservation_id, share_id=None) -> str:
    base = f"padelyzer-pi-{reservation_id}"
    return f"{base}-share-{share_id}" if share_id else base


def refund_idempotency_key(payment_id) -> str:
    return f"padelyzer-refund-{payment_id}"


# --- payloads ---

def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def amount_due(reservation: Reservation) -> Decimal:
    return max(reservation.price - reservation.paid_amount, Decimal("0.00"))


def payment_event_data(payment: Payment, reservation: Reservation, **extra) -> dict:
    """What staff screens get with every payment.* event."""
    data = {
        "id": str(payment.pk),
        "reservation": str(reservation.pk),
        "club": str(reservation.court.club_id),
        "court": str(reservation.court_id),
        "start": reservation.period.lower.isoformat(),
        "end": reservation.period.upper.isoformat(),
        "method": payment.method,
        "amount": _money(payment.amount_received or payment.amount),
        "currency": payment.currency,
        "status": payment.status,
        "reservation_status": reservation.status,
        "paid_amount": _money(reservation.paid_amount),
        "amount_due": _money(amount_due(reservation)),
        "refund_amount": _money(reservation.refund_amount),
        "refund_status": reservation.refund_status,
        "player": {"id": str(reservation.user_id), "name": reservation.user.full_name},
    }
    if payment.share_id:
        share = payment.share
        data["share"] = {"id": str(share.pk), "index": share.index, "name": share.name}
    data.update(extra)
    return data


def _locked_reservation_or_404(reservation_id) -> Reservation:
    reservation = lock_reservation(reservation_id)
    if reservation is None:
        raise NotFound("not_found", "Not found")
    return reservation


def _publish_staff(reservation: Reservation, type: str, data: dict) -> None:
    publish(staff_stream(reservation.court.club_id), type, data)


def checkout_payload(reservation: Reservation, payment: Payment | None) -> dict:
    """The `payment` object of a held booking: what the page needs to open Stripe Elements."""
    return {
        "mode": PaymentMode.ONLINE,
        "status": payment.status if payment else PaymentStatus.PENDING,
        "payment_id": str(payment.pk) if payment else None,
        "client_secret": (payment.client_secret or None) if payment else None,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY or None,
        "hold_expires_at": reservation.hold_expires_at.isoformat() if reservation.hold_expires_at else None,
        "amount_due": _money(amount_due(reservation)),
        "paid_amount": _money(reservation.paid_amount),
        "currency": reservation.currency,
    }


def _stripe_call(fn):
    try:
        return fn(stripe_client())
    except TRANSIENT_STRIPE_ERRORS as exc:
        raise PaymentProviderUnavailable() from exc


# --- enqueueing (after commit only) ---

def enqueue(task_name: str, *args) -> None:
    """Schedules a payments task for after the current transaction commits (at once outside one)."""
    from apps.payments import tasks

    task = getattr(tasks, task_name)
    args = tuple(str(a) for a in args)
    transaction.on_commit(lambda: task.apply_async(args=args, queue="high_priority"), robust=True)
