"""The user stream's event (CONTRACT §3): `notification`, one builder for the event, the REST
list and the /ws/me/ snapshot; and its schema (routing.schemas)."""
from __future__ import annotations

from apps.notifications.models import Kind, Notification
from routing.schemas import TIME, UUID, EventType, enum, nullable, obj
from routing.streams import USER


def notification_payload(notification: Notification) -> dict:
    """The one shape of a notification: REST list, `notification` event and the /ws/me/ snapshot.
    Its times are UTC: a user stream belongs to no club."""
    return {
        "id": str(notification.pk),
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "data": notification.data,
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
        "created_at": notification.created_at.isoformat(),
    }


EVENT_TYPES = [
    EventType("notification", (USER,), "A new in-app notification for the stream's user; `data` holds what "
                                       "it is about (a booking, a payment, a match call).",
              notification_payload,
              obj({"id": UUID, "kind": enum(*Kind.values), "title": {"type": "string"}, "body": {"type": "string"},
                   "data": {"type": "object"}, "read_at": nullable(TIME), "created_at": TIME})),
]
