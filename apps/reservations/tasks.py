"""Reservation housekeeping run by Celery beat (thin: each task calls one service)."""
from __future__ import annotations

from celery import shared_task

from apps.reservations.services import holds_expire_due


@shared_task(name="apps.reservations.tasks.expire_holds")  # beat sends it to `high_priority`
def expire_holds(limit: int = 500) -> dict:
    """Every minute: free the slots of payment holds that ran out (see holds_expire_due)."""
    return holds_expire_due(limit=limit)
