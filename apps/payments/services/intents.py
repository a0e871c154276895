"""PaymentIntents: created once per payment, brought to Stripe's state, cancelled when unneeded;
and settling a booking that no longer needs (some of) its payments.

Settling and applying an intent live together because each can lead to the other: settling
cancels intents (one may turn out paid: applied), and a payment that completes a booking
settles the booking's other payments (a task, enqueued after commit).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import stripe
from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.clubs.models import AllocationStatus
from apps.payments import signals
from apps.payments.errors import PaymentProviderUnavailable, PaymentRefused
from apps.payments.events import payment_event_data
from apps.payments.lock_objects import payment_qs_select_for_update, reservation_lock
from apps.payments.models import (
    OPEN_STATUSES,
    Payment,
    PaymentMethod,
    PaymentShare,
    PaymentStatus,
    Refund,
    RefundReason,
)
from apps.payments.money import from_minor, money_text, to_minor
from apps.payments.selectors import amount_due
from apps.payments.services.common import (
    INTENT_STATUS,
    TASK_RETRY,
    TRANSIENT_STRIPE_ERRORS,
    intent_idempotency_key,
    logger,
    publish_staff,
    stripe_call,
)
from apps.payments.services.refunds import refund_create, reservation_refund_status_sync
from apps.payments.stripe_client import as_dict, stripe_client
from apps.reservations.models import RefundStatus, Reservation
from apps.reservations.services import reservation_apply_payment

# --- PaymentIntent creation ---

def card_payment_get_or_create(*, reservation: Reservation, share: PaymentShare | None) -> Payment:
    key = intent_idempotency_key(reservation.pk, share.pk if share else None)
    amount = share.amount if share else reservation.price
    try:
        with transaction.atomic():
            payment, _ = Payment.objects.get_or_create(
                idempotency_key=key,
                defaults={"reservation": reservation, "share": share, "method": PaymentMethod.CARD,
                          "amount": amount, "currency": reservation.currency})
    except IntegrityError:  # a concurrent request wrote it first
        payment = Payment.objects.get(idempotency_key=key)
    return payment


def intent_ensure(*, payment: Payment) -> Payment:
    """The payment's PaymentIntent, created at Stripe under the payment's idempotency key.

    Safe to call any number of times, concurrently or after a lost answer: Stripe replays the
    first answer for the same key, so there is never a second intent for one payment.
    """
    if payment.stripe_payment_intent_id and payment.client_secret:
        return payment
    reservation = payment.reservation
    metadata = {"reservation_id": str(payment.reservation_id), "payment_id": str(payment.pk)}
    if payment.share_id:
        metadata["share_id"] = str(payment.share_id)
    params = {
        "amount": to_minor(payment.amount, payment.currency),
        "currency": payment.currency.lower(),
        "automatic_payment_methods": {"enabled": True},
        "description": f"Padelyzer booking {reservation.pk}",
        "metadata": metadata,
    }
    try:
        intent = stripe_client().v1.payment_intents.create(
            params=params, options={"idempotency_key": payment.idempotency_key})
    except TRANSIENT_STRIPE_ERRORS as exc:
        logger.warning("PaymentIntent creation failed for payment %s: %s", payment.pk, exc.__class__.__name__)
        raise PaymentProviderUnavailable() from exc
    except stripe.StripeError as exc:  # refused (bad amount, bad key...): retrying will not help
        logger.error("Stripe refused PaymentIntent for payment %s: %s", payment.pk, exc.user_message or exc)
        raise PaymentRefused() from exc
    with transaction.atomic():
        payment = payment_qs_select_for_update().get(pk=payment.pk)
        if not payment.stripe_payment_intent_id:
            payment.stripe_payment_intent_id = intent.id
            payment.client_secret = intent.client_secret or ""
            if payment.status == PaymentStatus.PENDING:
                payment.status = INTENT_STATUS.get(intent.status, PaymentStatus.REQUIRES_PAYMENT)
            payment.save(update_fields=["stripe_payment_intent_id", "client_secret", "status", "updated_at"])
    return payment


def intent_ensure_by_id(*, payment_id) -> str:
    """Task body: create a missing intent if its payment is still worth paying."""
    payment = Payment.objects.select_related("reservation").filter(pk=payment_id).first()
    if payment is None or payment.method != PaymentMethod.CARD:
        return "no_payment"
    if payment.stripe_payment_intent_id:
        return "exists"
    if payment.status != PaymentStatus.PENDING or payment.reservation.status != AllocationStatus.HELD:
        return "not_needed"
    intent_ensure(payment=payment)
    return "created"


# --- applying what Stripe says about an intent ---

def _payment_for_intent(intent: dict) -> Payment | None:
    payment = Payment.objects.filter(stripe_payment_intent_id=intent["id"]).first()
    if payment is None:  # our create call's answer was lost: the metadata still names the row
        payment_id = (intent.get("metadata") or {}).get("payment_id")
        if payment_id:
            try:
                payment = Payment.objects.filter(pk=payment_id, method=PaymentMethod.CARD).first()
            except ValidationError:  # not a UUID: not ours
                return None
            if payment and payment.stripe_payment_intent_id not in (None, intent["id"]):
                return None
    return payment


def intent_apply(*, intent: dict, event_type: str | None = None, now: datetime | None = None) -> str:
    """Brings our payment (and its booking) to the intent's state; idempotent.

    Transitions only move forward: open -> open/canceled/succeeded, canceled -> succeeded
    (money did arrive: it must be accounted for, and refunded if unneeded). Succeeded is final.
    """
    now = now or timezone.now()
    found = _payment_for_intent(intent)
    if found is None:
        return "unknown_intent"
    with transaction.atomic():
        reservation = reservation_lock(found.reservation_id)
        payment = payment_qs_select_for_update().select_related("share").get(pk=found.pk)
        fields = ["updated_at"]
        if not payment.stripe_payment_intent_id:
            payment.stripe_payment_intent_id = intent["id"]
            payment.client_secret = intent.get("client_secret") or payment.client_secret
            fields += ["stripe_payment_intent_id", "client_secret"]
        if payment.status == PaymentStatus.SUCCEEDED:
            return "already_succeeded"
        status = intent.get("status")
        if status == "succeeded":
            return _payment_succeeded(reservation, payment, intent, now)
        new = INTENT_STATUS.get(status)
        error = ((intent.get("last_payment_error") or {}).get("message") or "")[:500]
        outcome = "unchanged"
        if new is not None and payment.status != PaymentStatus.CANCELED and new != payment.status:
            payment.status = new
            fields.append("status")
            outcome = f"status_{new}"
        if error and error != payment.last_error:
            payment.last_error = error
            fields.append("last_error")
        if len(fields) > 1:
            payment.save(update_fields=fields)
        if event_type == "payment_intent.payment_failed" and payment.status == PaymentStatus.REQUIRES_PAYMENT:
            publish_staff(reservation, "payment.failed", payment_event_data(payment, reservation, error=error))
            outcome = "failed"
        return outcome


def _payment_succeeded(reservation: Reservation, payment: Payment, intent: dict, now: datetime) -> str:
    currency = (intent.get("currency") or payment.currency).upper()
    received = from_minor(intent.get("amount_received") or intent.get("amount") or 0, currency)
    payment.status = PaymentStatus.SUCCEEDED
    payment.amount_received = received
    payment.succeeded_at = now
    payment.last_error = ""
    # Count the money only if the booking still waits for it and it does not over-collect;
    # anything else (hold already expired, booking cancelled, already paid) goes back.
    usable = (reservation.status == AllocationStatus.HELD and currency == reservation.currency.upper()
              and Decimal("0") < received <= amount_due(reservation))
    payment.applied = usable
    payment.save(update_fields=["status", "amount_received", "succeeded_at", "last_error", "applied",
                                "stripe_payment_intent_id", "client_secret", "updated_at"])
    if not usable:
        reason = (RefundReason.LATE_PAYMENT
                  if reservation.status in (AllocationStatus.EXPIRED, AllocationStatus.CANCELLED)
                  else RefundReason.OVERPAYMENT)
        if received > 0:
            refund = refund_create(payment=payment, amount=received, reason=reason)
            publish_staff(reservation, "payment.refund_pending",
                          payment_event_data(payment, reservation, reason=reason,
                                             refund={"id": str(refund.pk), "amount": money_text(refund.amount)}))
        return f"refund_{reason}"
    confirmed = reservation_apply_payment(reservation=reservation, amount=received, reason="payment_succeeded")
    publish_staff(reservation, "payment.succeeded",
                  payment_event_data(payment, reservation, booking_confirmed=confirmed))
    signals.payment_succeeded.send(sender=Payment, payment=payment, reservation=reservation)
    if confirmed and reservation.payments.exclude(pk=payment.pk).filter(status__in=OPEN_STATUSES).exists():
        # shares nobody needs to pay any more
        transaction.on_commit(lambda: settle_reservation.delay(str(reservation.pk)), robust=True)
    return "confirmed" if confirmed else "share_paid"


def intent_refresh(*, payment: Payment, event_type: str | None = None) -> str:
    """Re-reads the payment's intent from Stripe and applies it."""
    if not payment.stripe_payment_intent_id:
        return "no_intent"
    intent = stripe_call(lambda c: c.v1.payment_intents.retrieve(payment.stripe_payment_intent_id))
    return intent_apply(intent=as_dict(intent), event_type=event_type)


