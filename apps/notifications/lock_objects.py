"""Row locks of notifications, in one place (Saleor's lock_objects.py).

A delivery row is locked alone, for the whole send (apps.notifications.delivery). The hold
warning locks the reservation through `apps.reservations.lock_objects` (that app's order).
"""
from __future__ import annotations

from django.db.models import QuerySet

from apps.notifications.models import Delivery


def delivery_qs_select_for_update() -> QuerySet[Delivery]:
    # The notification and its user come along to be sent, unlocked.
    return (Delivery.objects.select_for_update(of=("self",))
            .select_related("notification", "notification__user"))
