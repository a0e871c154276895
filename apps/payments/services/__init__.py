"""Payments: PaymentIntents, webhooks, refunds, split shares and desk payments.

Rules every function here keeps:
- Stripe is called outside database transactions: no row lock is held across the network.
- State changes run in one transaction that locks the reservation first, then its payments
  and refunds (the same order everywhere, so two workers never deadlock).
- Every Stripe POST carries an idempotency key derived from our rows, so a retry (network
  retry, task redelivered after a worker died, a player pressing "pay" twice) gets the same
  Stripe object back instead of a second one.
- State is taken from Stripe, not from the webhook body: an event only says "look again",
  so duplicated or out-of-order deliveries cannot move a payment backwards.
- Live events are published inside the transaction and leave after commit; tasks are
  enqueued with transaction.on_commit, so a rolled-back change neither talks nor enqueues.
- Row locks come from apps.payments.lock_objects, in the order written there.

Modules: checkout (a booking's or a share's PaymentIntent), split, intents (applying, cancelling
and settling), webhooks, refunds, desk (pay at the club), recovery (the sweep), common.
"""
from apps.payments.errors import PaymentProviderUnavailable, PaymentRefused
from apps.payments.services.checkout import checkout_resume, checkout_start, share_checkout_get
from apps.payments.services.common import (
    TRANSIENT_STRIPE_ERRORS,
    checkout_payload,
    intent_idempotency_key,
    refund_idempotency_key,
)
from apps.payments.services.desk import desk_payment_record, desk_refund_record
from apps.payments.services.intents import (
    card_payment_get_or_create,
    hold_reconcile,
    intent_apply,
    intent_cancel,
    intent_ensure,
    intent_ensure_by_id,
    intent_refresh,
    reservation_settle,
)
from apps.payments.services.recovery import lost_work_requeue
from apps.payments.services.refunds import refund_apply, refund_create, refund_submit
from apps.payments.services.split import split_create
from apps.payments.services.webhooks import stripe_event_process, stripe_event_record

__all__ = [
    "TRANSIENT_STRIPE_ERRORS", "PaymentProviderUnavailable", "PaymentRefused", "card_payment_get_or_create",
    "checkout_resume", "checkout_payload", "checkout_start", "desk_payment_record", "desk_refund_record",
    "hold_reconcile", "intent_apply", "intent_cancel", "intent_ensure", "intent_ensure_by_id",
    "intent_idempotency_key", "intent_refresh", "lost_work_requeue", "refund_apply",
    "refund_create", "refund_idempotency_key", "refund_submit", "reservation_settle", "share_checkout_get",
    "split_create", "stripe_event_process", "stripe_event_record",
]
