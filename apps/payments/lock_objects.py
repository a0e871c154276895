"""Row locks of payments, one function per table (Saleor's lock_objects).

Every service takes them in this one order, so two workers never wait on each other in a circle:
StripeEvent (webhook processing) -> Reservation (and its allocation row) -> Payment -> Refund.
A service locks only what it changes, always in that order.
"""
from __future__ import annotations

from apps.core.errors import NotFound
from apps.payments.errors import PaymentErrorCode as Code
from apps.payments.models import Payment, Refund, StripeEvent
from apps.reservations.lock_objects import reservation_lock as _reservation_lock
from apps.reservations.models import Reservation


def stripe_event_qs_select_for_update():
    return StripeEvent.objects.select_for_update(of=("self",))


def reservation_lock(reservation_id) -> Reservation | None:
    """The booking row and its allocation row (apps.reservations owns that query)."""
    return _reservation_lock(reservation_id)


def reservation_lock_or_404(reservation_id) -> Reservation:
    reservation = reservation_lock(reservation_id)
    if reservation is None:
        raise NotFound(Code.NOT_FOUND, "Not found")
    return reservation


def payment_qs_select_for_update():
    return Payment.objects.select_for_update(of=("self",))


def refund_qs_select_for_update():
    return Refund.objects.select_for_update(of=("self",))