# --- settling a booking that no longer needs (some of) its payments ---

def reservation_settle(*, reservation_id, now: datetime | None = None) -> dict:
    """Task body, after a booking is cancelled, expires, or is fully paid.

    Refunds what the booking's refund decision says (cancelled: the club's policy; expired:
    everything paid towards it), forgets intents never created, and cancels open intents at
    Stripe so nobody pays for a slot that is gone. Idempotent: run it as often as you like.
    """
    now = now or timezone.now()
    refunds = 0
    with transaction.atomic():
        reservation = reservation_lock(reservation_id)
        if reservation is None:
            return {"refunds": 0, "cancelled": 0}
        payments = list(payment_qs_select_for_update().filter(reservation=reservation, method=PaymentMethod.CARD))
        if reservation.status == AllocationStatus.EXPIRED and reservation.paid_amount > 0 \
                and reservation.refund_status == RefundStatus.NONE:
            reservation.refund_amount = reservation.paid_amount
            reservation.refund_status = RefundStatus.PENDING
            reservation.save(update_fields=["refund_amount", "refund_status", "updated_at"])
        if reservation.status in (AllocationStatus.CANCELLED, AllocationStatus.EXPIRED) \
                and reservation.refund_status == RefundStatus.PENDING:
            reason = (RefundReason.CANCELLATION if reservation.status == AllocationStatus.CANCELLED
                      else RefundReason.HOLD_EXPIRED)
            existing = {r.payment_id: r for r in Refund.objects.filter(payment__in=payments)}
            remaining = reservation.refund_amount - sum(
                (r.amount for r in existing.values() if r.reason == reason), Decimal("0.00"))
            for payment in payments:
                if remaining <= 0:
                    break
                if not payment.applied or payment.pk in existing:
                    continue
                amount = min(remaining, payment.amount_received - payment.refunded_amount)
                if amount > 0:
                    refund_create(payment=payment, amount=amount, reason=reason)
                    remaining -= amount
                    refunds += 1
            reservation_refund_status_sync(reservation)
        # Intents never created: nobody will pay them now.
        never_created = [p.pk for p in payments if p.status == PaymentStatus.PENDING and not p.stripe_payment_intent_id]
        if reservation.status != AllocationStatus.HELD and never_created:
            Payment.objects.filter(pk__in=never_created).update(status=PaymentStatus.CANCELED, updated_at=now)
        # Open intents nobody should pay any more: all of them once the booking is no longer held;
        # while it is held, only a whole-price intent that a split superseded (CANCELED here, maybe
        # still open at Stripe: cancelling twice is harmless).
        split = reservation.payment_shares.exists()
        superseded = [p for p in payments if p.share_id is None and split
                      and p.status in (*OPEN_STATUSES, PaymentStatus.CANCELED)]
        if reservation.status == AllocationStatus.HELD:
            to_cancel = superseded
        else:
            to_cancel = [p for p in payments if p.status in OPEN_STATUSES or p in superseded]
        to_cancel = [p for p in to_cancel if p.stripe_payment_intent_id]
    cancelled = 0
    for payment in to_cancel:
        intent_cancel(payment=payment)
        cancelled += 1
    return {"refunds": refunds, "cancelled": cancelled}


