"""Registers the payment events' schemas with the live layer (from PaymentsConfig.ready())."""
from __future__ import annotations

from apps.payments import events
from routing.schemas import register_event_types


def register() -> None:
    register_event_types(events.EVENT_TYPES)
