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
"""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.clubs.models import AllocationStatus
from apps.core.errors import ApplicationError, Conflict, InvalidInput, NotFound, ServiceUnavailable
from apps.payments import signals
from apps.payments.errors import PaymentErrorCode as Code
from apps.payments.events import payment_event_data, payment_split_data
from apps.payments.models import (
    OPEN_STATUSES,
    Payment,
    PaymentMethod,
    PaymentShare,
    PaymentStatus,
    Refund,
    RefundReason,
    RefundState,
    StripeEvent,
)
from apps.payments.money import from_minor, split_amount, to_minor
from apps.payments.stripe_client import as_dict, stripe_client
from apps.reservations.events import publish_reservation_event
from apps.reservations.models import PaymentMode, RefundStatus, Reservation
from apps.reservations.services import lock_reservation, reservation_apply_payment
from routing.publisher import publish
from routing.streams import staff_stream

logger = logging.getLogger("padelyzer.payments")

# Errors worth retrying later: Stripe unreachable, 5xx, rate limited.
TRANSIENT_STRIPE_ERRORS = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)

_INTENT_STATUS = {
    "requires_payment_method": PaymentStatus.REQUIRES_PAYMENT,
    "requires_confirmation": PaymentStatus.REQUIRES_PAYMENT,
    "requires_action": PaymentStatus.REQUIRES_PAYMENT,
    "requires_capture": PaymentStatus.PROCESSING,
    "processing": PaymentStatus.PROCESSING,
    "canceled": PaymentStatus.CANCELED,
}


class PaymentProviderUnavailable(ServiceUnavailable):
    """Stripe could not be reached (or failed); the caller may retry, nothing was lost."""

    def __init__(self, message="The payment provider is not answering; please retry in a moment"):
        super().__init__(Code.PROVIDER_UNAVAILABLE, message)


class PaymentRefused(ApplicationError):
    """Stripe answered no (bad amount, bad configuration): retrying the same request will not help."""

    status = 502

    def __init__(self, message="The payment provider refused this payment; please contact the club"):
        super().__init__(Code.PROVIDER_REFUSED, message)


# --- keys that reach Stripe: derived from our rows, stable across retries ---

def intent_idempotency_key(reservation_id, share_id=None) -> str:
    base = f"padelyzer-pi-{reservation_id}"
    return f"{base}-share-{share_id}" if share_id else base


def refund_idempotency_key(payment_id) -> str:
    return f"padelyzer-refund-{payment_id}"


# --- payloads ---

def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def amount_due(reservation: Reservation) -> Decimal:
    return max(reservation.price - reservation.paid_amount, Decimal("0.00"))


def _locked_reservation_or_404(reservation_id) -> Reservation:
    reservation = lock_reservation(reservation_id)
    if reservation is None:
        raise NotFound("not_found", "Not found")
    return reservation


def _publish_staff(reservation: Reservation, type: str, data: dict) -> None:
    publish(staff_stream(reservation.court.club_id), type, data)


def checkout_payload(reservation: Reservation, payment: Payment | None) -> dict:
    """The `payment` object of a held booking: what the page needs to open Stripe Elements."""
    return {
        "mode": PaymentMode.ONLINE,
        "status": payment.status if payment else PaymentStatus.PENDING,
        "payment_id": str(payment.pk) if payment else None,
        "client_secret": (payment.client_secret or None) if payment else None,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY or None,
        "hold_expires_at": reservation.hold_expires_at.isoformat() if reservation.hold_expires_at else None,
        "amount_due": _money(amount_due(reservation)),
        "paid_amount": _money(reservation.paid_amount),
        "currency": reservation.currency,
    }


# --- PaymentIntent creation ---

def _card_payment(*, reservation: Reservation, share: PaymentShare | None) -> Payment:
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


def intent_ensure(payment: Payment) -> Payment:
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
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if not payment.stripe_payment_intent_id:
            payment.stripe_payment_intent_id = intent.id
            payment.client_secret = intent.client_secret or ""
            if payment.status == PaymentStatus.PENDING:
                payment.status = _INTENT_STATUS.get(intent.status, PaymentStatus.REQUIRES_PAYMENT)
            payment.save(update_fields=["stripe_payment_intent_id", "client_secret", "status", "updated_at"])
    return payment


def intent_ensure_by_id(payment_id) -> str:
    """Task body: create a missing intent if its payment is still worth paying."""
    payment = Payment.objects.select_related("reservation").filter(pk=payment_id).first()
    if payment is None or payment.method != PaymentMethod.CARD:
        return "no_payment"
    if payment.stripe_payment_intent_id:
        return "exists"
    if payment.status != PaymentStatus.PENDING or payment.reservation.status != AllocationStatus.HELD:
        return "not_needed"
    intent_ensure(payment)
    return "created"


def checkout_start(reservation: Reservation) -> dict:
    """Right after a held booking commits: its PaymentIntent and the checkout answer.

    Synchronous, after the booking's transaction: the player is waiting on the page to pay and
    needs the client_secret in this answer; holding the booking transaction open across a
    network call would keep its rows locked. If Stripe does not answer, the hold still stands,
    a task retries the creation (same idempotency key) and the page can ask again.
    """
    if reservation.price <= 0:  # nothing to charge: the hold is confirmed at once
        with transaction.atomic():
            locked = lock_reservation(reservation.pk)
            if locked.status == AllocationStatus.HELD:
                reservation_apply_payment(reservation=locked, amount=Decimal("0.00"), reason="nothing_to_pay")
        reservation.refresh_from_db()
        return {**checkout_payload(reservation, None), "status": PaymentStatus.SUCCEEDED}
    payment = _card_payment(reservation=reservation, share=None)
    try:
        payment = intent_ensure(payment)
    except PaymentProviderUnavailable:
        enqueue("create_intent", payment.pk)
    except PaymentRefused as exc:  # the booking stands (held); the page shows why it cannot be paid
        return {**checkout_payload(reservation, payment), "error": exc.message}
    return checkout_payload(reservation, payment)


def checkout_for(reservation: Reservation) -> dict:
    """The owner asks again (page reload, or the first creation failed)."""
    if reservation.payment_mode != PaymentMode.ONLINE:
        raise Conflict(Code.NOT_ONLINE, "This booking is paid at the club")
    if reservation.status != AllocationStatus.HELD:
        raise Conflict(Code.NOT_PAYABLE, f"A {reservation.status} booking is not waiting for payment")
    if reservation.payment_shares.exists():
        raise Conflict(Code.PAYMENT_SPLIT, "This booking is split: each player pays through their link")
    payment = intent_ensure(_card_payment(reservation=reservation, share=None))
    return checkout_payload(reservation, payment)


# --- split payment ---

def split_create(*, reservation_id, players: list[dict], now: datetime | None = None) -> list[PaymentShare]:
    """Splits a held, unpaid booking into one share (and pay link) per player.

    The booking's whole-price intent is superseded (cancelled at Stripe by a task); if it gets
    paid anyway, the payment rules below refund whatever the booking does not need.
    """
    now = now or timezone.now()
    with transaction.atomic():
        reservation = _locked_reservation_or_404(reservation_id)
        if reservation.payment_mode != PaymentMode.ONLINE:
            raise Conflict(Code.NOT_ONLINE, "This booking is paid at the club")
        if reservation.status != AllocationStatus.HELD:
            raise Conflict(Code.NOT_PAYABLE, f"A {reservation.status} booking is not waiting for payment")
        if reservation.payment_shares.exists():
            raise Conflict(Code.ALREADY_SPLIT, "This booking is already split")
        if reservation.paid_amount > 0 or reservation.payments.filter(status=PaymentStatus.SUCCEEDED).exists():
            raise Conflict(Code.ALREADY_PAID, "Part of this booking is already paid")
        if reservation.price <= 0:
            raise Conflict(Code.NOT_PAYABLE, "This booking costs nothing")
        amounts = split_amount(reservation.price, len(players), reservation.currency)
        if any(a <= 0 for a in amounts):
            raise InvalidInput("invalid_split", "Too many players for this price",
                               details={"players": ["Too many players for this price"]})
        shares = PaymentShare.objects.bulk_create([
            PaymentShare(reservation=reservation, index=i + 1, name=p.get("name", "")[:120],
                         email=p.get("email", ""), amount=amount, currency=reservation.currency,
                         token=PaymentShare.new_token())
            for i, (p, amount) in enumerate(zip(players, amounts))])
        for share in shares:
            Payment.objects.create(reservation=reservation, share=share, method=PaymentMethod.CARD,
                                   amount=share.amount, currency=share.currency,
                                   idempotency_key=intent_idempotency_key(reservation.pk, share.pk))
        superseded = reservation.payments.filter(share__isnull=True, status__in=OPEN_STATUSES)
        cancel_at_stripe = superseded.exclude(stripe_payment_intent_id=None).exists()
        superseded.update(status=PaymentStatus.CANCELED, updated_at=now)
        extended = now + timedelta(minutes=settings.PAYMENT_SPLIT_HOLD_MINUTES)
        if reservation.hold_expires_at is None or reservation.hold_expires_at < extended:
            reservation.hold_expires_at = extended
            reservation.save(update_fields=["hold_expires_at", "updated_at"])
        _publish_staff(reservation, "payment.split", payment_split_data(reservation, shares))
        if cancel_at_stripe:
            enqueue("settle_reservation", reservation.pk)
    return shares


def share_checkout(token: str) -> dict:
    """The pay link: the share, its booking, and a client_secret while it can still be paid."""
    share = (PaymentShare.objects.select_related("reservation", "reservation__court", "reservation__court__club",
                                                 "payment").filter(token=token).first())
    if share is None:
        raise NotFound("not_found", "This payment link does not exist")
    reservation = share.reservation
    payment = share.payment
    payable = reservation.status == AllocationStatus.HELD and payment.status in OPEN_STATUSES
    if payable:
        payment = intent_ensure(payment)
    club = reservation.court.club
    return {
        "share": {"id": str(share.pk), "index": share.index, "name": share.name, "amount": _money(share.amount),
                  "currency": share.currency, "status": payment.status},
        "reservation": {"id": str(reservation.pk), "club": str(club.pk), "club_name": club.name,
                        "court": str(reservation.court_id), "court_name": reservation.court.name,
                        "start": reservation.period.lower.isoformat(), "end": reservation.period.upper.isoformat(),
                        "status": reservation.status,
                        "hold_expires_at": reservation.hold_expires_at.isoformat()
                        if reservation.hold_expires_at else None},
        "payable": payable,
        "client_secret": (payment.client_secret or None) if payable else None,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY or None,
    }


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


def intent_apply(intent: dict, *, event_type: str | None = None, now: datetime | None = None) -> str:
    """Brings our payment (and its booking) to the intent's state; idempotent.

    Transitions only move forward: open -> open/canceled/succeeded, canceled -> succeeded
    (money did arrive: it must be accounted for, and refunded if unneeded). Succeeded is final.
    """
    now = now or timezone.now()
    found = _payment_for_intent(intent)
    if found is None:
        return "unknown_intent"
    with transaction.atomic():
        reservation = lock_reservation(found.reservation_id)
        payment = Payment.objects.select_for_update(of=("self",)).select_related("share").get(pk=found.pk)
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
        new = _INTENT_STATUS.get(status)
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
            _publish_staff(reservation, "payment.failed", payment_event_data(payment, reservation, error=error))
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
            refund = _refund_create(payment, amount=received, reason=reason)
            _publish_staff(reservation, "payment.refund_pending",
                           payment_event_data(payment, reservation, reason=reason,
                                              refund={"id": str(refund.pk), "amount": _money(refund.amount)}))
        return f"refund_{reason}"
    confirmed = reservation_apply_payment(reservation=reservation, amount=received, reason="payment_succeeded")
    _publish_staff(reservation, "payment.succeeded",
                   payment_event_data(payment, reservation, booking_confirmed=confirmed))
    signals.payment_succeeded.send(sender=Payment, payment=payment, reservation=reservation)
    if confirmed and reservation.payments.exclude(pk=payment.pk).filter(status__in=OPEN_STATUSES).exists():
        enqueue("settle_reservation", reservation.pk)  # shares nobody needs to pay any more
    return "confirmed" if confirmed else "share_paid"


def intent_refresh(payment: Payment, *, event_type: str | None = None) -> str:
    """Re-reads the payment's intent from Stripe and applies it."""
    if not payment.stripe_payment_intent_id:
        return "no_intent"
    intent = _stripe_call(lambda c: c.v1.payment_intents.retrieve(payment.stripe_payment_intent_id))
    return intent_apply(as_dict(intent), event_type=event_type)


