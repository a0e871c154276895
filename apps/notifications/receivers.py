"""Booking and payment signals -> notifications, in the sender's transaction; an account's
phone code -> an SMS after commit.

A failing notification must never undo a booking: each runs in its own savepoint and is logged.
"""
import logging

import sentry_sdk
from django.contrib.auth import get_user_model
from django.db import transaction
from django.dispatch import receiver

from apps.accounts.signals import phone_code_issued
from apps.notifications import services, triggers
from apps.payments import signals as payment_signals
from apps.reservations.signals import reservation_cancelled, reservation_confirmed

logger = logging.getLogger("padelyzer.notifications")


def _guarded(name: str, func, *args):
    try:
        with transaction.atomic():
            func(*args)
    except Exception:
        logger.exception("notification trigger %s failed", name)
        try:
            sentry_sdk.capture_exception()
        except Exception:  # pragma: no cover
            pass


@receiver(reservation_confirmed, dispatch_uid="notifications.booking_confirmed")
def on_reservation_confirmed(sender, reservation, **kwargs):
    _guarded("booking_confirmed", triggers.notify_booking_confirmed, reservation)


@receiver(reservation_cancelled, dispatch_uid="notifications.booking_cancelled")
def on_reservation_cancelled(sender, reservation, refund=None, **kwargs):
    _guarded("booking_cancelled", triggers.notify_booking_cancelled, reservation, refund)


def _share_payer(payment, owner):
    """The registered user who paid a split share by link (matched by e-mail), if not the owner."""
    share = getattr(payment, "share", None)
    email = (getattr(share, "email", "") or "").strip().lower()
    if not email or email == owner.email:
        return None
    return get_user_model().objects.filter(email=email).first()


@receiver(payment_signals.payment_succeeded, dispatch_uid="notifications.payment_succeeded")
def on_payment_succeeded(sender, payment, reservation, **kwargs):
    amount = payment.amount_received or payment.amount
    _guarded("payment_received", lambda: triggers.notify_payment_received(
        reservation, amount=amount, reference=str(payment.pk)))
    payer = _share_payer(payment, reservation.user)
    if payer is not None:
        _guarded("payment_received", lambda: triggers.notify_payment_received(
            reservation, amount=amount, user=payer, reference=str(payment.pk)))


@receiver(payment_signals.payment_refunded, dispatch_uid="notifications.payment_refunded")
def on_payment_refunded(sender, refund, payment, reservation, **kwargs):
    at_desk = payment.method == "desk"
    _guarded("payment_refunded", lambda: triggers.notify_payment_refunded(
        reservation, amount=refund.amount, reference=str(refund.pk), at_desk=at_desk))
    payer = _share_payer(payment, reservation.user)
    if payer is not None:
        _guarded("payment_refunded", lambda: triggers.notify_payment_refunded(
            reservation, amount=refund.amount, user=payer, reference=str(refund.pk), at_desk=at_desk))


@receiver(phone_code_issued, dispatch_uid="notifications.phone_code")
def on_phone_code_issued(sender, phone, body, reference, **kwargs):
    services.phone_code_send(phone=phone, body=body, reference=reference)
