"""Payment work on the `high_priority` queue.

Every task is idempotent (see services: idempotency keys towards Stripe, row locks and final
states here), because the broker delivers at least once: acks_late plus reject_on_worker_lost
re-deliver a task whose worker died half-way. Transient Stripe failures retry with backoff;
`sweep` re-enqueues anything a lost message left behind.
"""
from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps.payments import services

RETRY = {"autoretry_for": (services.PaymentProviderUnavailable,), "retry_backoff": 5, "retry_backoff_max": 300,
         "retry_jitter": True, "max_retries": 10}


@shared_task(name="payments.process_stripe_event", **RETRY)
def process_stripe_event(event_id: str) -> str:
    return services.stripe_event_process(event_id)


@shared_task(name="payments.create_intent", **RETRY)
def create_intent(payment_id: str) -> str:
    return services.intent_ensure_by_id(payment_id)


@shared_task(name="payments.submit_refund", **RETRY)
def submit_refund(refund_id: str) -> str:
    return services.refund_submit(refund_id)


@shared_task(name="payments.settle_reservation", **RETRY)
def settle_reservation(reservation_id: str) -> dict:
    return services.reservation_settle(reservation_id)


def enqueue_settle_cancelled(reservation_id) -> None:
    """From a cancellation's transaction: refund per policy and cancel open intents, after commit."""
    services.enqueue("settle_reservation", reservation_id)


@shared_task(name="payments.sweep")  # beat sends it to `maintenance`
def sweep() -> dict:
    """Re-enqueues payment work whose message was lost (broker down at enqueue time, or a
    worker that died with the task). Re-running any of it is harmless."""
    from apps.clubs.models import AllocationStatus
    from apps.payments.models import Payment, PaymentMethod, PaymentStatus, Refund, RefundState, StripeEvent

    now = timezone.now()
    counts = {"events": 0, "refunds": 0, "intents": 0}
    with transaction.atomic():
        for event_id in StripeEvent.objects.filter(processed_at=None, received_at__lt=now - timedelta(minutes=2)) \
                .values_list("event_id", flat=True)[:500]:
            services.enqueue("process_stripe_event", event_id)
            counts["events"] += 1
        stale_refunds = Refund.objects.filter(
            status__in=(RefundState.PENDING, RefundState.SUBMITTED), updated_at__lt=now - timedelta(minutes=2))
        for refund_id in stale_refunds.values_list("pk", flat=True)[:500]:
            services.enqueue("submit_refund", refund_id)
            counts["refunds"] += 1
        missing = Payment.objects.filter(method=PaymentMethod.CARD, status=PaymentStatus.PENDING,
                                         stripe_payment_intent_id=None, share=None,
                                         reservation__status=AllocationStatus.HELD,
                                         created_at__lt=now - timedelta(minutes=1))
        for payment_id in missing.values_list("pk", flat=True)[:500]:
            services.enqueue("create_intent", payment_id)
            counts["intents"] += 1
    return counts