def _stripe_call(fn):
    try:
        return fn(stripe_client())
    except TRANSIENT_STRIPE_ERRORS as exc:
        raise PaymentProviderUnavailable() from exc


# --- webhooks ---

def stripe_event_record(payload: bytes) -> tuple[StripeEvent, bool]:
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
            enqueue("process_stripe_event", event.event_id)
    return event, is_new


_INTENT_EVENTS = ("payment_intent.",)
_REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")


def stripe_event_process(event_id: str, *, now: datetime | None = None) -> str:
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
            fresh = as_dict(_stripe_call(lambda c: c.v1.payment_intents.retrieve(obj_id)))
        elif event.type in _REFUND_EVENTS:
            fresh = as_dict(_stripe_call(lambda c: c.v1.refunds.retrieve(obj_id)))
        elif event.type == "charge.refunded" and obj.get("payment_intent"):
            fresh = [as_dict(_stripe_call(lambda c, r=r: c.v1.refunds.retrieve(r.stripe_refund_id)))
                     for r in Refund.objects.filter(payment__stripe_payment_intent_id=obj["payment_intent"])
                     .exclude(stripe_refund_id=None)]
    except stripe.InvalidRequestError as exc:  # Stripe does not know the object (other account or mode)
        logger.warning("Stripe event %s names an object Stripe cannot find: %s", event.event_id, exc.code)
        settled_as = "not_found_at_stripe"
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().get(pk=event.pk)
        if event.processed_at is not None:
            return "duplicate"
        if settled_as:
            outcome = settled_as
        elif event.type.startswith(_INTENT_EVENTS):
            outcome = intent_apply(fresh, event_type=event.type, now=now)
        elif event.type in _REFUND_EVENTS:
            outcome = refund_apply(fresh, now=now)
        elif event.type == "charge.refunded":
            outcome = ",".join(refund_apply(r, now=now) for r in fresh or []) or "no_refund"
        else:
            outcome = "ignored"
        event.processed_at = now
        event.outcome = outcome[:64]
        event.save(update_fields=["processed_at", "outcome"])
    return outcome


