from apps.notifications.events import notification_payload
from apps.notifications.models import Notification

SNAPSHOT_LIMIT = 50


def inbox_for(user, *, unread_only: bool = False):
    qs = Notification.objects.filter(user=user, in_app=True).order_by("-created_at", "-id")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def unread_count(user) -> int:
    return inbox_for(user, unread_only=True).count()


def unread_notifications_snapshot(user) -> list[dict]:
    """For the /ws/me/ snapshot: the newest unread in-app notifications (at most 50), newest first,
    in the same shape as the `notification` event's data."""
    return [notification_payload(n) for n in inbox_for(user, unread_only=True)[:SNAPSHOT_LIMIT]]
