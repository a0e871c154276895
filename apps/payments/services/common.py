"""What the payments services share: Stripe error handling, idempotency keys, payloads, task options."""
from __future__ import annotations

import logging

import stripe
from django.conf import settings

from apps.clubs.models import AllocationStatus
from apps.core.errors import Conflict
from apps.payments.errors import PaymentErrorCode as Code
from apps.payments.errors import PaymentProviderUnavailable
from apps.payments.models import Payment, PaymentStatus
from apps.payments.money import money_text
from apps.payments.selectors import amount_due
from apps.payments.stripe_client import stripe_client
from apps.reservations.models import PaymentMode, Reservation
from routing.publisher import publish
from routing.streams import staff_stream

logger = logging.getLogger("padelyzer.payments")

# Errors worth retrying later: Stripe unreachable, 5xx, rate limited.
TRANSIENT_STRIPE_ERRORS = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)

# Every payments task retries a Stripe outage with backoff (the queue comes from project/celery.py).
TASK_RETRY = {"autoretry_for": (PaymentProviderUnavailable,), "retry_backoff": 5, "retry_backoff_max": 300,
              "retry_jitter": True, "max_retries": 10}

INTENT_STATUS = {
    "requires_payment_method": PaymentStatus.REQUIRES_PAYMENT,
    "requires_confirmation": PaymentStatus.REQUIRES_PAYMENT,
    "requires_action": PaymentStatus.REQUIRES_PAYMENT,
    "requires_capture": PaymentStatus.PROCESSING,
    "processing": PaymentStatus.PROCESSING,
    "canceled": PaymentStatus.CANCELED,
}


# --- keys that reach Stripe: derived from our rows, stable across retries ---

def intent_idempotency_key(reservation_id, share_id=None) -> str:
    base = f"padelyzer-pi-{reservation_id}"
    return f"{base}-share-{share_id}" if share_id else base


def refund_idempotency_key(payment_id) -> str:
    return f"padelyzer-refund-{payment_id}"


def stripe_call(fn):
    """fn(client) with a transient Stripe failure turned into PaymentProviderUnavailable."""
    try:
        return fn(stripe_client())
    except TRANSIENT_STRIPE_ERRORS as exc:
        raise PaymentProviderUnavailable() from exc


def ensure_awaiting_online_payment(reservation: Reservation) -> None:
    """A booking the player may still pay online: paid online and held."""
    if reservation.payment_mode != PaymentMode.ONLINE:
        raise Conflict(Code.NOT_ONLINE, "This booking is paid at the club")
    if reservation.status != AllocationStatus.HELD:
        raise Conflict(Code.NOT_PAYABLE, f"A {reservation.status} booking is not waiting for payment")


# --- payloads ---

def publish_staff(reservation: Reservation, type: str, data: dict) -> None:
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
        "amount_due": money_text(amount_due(reservation)),
        "paid_amount": money_text(reservation.paid_amount),
        "currency": reservation.currency,
    }