# --- refunds ---

def _refund_create(payment: Payment, *, amount: Decimal, reason: str) -> Refund:
    """Inside the caller's transaction (payment locked). One refund per payment."""
    refund, created = Refund.objects.get_or_create(
        payment=payment,
        defaults={"amount": amount, "currency": payment.currency, "reason": reason,
                  "idempotency_key": refund_idempotency_key(payment.pk)})
    if created:
        enqueue("submit_refund", refund.pk)
    return refund


def refund_submit(refund_id) -> str:
    """Task body: hands a decided refund to Stripe (same idempotency key on every attempt)."""
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None:
        return "no_refund"
    if refund.status in (RefundState.SUCCEEDED, RefundState.FAILED):
        return "already_final"
    payment = refund.payment
    try:
        if refund.stripe_refund_id:
            obj = _stripe_call(lambda c: c.v1.refunds.retrieve(refund.stripe_refund_id))
        else:
            obj = _stripe_call(lambda c: c.v1.refunds.create(
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
    return refund_apply(as_dict(obj))


def refund_apply(obj: dict, *, now: datetime | None = None) -> str:
    """Brings our refund to Stripe's state; idempotent (final states are final)."""
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
        reservation = lock_reservation(reservation_id)
        payment = Payment.objects.select_for_update().get(pk=found.payment_id)
        refund = Refund.objects.select_for_update().get(pk=found.pk)
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
            _sync_reservation_refund_status(reservation)
            _publish_staff(reservation, "payment.refunded", payment_event_data(
                payment, reservation, refund={"id": str(refund.pk), "amount": _money(refund.amount),
                                              "reason": refund.reason}))
            signals.payment_refunded.send(sender=Refund, refund=refund, payment=payment, reservation=reservation)
        elif refund.status == RefundState.FAILED:
            _publish_staff(reservation, "payment.refund_failed", payment_event_data(
                payment, reservation, refund={"id": str(refund.pk), "amount": _money(refund.amount),
                                              "reason": refund.reason, "failure": refund.failure_reason}))
            logger.error("Stripe refund %s failed: %s", refund.stripe_refund_id, refund.failure_reason)
    return outcome


def _sync_reservation_refund_status(reservation: Reservation) -> None:
    """A booking's refund decision is `refunded` once every refund it decided has gone through."""
    if reservation.refund_status != RefundStatus.PENDING:
        return
    decided = Refund.objects.filter(payment__reservation=reservation,
                                    reason__in=(RefundReason.CANCELLATION, RefundReason.HOLD_EXPIRED))
    if decided.exists() and not decided.exclude(status=RefundState.SUCCEEDED).exists():
        reservation.refund_status = RefundStatus.REFUNDED
        reservation.save(update_fields=["refund_status", "updated_at"])


# --- settling a booking that no longer needs (some of) its payments ---

def reservation_settle(reservation_id, *, now: datetime | None = None) -> dict:
    """Task body, after a booking is cancelled, expires, or is fully paid.

    Refunds what the booking's refund decision says (cancelled: the club's policy; expired:
    everything paid towards it), forgets intents never created, and cancels open intents at
    Stripe so nobody pays for a slot that is gone. Idempotent: run it as often as you like.
    """
    now = now or timezone.now()
    refunds = 0
    with transaction.atomic():
        reservation = lock_reservation(reservation_id)
        if reservation is None:
            return {"refunds": 0, "cancelled": 0}
        payments = list(Payment.objects.select_for_update().filter(reservation=reservation, method=PaymentMethod.CARD))
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
                    _refund_create(payment, amount=amount, reason=reason)
                    remaining -= amount
                    refunds += 1
            _sync_reservation_refund_status(reservation)
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
        intent_cancel(payment)
        cancelled += 1
    return {"refunds": refunds, "cancelled": cancelled}


def intent_cancel(payment: Payment) -> str:
    """Cancels an open intent at Stripe; if it was paid meanwhile, that payment is applied
    (and refunded by the rules above) instead."""
    client_call_key = f"{payment.idempotency_key}-cancel"
    try:
        intent = stripe_client().v1.payment_intents.cancel(
            payment.stripe_payment_intent_id, options={"idempotency_key": client_call_key})
    except TRANSIENT_STRIPE_ERRORS as exc:
        raise PaymentProviderUnavailable() from exc
    except stripe.InvalidRequestError:  # already succeeded / canceled / processing: read the truth
        intent = _stripe_call(lambda c: c.v1.payment_intents.retrieve(payment.stripe_payment_intent_id))
    return intent_apply(as_dict(intent))


def holds_reconcile(reservation_id) -> str:
    """Before a hold is freed: ask Stripe about its open intents (a webhook may be late or lost)."""
    outcome = "none"
    for payment in Payment.objects.filter(reservation_id=reservation_id, method=PaymentMethod.CARD,
                                          status__in=OPEN_STATUSES).exclude(stripe_payment_intent_id=None):
        outcome = intent_refresh(payment)
        if outcome == "confirmed":
            return outcome
    return outcome


# --- pay at the club ---

def desk_payment_record(*, reservation_id, actor, amount: Decimal | None = None,
                        now: datetime | None = None) -> Payment:
    """Staff took the money at the desk (pay-at-club bookings)."""
    now = now or timezone.now()
    with transaction.atomic():
        reservation = _locked_reservation_or_404(reservation_id)
        if reservation.payment_mode != PaymentMode.PAY_AT_CLUB:
            raise Conflict(Code.NOT_PAYABLE, "This booking is paid online")
        if reservation.status not in (AllocationStatus.CONFIRMED, AllocationStatus.COMPLETED,
                                      AllocationStatus.NO_SHOW):
            raise Conflict(Code.NOT_PAYABLE, f"A {reservation.status} booking cannot be paid")
        due = amount_due(reservation)
        if due <= 0:
            raise Conflict(Code.ALREADY_PAID, "This booking is already paid")
        amount = due if amount is None else amount
        if amount > due:
            raise InvalidInput("amount_too_high", f"Only {_money(due)} {reservation.currency} is due",
                               details={"amount": [f"Only {_money(due)} {reservation.currency} is due"]})
        count = Payment.objects.filter(reservation=reservation, method=PaymentMethod.DESK).count()
        payment = Payment.objects.create(
            reservation=reservation, method=PaymentMethod.DESK, amount=amount, currency=reservation.currency,
            status=PaymentStatus.SUCCEEDED, amount_received=amount, applied=True, succeeded_at=now,
            recorded_by=actor, idempotency_key=f"padelyzer-desk-{reservation.pk}-{count + 1}")
        reservation_apply_payment(reservation=reservation, amount=amount, reason="paid_at_desk")
        _publish_staff(reservation, "payment.received", payment_event_data(
            payment, reservation, recorded_by={"id": str(actor.pk), "name": actor.full_name}))
        signals.payment_succeeded.send(sender=Payment, payment=payment, reservation=reservation)
    return payment


def desk_refund_record(*, reservation_id, actor, now: datetime | None = None) -> list[Refund]:
    """Staff handed back at the desk the refund a cancelled pay-at-club booking is owed.

    The cancellation decided the amount (the club's policy); this records that it was paid out,
    against the desk payments, so the booking's refund is `refunded` and the player is told.
    """
    now = now or timezone.now()
    with transaction.atomic():
        reservation = _locked_reservation_or_404(reservation_id)
        if reservation.payment_mode != PaymentMode.PAY_AT_CLUB:
            raise Conflict(Code.NOT_DESK_REFUNDABLE, "This booking was paid online: its refund goes back to the card")
        if reservation.refund_status != RefundStatus.PENDING:
            raise Conflict(Code.NO_REFUND_OWED, "No refund is owed for this booking"
                           if reservation.refund_status == RefundStatus.NONE else "This refund was already given")
        payments = list(Payment.objects.select_for_update().filter(
            reservation=reservation, method=PaymentMethod.DESK, applied=True).order_by("created_at"))
        already = {r.payment_id for r in Refund.objects.filter(payment__in=payments)}
        remaining = reservation.refund_amount
        refunds = []
        for payment in payments:
            amount = min(remaining, payment.amount_received - payment.refunded_amount)
            if payment.pk in already or amount <= 0:
                continue
            refund = Refund.objects.create(
                payment=payment, amount=amount, currency=payment.currency, reason=RefundReason.CANCELLATION,
                status=RefundState.SUCCEEDED, completed_at=now,
                idempotency_key=f"padelyzer-desk-refund-{payment.pk}")
            payment.refunded_amount += amount
            payment.save(update_fields=["refunded_amount", "updated_at"])
            reservation.paid_amount = max(reservation.paid_amount - amount, Decimal("0.00"))
            remaining -= amount
            refunds.append((refund, payment))
        reservation.refund_status = RefundStatus.REFUNDED
        reservation.save(update_fields=["paid_amount", "refund_status", "updated_at"])
        if not refunds:  # owed on paper, but no desk money left to give back: close it, tell screens
            logger.warning("desk refund for %s: no unrefunded desk payment left", reservation.pk)
            publish_reservation_event(reservation, "reservation.updated", reason="refunded_at_desk",
                                      refund={"amount": _money(reservation.refund_amount),
                                              "currency": reservation.currency, "status": reservation.refund_status})
        for refund, payment in refunds:
            _publish_staff(reservation, "payment.refunded", payment_event_data(
                payment, reservation, refund={"id": str(refund.pk), "amount": _money(refund.amount),
                                              "reason": refund.reason},
                recorded_by={"id": str(actor.pk), "name": actor.full_name}))
            signals.payment_refunded.send(sender=Refund, refund=refund, payment=payment, reservation=reservation)
    return [refund for refund, _ in refunds]


# --- enqueueing (after commit only) ---

def enqueue(task_name: str, *args) -> None:
    """Schedules a payments task for after the current transaction commits (at once outside one)."""
    from apps.payments import tasks

    task = getattr(tasks, task_name)
    args = tuple(str(a) for a in args)
    transaction.on_commit(lambda: task.apply_async(args=args, queue="high_priority"), robust=True)
