"""Checkout: a held booking's PaymentIntent, and a split share's pay link."""
from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from apps.clubs.models import AllocationStatus
from apps.core.errors import Conflict, NotFound
from apps.payments.errors import PaymentErrorCode as Code
from apps.payments.errors import PaymentProviderUnavailable, PaymentRefused
from apps.payments.lock_objects import reservation_lock
from apps.payments.models import OPEN_STATUSES, PaymentShare, PaymentStatus
from apps.payments.money import money_text
from apps.payments.services.common import checkout_payload, ensure_awaiting_online_payment
from apps.payments.services.intents import card_payment_get_or_create, create_intent, intent_ensure
from apps.reservations.models import Reservation
from apps.reservations.services import reservation_apply_payment


def checkout_start(*, reservation: Reservation) -> dict:
    """Right after a held booking commits: its PaymentIntent and the checkout answer.

    Synchronous, after the booking's transaction: the player is waiting on the page to pay and
    needs the client_secret in this answer; holding the booking transaction open across a
    network call would keep its rows locked. If Stripe does not answer, the hold still stands,
    a task retries the creation (same idempotency key) and the page can ask again.
    """
    if reservation.price <= 0:  # nothing to charge: the hold is confirmed at once
        with transaction.atomic():
            locked = reservation_lock(reservation.pk)
            if locked.status == AllocationStatus.HELD:
                reservation_apply_payment(reservation=locked, amount=Decimal("0.00"), reason="nothing_to_pay")
        reservation.refresh_from_db()
        return {**checkout_payload(reservation, None), "status": PaymentStatus.SUCCEEDED}
    payment = card_payment_get_or_create(reservation=reservation, share=None)
    try:
        payment = intent_ensure(payment=payment)
    except PaymentProviderUnavailable:
        transaction.on_commit(lambda: create_intent.delay(str(payment.pk)), robust=True)
    except PaymentRefused as exc:  # the booking stands (held); the page shows why it cannot be paid
        return {**checkout_payload(reservation, payment), "error": exc.message}
    return checkout_payload(reservation, payment)


def checkout_resume(*, reservation: Reservation) -> dict:
    """The owner asks again (page reload, or the first creation failed)."""
    ensure_awaiting_online_payment(reservation)
    if reservation.payment_shares.exists():
        raise Conflict(Code.PAYMENT_SPLIT, "This booking is split: each player pays through their link")
    payment = intent_ensure(payment=card_payment_get_or_create(reservation=reservation, share=None))
    return checkout_payload(reservation, payment)


# What PaymentShare.new_token makes (secrets.token_urlsafe), with room to spare.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def share_checkout_get(*, token: str) -> dict:
    """The pay link: the share, its booking, and a client_secret while it can still be paid."""
    share = None
    if _TOKEN.fullmatch(token):  # anything else (a NUL byte, a 1 MB string) names no link either
        share = (PaymentShare.objects.select_related("reservation", "reservation__court", "reservation__court__club",
                                                     "payment").filter(token=token).first())
    if share is None:
        raise NotFound(Code.NOT_FOUND, "This payment link does not exist")
    reservation = share.reservation
    payment = share.payment
    payable = reservation.status == AllocationStatus.HELD and payment.status in OPEN_STATUSES
    if payable:
        payment = intent_ensure(payment=payment)
    club = reservation.court.club
    return {
        "share": {"id": str(share.pk), "index": share.index, "name": share.name, "amount": money_text(share.amount),
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
