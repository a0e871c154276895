"""Row locks of reservations, in one place (Saleor's lock_objects.py).

Lock order, shared with every app that locks a booking: the court's claim queue
(`apps.clubs.lock_objects.court_claim_lock`, only while inserting court time) -> the reservation
row with its allocation row -> whatever the caller locks next (payments: Payment, Refund) -> the
stream counter rows `routing.publisher.publish` locks, last.

`of=("self", "courtallocation_ptr")` locks the reservation and its parent allocation row (both
change together), not the court and user rows the select_related joins.
"""
from __future__ import annotations

from django.db.models import QuerySet

from apps.reservations.models import Reservation


def reservation_qs_select_for_update() -> QuerySet[Reservation]:
    return (Reservation.objects.select_for_update(of=("self", "courtallocation_ptr"))
            .select_related("court", "court__club", "user"))


def reservation_lock(reservation_id) -> Reservation | None:
    """The reservation row (and its allocation row) locked for the caller's transaction."""
    return reservation_qs_select_for_update().filter(pk=reservation_id).first()
