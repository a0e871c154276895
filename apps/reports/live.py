"""Registers the report events' schemas with the live layer (from ReportsConfig.ready())."""
from __future__ import annotations

from apps.reports import events
from routing.schemas import register_event_types


def register() -> None:
    register_event_types(events.EVENT_TYPES)
