"""Reservation housekeeping run by Celery beat."""
from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.reservations.payment_hooks import payments


@shared_task(name="apps.reservations.tasks.expire_holds")  # beat sends it to `high_priority`
def expire_holds(limit: int = 500) -> dict:
    """Every minute: free the slots of payment holds that ran out (live reservation.updated, slot free).

    A webhook can be late or lost, so each hold's open PaymentIntents are re-read from Stripe
    first: a hold that was in fact paid is confirmed, not freed. Idempotent; overlapping runs
    are safe (each hold is expired under its row lock, once).
    """
    from apps.clubs.models import AllocationStatus
    from apps.reservations.models import Reservation
    from apps.reservations.services import reservation_expire_hold

    now = timezone.now()
    due = list(Reservation.objects.filter(status=AllocationStatus.HELD, hold_expires_at__lte=now)
               .order_by("hold_expires_at").values_list("pk", flat=True)[:limit])
    result = {"expired": 0, "confirmed": 0}
    for reservation_id in due:
        if payments.hold_paid(reservation_id=reservation_id):  # asks Stripe; a failed check expires anyway
            result["confirmed"] += 1
            continue
        if reservation_expire_hold(reservation_id=reservation_id, now=now) is not None:
            result["expired"] += 1
            payments.hold_expired(reservation_id=reservation_id)  # cancel intents, refund split shares
    return result
