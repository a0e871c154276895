"""How apps.payments takes part in bookings without apps.reservations importing it: it listens to
the reservations signals and fills in the booking's payment hooks (connected from AppConfig.ready())."""
from __future__ import annotations

import logging

import stripe
from django.db import transaction

from apps.payments.errors import PaymentProviderUnavailable
from apps.payments.services.checkout import checkout_start
from apps.payments.services.intents import hold_reconcile, settle_reservation
from apps.payments.stripe_client import online_payments_enabled
from apps.reservations.models import PaymentMode
from apps.reservations.payment_hooks import payments
from apps.reservations.signals import reservation_cancelled

logger = logging.getLogger("padelyzer.payments")


def on_reservation_cancelled(sender, reservation, **kwargs) -> None:
    """A cancelled online booking: refund per policy and cancel open intents, by a task after commit."""
    if reservation.payment_mode == PaymentMode.ONLINE:
        transaction.on_commit(lambda: settle_reservation.delay(str(reservation.pk)), robust=True)


def hold_paid(*, reservation_id) -> bool:
    """Asks Stripe about a hold's open intents before it is freed (a webhook may be late or lost).

    Freeing the slot wins over waiting: if Stripe cannot answer, the hold expires and a payment
    that lands later is refunded.
    """
    if not online_payments_enabled():
        return False
    try:
        return hold_reconcile(reservation_id=reservation_id) == "confirmed"
    except (PaymentProviderUnavailable, stripe.StripeError) as exc:
        logger.warning("Stripe check failed for hold %s (%s); expiring anyway", reservation_id,
                       exc.__class__.__name__)
        return False


def hold_expired(*, reservation_id) -> None:
    """Cancel the expired hold's intents and refund split shares already paid, by a task after commit."""
    transaction.on_commit(lambda: settle_reservation.delay(str(reservation_id)), robust=True)


def connect() -> None:
    reservation_cancelled.connect(on_reservation_cancelled, dispatch_uid="payments.settle_cancelled")
    payments.register(checkout_start=checkout_start, hold_paid=hold_paid, hold_expired=hold_expired)
