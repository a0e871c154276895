"""Refunds: decided by our rules, submitted to Stripe, applied from Stripe's answer."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import stripe
from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.payments import signals
from apps.payments.events import payment_event_data
from apps.payments.lock_objects import payment_qs_select_for_update, refund_qs_select_for_update, reservation_lock
from apps.payments.models import Payment, Refund, RefundReason, RefundState
from apps.payments.money import money_text, to_minor
from apps.payments.services.common import (
    TASK_RETRY,
    logger,
    publish_staff,
    refund_idempotency_key,
    stripe_call,
)
from apps.payments.stripe_client import as_dict
from apps.reservations.models import RefundStatus, Reservation


def refund_create(*, payment: Payment, amount: Decimal, reason: str) -> Refund:
    """Inside the caller's transaction (payment locked). One refund per payment; submitted after commit."""
    refund, created = Refund.objects.get_or_create(
        payment=payment,
        defaults={"amount": amount, "currency": payment.currency, "reason": reason,
                  "idempotency_key": refund_idempotency_key(payment.pk)})
    if created:
        transaction.on_commit(lambda: submit_refund.delay(str(refund.pk)), robust=True)
    return refund


def refund_submit(*, refund_id) -> str:
    """Task body: hands a decided refund to Stripe (same idempotency key on every attempt)."""
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None:
        return "no_refund"
    if refund.status in (RefundState.SUCCEEDED, RefundState.FAILED):
        return "already_final"
    payment = refund.payment
    try:
        if refund.stripe_refund_id:
            obj = stripe_call(lambda c: c.v1.refunds.retrieve(refund.stripe_refund_id))
        else:
            obj = stripe_call(lambda c: c.v1.refunds.create(
                params={"payment_intent": payment.stripe_payment_intent_id,
                        "amount": to_minor(refund.amount, refund.currency),
                        "reason": "requested_by_customer",
                        "metadata": {"refund_id": str(refund.pk), "payment_id": str(payment.pk),
                                     "reservation_id": str(payment.reservation_id), "reason": refund.reason}},
                options={"idempotency_key": refund.idempotency_key}))
    except stripe.InvalidRequestError as exc:  # e.g. already refunded from the Stripe dashboard
        obj = {"id": refund.stripe_refund_id, "status": "failed",
               "failure_reason": f"refused: {exc.code or exc.user_message or 'invalid_request'}",
               "metadata": {"refund_id": str(refund.pk)}}
    return refund_apply(stripe_refund=as_dict(obj))


def refund_apply(*, stripe_refund: dict, now: datetime | None = None) -> str:
    """Brings our refund to Stripe's state; idempotent (final states are final)."""
    obj = stripe_refund
    now = now or timezone.now()
    found = Refund.objects.filter(stripe_refund_id=obj["id"]).first() if obj.get("id") else None
    if found is None:
        refund_id = (obj.get("metadata") or {}).get("refund_id")
        try:
            found = Refund.objects.filter(pk=refund_id).first() if refund_id else None
        except ValidationError:
            found = None
    if found is None:
        return "unknown_refund"
    reservation_id = Payment.objects.filter(pk=found.payment_id).values_list("reservation_id", flat=True).get()
    with transaction.atomic():
        reservation = reservation_lock(reservation_id)
        payment = payment_qs_select_for_update().get(pk=found.payment_id)
        refund = refund_qs_select_for_update().get(pk=found.pk)
        if refund.status in (RefundState.SUCCEEDED, RefundState.FAILED):
            return "already_final"
        if obj.get("object") == "refund":  # a Stripe refund (not our record of a refusal)
            refund.stripe_refund_id = obj["id"]
        status = obj.get("status")
        if status == "succeeded":
            refund.status = RefundState.SUCCEEDED
            refund.completed_at = now
            payment.refunded_amount = min(payment.amount_received, payment.refunded_amount + refund.amount)
            payment.save(update_fields=["refunded_amount", "updated_at"])
            if payment.applied:  # money that counted towards the booking no longer does
                reservation.paid_amount = max(reservation.paid_amount - refund.amount, Decimal("0.00"))
                reservation.save(update_fields=["paid_amount", "updated_at"])
            outcome = "refunded"
        elif status in ("failed", "canceled"):
            refund.status = RefundState.FAILED
            refund.failure_reason = (obj.get("failure_reason") or status)[:255]
            refund.completed_at = now
            outcome = "refund_failed"
        else:  # pending / requires_action: Stripe tells us the end by webhook
            refund.status = RefundState.SUBMITTED
            outcome = "refund_submitted"
        refund.save(update_fields=["stripe_refund_id", "status", "failure_reason", "completed_at", "updated_at"])
        if refund.status == RefundState.SUCCEEDED:
            reservation_refund_status_sync(reservation)
            publish_staff(reservation, "payment.refunded", payment_event_data(
                payment, reservation, refund={"id": str(refund.pk), "amount": money_text(refund.amount),
                                              "reason": refund.reason}))
            signals.payment_refunded.send(sender=Refund, refund=refund, payment=payment, reservation=reservation)
        elif refund.status == RefundState.FAILED:
            publish_staff(reservation, "payment.refund_failed", payment_event_data(
                payment, reservation, refund={"id": str(refund.pk), "amount": money_text(refund.amount),
                                              "reason": refund.reason, "failure": refund.failure_reason}))
            logger.error("Stripe refund %s failed: %s", refund.stripe_refund_id, refund.failure_reason)
    return outcome


def reservation_refund_status_sync(reservation: Reservation) -> None:
    """A booking's refund decision is `refunded` once every refund it decided has gone through."""
    if reservation.refund_status != RefundStatus.PENDING:
        return
    decided = Refund.objects.filter(payment__reservation=reservation,
                                    reason__in=(RefundReason.CANCELLATION, RefundReason.HOLD_EXPIRED))
    if decided.exists() and not decided.exclude(status=RefundState.SUCCEEDED).exists():
        reservation.refund_status = RefundStatus.REFUNDED
        reservation.save(update_fields=["refund_status", "updated_at"])


# The task sits beside its service: refund_create above enqueues it (see apps/payments/tasks.py).
@shared_task(name="payments.submit_refund", **TASK_RETRY)
def submit_refund(refund_id: str) -> str:
    return refund_submit(refund_id=refund_id)