def intent_cancel(*, payment: Payment) -> str:
    """Cancels an open intent at Stripe; if it was paid meanwhile, that payment is applied
    (and refunded by the rules above) instead."""
    client_call_key = f"{payment.idempotency_key}-cancel"
    try:
        intent = stripe_client().v1.payment_intents.cancel(
            payment.stripe_payment_intent_id, options={"idempotency_key": client_call_key})
    except TRANSIENT_STRIPE_ERRORS as exc:
        raise PaymentProviderUnavailable() from exc
    except stripe.InvalidRequestError:  # already succeeded / canceled / processing: read the truth
        intent = stripe_call(lambda c: c.v1.payment_intents.retrieve(payment.stripe_payment_intent_id))
    return intent_apply(intent=as_dict(intent))


def hold_reconcile(*, reservation_id) -> str:
    """Before a hold is freed: ask Stripe about its open intents (a webhook may be late or lost)."""
    outcome = "none"
    for payment in Payment.objects.filter(reservation_id=reservation_id, method=PaymentMethod.CARD,
                                          status__in=OPEN_STATUSES).exclude(stripe_payment_intent_id=None):
        outcome = intent_refresh(payment=payment)
        if outcome == "confirmed":
            return outcome
    return outcome


# --- Celery entry points, beside their services (these services enqueue them: see apps/payments/tasks.py) ---

@shared_task(name="payments.create_intent", **TASK_RETRY)
def create_intent(payment_id: str) -> str:
    return intent_ensure_by_id(payment_id=payment_id)


@shared_task(name="payments.settle_reservation", **TASK_RETRY)
def settle_reservation(reservation_id: str) -> dict:
    return reservation_settle(reservation_id=reservation_id)
