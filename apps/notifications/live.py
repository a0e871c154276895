"""The user stream's snapshot (`user:{id}`, CONTRACT §3): the user's unread notifications. Who
may read it (that user) is the live layer's own rule. Registered from NotificationsConfig.ready()."""
from __future__ import annotations

from collections.abc import Mapping

from apps.notifications import events
from apps.notifications.selectors import unread_notifications_snapshot
from routing.permissions import StreamTarget
from routing.registry import register_stream_kind
from routing.schemas import register_event_types
from routing.streams import USER


def user_snapshot(target: StreamTarget, params: Mapping[str, str]) -> dict:
    notifications = unread_notifications_snapshot(target.obj if target.obj is not None else target.id)
    return {"user": str(target.id), "notifications": notifications}


def register() -> None:
    register_stream_kind(USER, snapshot=user_snapshot)
    register_event_types(events.EVENT_TYPES)
