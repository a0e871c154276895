"""Pay at the club: staff record desk payments and desk refunds."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.clubs.models import AllocationStatus
from apps.core.errors import Conflict, InvalidInput
from apps.payments import signals
from apps.payments.errors import PaymentErrorCode as Code
from apps.payments.events import payment_event_data
from apps.payments.lock_objects import payment_qs_select_for_update, reservation_lock_or_404
from apps.payments.models import Payment, PaymentMethod, PaymentStatus, Refund, RefundReason, RefundState
from apps.payments.money import money_text
from apps.payments.selectors import amount_due
from apps.payments.services.common import logger, publish_staff
from apps.reservations.events import publish_reservation_event
from apps.reservations.models import PaymentMode, RefundStatus
from apps.reservations.services import reservation_apply_payment


def desk_payment_record(*, reservation_id, actor, amount: Decimal | None = None,
                        now: datetime | None = None) -> Payment:
    """Staff took the money at the desk (pay-at-club bookings)."""
    now = now or timezone.now()
    with transaction.atomic():
        reservation = reservation_lock_or_404(reservation_id)
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
            raise InvalidInput(Code.AMOUNT_TOO_HIGH, f"Only {money_text(due)} {reservation.currency} is due",
                               details={"amount": [f"Only {money_text(due)} {reservation.currency} is due"]})
        count = Payment.objects.filter(reservation=reservation, method=PaymentMethod.DESK).count()
        payment = Payment.objects.create(
            reservation=reservation, method=PaymentMethod.DESK, amount=amount, currency=reservation.currency,
            status=PaymentStatus.SUCCEEDED, amount_received=amount, applied=True, succeeded_at=now,
            recorded_by=actor, idempotency_key=f"padelyzer-desk-{reservation.pk}-{count + 1}")
        reservation_apply_payment(reservation=reservation, amount=amount, reason="paid_at_desk")
        publish_staff(reservation, "payment.received", payment_event_data(
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
        reservation = reservation_lock_or_404(reservation_id)
        if reservation.payment_mode != PaymentMode.PAY_AT_CLUB:
            raise Conflict(Code.NOT_DESK_REFUNDABLE, "This booking was paid online: its refund goes back to the card")
        if reservation.refund_status != RefundStatus.PENDING:
            raise Conflict(Code.NO_REFUND_OWED, "No refund is owed for this booking"
                           if reservation.refund_status == RefundStatus.NONE else "This refund was already given")
        payments = list(payment_qs_select_for_update().filter(
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
                                      refund={"amount": money_text(reservation.refund_amount),
                                              "currency": reservation.currency, "status": reservation.refund_status})
        for refund, payment in refunds:
            publish_staff(reservation, "payment.refunded", payment_event_data(
                payment, reservation, refund={"id": str(refund.pk), "amount": money_text(refund.amount),
                                              "reason": refund.reason},
                recorded_by={"id": str(actor.pk), "name": actor.full_name}))
            signals.payment_refunded.send(sender=Refund, refund=refund, payment=payment, reservation=reservation)
    return [refund for refund, _ in refunds]
