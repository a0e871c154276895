from apps.notifications.events import notification_payload
from apps.notifications.models import DEFAULT_CHANNELS, Channel, Kind, Notification, NotificationPreference

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


def preference_matrix_get(*, user) -> dict[str, dict[str, bool]]:
    """Every kind x channel with the user's choice or the default."""
    matrix = {kind: {channel: DEFAULT_CHANNELS[channel] for channel in Channel.values} for kind in Kind.values}
    for kind, channel, enabled in NotificationPreference.objects.filter(user=user).values_list(
            "kind", "channel", "enabled"):
        if kind in matrix and channel in matrix[kind]:
            matrix[kind][channel] = enabled
    return matrix


def channel_list_enabled(*, user, kind: str) -> set[str]:
    """The channels a notification of `kind` goes out on: the user's choice, minus those with no address."""
    channels = {c for c, on in preference_row_get(user=user, kind=kind).items() if on}
    if not user.email:
        channels.discard(Channel.EMAIL)
    if not user.phone or user.phone_verified_at is None:
        # Nothing to send to, or a number its owner has not proved: no delivery row rather than a
        # message to a stranger (or one that can never succeed).
        channels.discard(Channel.SMS)
    return channels


def preference_row_get(*, user, kind: str) -> dict[str, bool]:
    """One kind's row of the matrix: each channel with the user's choice or the default."""
    row = {channel: DEFAULT_CHANNELS[channel] for channel in Channel.values}
    for channel, enabled in NotificationPreference.objects.filter(user=user, kind=kind).values_list(
            "channel", "enabled"):
        row[channel] = enabled
    return row
