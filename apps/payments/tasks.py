"""Payment work: `high_priority` queue (`sweep` on `maintenance`); project/celery.py routes by name.

Every task is idempotent (see services: idempotency keys towards Stripe, row locks and final
states), because the broker delivers at least once: acks_late plus reject_on_worker_lost
re-deliver a task whose worker died half-way. Transient Stripe failures retry with backoff;
`sweep` re-enqueues anything a lost message left behind.

Each task runs one service and is defined beside it, in apps.payments.services: those services
enqueue tasks themselves (`transaction.on_commit(lambda: task.delay(...))`), and the work is
recursive (settling a booking can confirm a payment that settles the booking again), so a tasks
module importing the services that import it would be an import cycle. This module gathers the
tasks for Celery's autodiscovery and for callers.
"""
from apps.payments.services.intents import create_intent, settle_reservation
from apps.payments.services.recovery import sweep
from apps.payments.services.refunds import submit_refund
from apps.payments.services.webhooks import process_stripe_event

__all__ = ["create_intent", "process_stripe_event", "settle_reservation", "submit_refund", "sweep"]
