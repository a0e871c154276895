"""Recovering payment work whose task message was lost (broker down at enqueue time, or a worker
that died with the task): the sweep enqueues it again. Re-running any of it is harmless."""
from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps.clubs.models import AllocationStatus
from apps.payments.models import Payment, PaymentMethod, PaymentStatus, Refund, RefundState, StripeEvent
from apps.payments.services.intents import create_intent
from apps.payments.services.refunds import submit_refund
from apps.payments.services.webhooks import process_stripe_event


def lost_work_requeue(*, now: datetime | None = None) -> dict:
    """Enqueues (after commit) unprocessed webhook events, unfinished refunds and missing intents."""
    now = now or timezone.now()
    counts = {"events": 0, "refunds": 0, "intents": 0}
    with transaction.atomic():
        for event_id in StripeEvent.objects.filter(processed_at=None, received_at__lt=now - timedelta(minutes=2)) \
                .values_list("event_id", flat=True)[:500]:
            transaction.on_commit(lambda event_id=event_id: process_stripe_event.delay(str(event_id)), robust=True)
            counts["events"] += 1
        stale_refunds = Refund.objects.filter(
            status__in=(RefundState.PENDING, RefundState.SUBMITTED), updated_at__lt=now - timedelta(minutes=2))
        for refund_id in stale_refunds.values_list("pk", flat=True)[:500]:
            transaction.on_commit(lambda refund_id=refund_id: submit_refund.delay(str(refund_id)), robust=True)
            counts["refunds"] += 1
        missing = Payment.objects.filter(method=PaymentMethod.CARD, status=PaymentStatus.PENDING,
                                         stripe_payment_intent_id=None, share=None,
                                         reservation__status=AllocationStatus.HELD,
                                         created_at__lt=now - timedelta(minutes=1))
        for payment_id in missing.values_list("pk", flat=True)[:500]:
            transaction.on_commit(lambda payment_id=payment_id: create_intent.delay(str(payment_id)), robust=True)
            counts["intents"] += 1
    return counts


# The task sits beside its service, like every payments task (see apps/payments/tasks.py).
@shared_task(name="payments.sweep")  # project/celery.py routes it to `maintenance`
def sweep() -> dict:
    return lost_work_requeue()
