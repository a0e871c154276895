"""Stripe webhooks: an event is recorded once, then processed exactly once."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import stripe
from celery import shared_task
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.payments.lock_objects import stripe_event_qs_select_for_update
from apps.payments.models import Refund, StripeEvent
from apps.payments.services.common import TASK_RETRY, logger, stripe_call
from apps.payments.services.intents import intent_apply
from apps.payments.services.refunds import refund_apply
from apps.payments.stripe_client import as_dict


def stripe_event_record(*, payload: bytes) -> tuple[StripeEvent, bool]:
    """Stores a verified event (once per id) and enqueues its processing after commit."""
    data = json.loads(payload)
    obj = data["data"].get("object") if isinstance(data.get("data"), dict) else None
    obj = obj if isinstance(obj, dict) else {}
    try:
        created = datetime.fromtimestamp(int(data.get("created") or 0), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        created = datetime.now(UTC)
    with transaction.atomic():
        event, is_new = StripeEvent.objects.get_or_create(
            event_id=data["id"],
            defaults={"type": data["type"], "object_id": str(obj.get("id") or "")[:255],
                      "livemode": bool(data.get("livemode")), "created": created, "payload": data})
        if not is_new:
            StripeEvent.objects.filter(pk=event.pk).update(deliveries=F("deliveries") + 1)
        if event.processed_at is None:  # a redelivery re-enqueues work a lost message never did
            transaction.on_commit(lambda: process_stripe_event.delay(event.event_id), robust=True)
    return event, is_new


_INTENT_EVENTS = ("payment_intent.",)
_REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")


def stripe_event_process(*, event_id: str, now: datetime | None = None) -> str:
    """Applies one recorded event exactly once (the event row is locked and marked in the same
    transaction as the state change it causes)."""
    now = now or timezone.now()
    event = StripeEvent.objects.filter(event_id=event_id).first()
    if event is None:
        return "unknown_event"
    if event.processed_at is not None:
        return "duplicate"
    obj = (event.payload.get("data") or {}).get("object") or {}
    obj_id = obj.get("id") if isinstance(obj, dict) else None
    fresh = None
    settled_as = None  # an outcome that needs no state change
    try:
        if event.type.startswith(_INTENT_EVENTS + _REFUND_EVENTS) and not isinstance(obj_id, str):
            settled_as = "malformed"
        elif event.type.startswith(_INTENT_EVENTS):
            fresh = as_dict(stripe_call(lambda c: c.v1.payment_intents.retrieve(obj_id)))
        elif event.type in _REFUND_EVENTS:
            fresh = as_dict(stripe_call(lambda c: c.v1.refunds.retrieve(obj_id)))
        elif event.type == "charge.refunded" and obj.get("payment_intent"):
            fresh = [as_dict(stripe_call(lambda c, r=r: c.v1.refunds.retrieve(r.stripe_refund_id)))
                     for r in Refund.objects.filter(payment__stripe_payment_intent_id=obj["payment_intent"])
                     .exclude(stripe_refund_id=None)]
    except stripe.InvalidRequestError as exc:  # Stripe does not know the object (other account or mode)
        logger.warning("Stripe event %s names an object Stripe cannot find: %s", event.event_id, exc.code)
        settled_as = "not_found_at_stripe"
    with transaction.atomic():
        event = stripe_event_qs_select_for_update().get(pk=event.pk)
        if event.processed_at is not None:
            return "duplicate"
        if settled_as:
            outcome = settled_as
        elif event.type.startswith(_INTENT_EVENTS):
            outcome = intent_apply(intent=fresh, event_type=event.type, now=now)
        elif event.type in _REFUND_EVENTS:
            outcome = refund_apply(stripe_refund=fresh, now=now)
        elif event.type == "charge.refunded":
            outcome = ",".join(refund_apply(stripe_refund=r, now=now) for r in fresh or []) or "no_refund"
        else:
            outcome = "ignored"
        event.processed_at = now
        event.outcome = outcome[:64]
        event.save(update_fields=["processed_at", "outcome"])
    return outcome


# The task sits beside its service: stripe_event_record above enqueues it (see apps/payments/tasks.py).
@shared_task(name="payments.process_stripe_event", **TASK_RETRY)
def process_stripe_event(event_id: str) -> str:
    return stripe_event_process(event_id=event_id)
