"""Reservation housekeeping run by Celery beat."""
from __future__ import annotations

import logging

import stripe
from celery import shared_task
from django.utils import timezone

from apps.clubs.models import AllocationStatus
from apps.reservations.models import Reservation
from apps.reservations.services import reservation_expire_hold

logger = logging.getLogger("padelyzer.reservations")


@shared_task(name="apps.reservations.tasks.expire_holds")  # beat sends it to `high_priority`
def expire_holds(limit: int = 500) -> dict:
    """Every minute: free the slots of payment holds that ran out (live reservation.updated, slot free).

    A webhook can be late or lost, so each hold's open PaymentIntents are re-read from Stripe
    first: a hold that was in fact paid is confirmed, not freed. Idempotent; overlapping runs
    are safe (each hold is expired under its row lock, once).
    """
    from apps.payments import services as payments
    from apps.payments.stripe_client import online_payments_enabled

    now = timezone.now()
    due = list(Reservation.objects.filter(status=AllocationStatus.HELD, hold_expires_at__lte=now)
               .order_by("hold_expires_at").values_list("pk", flat=True)[:limit])
    result = {"expired": 0, "confirmed": 0}
    for reservation_id in due:
        if online_payments_enabled():
            try:
                if payments.holds_reconcile(reservation_id) == "confirmed":
                    result["confirmed"] += 1
                    continue
            except (payments.PaymentProviderUnavailable, stripe.StripeError) as exc:
                # Freeing the slot wins over waiting: a payment that lands later is refunded.
                logger.warning("Stripe check failed for hold %s (%s); expiring anyway", reservation_id,
                               exc.__class__.__name__)
        if reservation_expire_hold(reservation_id=reservation_id, now=now) is not None:
            result["expired"] += 1
            payments.enqueue("settle_reservation", reservation_id)  # cancel intents, refund split shares
    return result
