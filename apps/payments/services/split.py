"""Split payment: one share (and pay link) per player."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.errors import Conflict, InvalidInput
from apps.payments.errors import PaymentErrorCode as Code
from apps.payments.events import payment_split_data
from apps.payments.lock_objects import reservation_lock_or_404
from apps.payments.models import OPEN_STATUSES, Payment, PaymentMethod, PaymentShare, PaymentStatus
from apps.payments.money import split_amount
from apps.payments.services.common import ensure_awaiting_online_payment, intent_idempotency_key, publish_staff
from apps.payments.services.intents import settle_reservation


def split_create(*, reservation_id, players: list[dict], now: datetime | None = None) -> list[PaymentShare]:
    """Splits a held, unpaid booking into one share (and pay link) per player.

    The booking's whole-price intent is superseded (cancelled at Stripe by a task); if it gets
    paid anyway, the payment rules below refund whatever the booking does not need.
    """
    now = now or timezone.now()
    with transaction.atomic():
        reservation = reservation_lock_or_404(reservation_id)
        ensure_awaiting_online_payment(reservation)
        if reservation.payment_shares.exists():
            raise Conflict(Code.ALREADY_SPLIT, "This booking is already split")
        if reservation.paid_amount > 0 or reservation.payments.filter(status=PaymentStatus.SUCCEEDED).exists():
            raise Conflict(Code.ALREADY_PAID, "Part of this booking is already paid")
        if reservation.price <= 0:
            raise Conflict(Code.NOT_PAYABLE, "This booking costs nothing")
        amounts = split_amount(reservation.price, len(players), reservation.currency)
        if any(a <= 0 for a in amounts):
            raise InvalidInput(Code.INVALID_SPLIT, "Too many players for this price",
                               details={"players": ["Too many players for this price"]})
        shares = PaymentShare.objects.bulk_create([
            PaymentShare(reservation=reservation, index=i + 1, name=p.get("name", "")[:120],
                         email=p.get("email", ""), amount=amount, currency=reservation.currency,
                         token=PaymentShare.new_token())
            for i, (p, amount) in enumerate(zip(players, amounts, strict=True))])
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
        publish_staff(reservation, "payment.split", payment_split_data(reservation, shares))
        if cancel_at_stripe:
            transaction.on_commit(lambda: settle_reservation.delay(str(reservation.pk)), robust=True)
    return shares
