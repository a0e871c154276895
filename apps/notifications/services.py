"""Writes of notifications: create (with deliveries, sent by tasks after commit), read marks, preferences."""
from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.services import user_update
from apps.notifications import tasks
from apps.notifications.events import notification_payload
from apps.notifications.models import Channel, Delivery, DeliveryStatus, Kind, Notification, NotificationPreference
from apps.notifications.selectors import channel_list_enabled, preference_matrix_get
from routing.publisher import publish
from routing.streams import user_stream


def set_preferences(*, user, changes: dict[str, dict[str, bool]]) -> dict[str, dict[str, bool]]:
    with transaction.atomic():
        for kind, channels in changes.items():
            for channel, enabled in channels.items():
                NotificationPreference.objects.update_or_create(
                    user=user, kind=kind, channel=channel, defaults={"enabled": enabled})
    return preference_matrix_get(user=user)


@transaction.atomic
def notification_settings_update(*, user, profile: dict, preferences: dict | None):
    """Language, SMS number and channels together: all saved or none. A new number's code is
    sent only once this commits (apps.accounts.phone)."""
    if profile:
        user = user_update(user=user, **profile)
    matrix = set_preferences(user=user, changes=preferences) if preferences else preference_matrix_get(user=user)
    return user, matrix


def notify(*, user, kind: str, title: str, body: str, data: dict | None = None,
           dedupe_key: str | None = None) -> Notification | None:
    """Record a notification and send it on the user's channels.

    In-app goes out on the user stream in this transaction (so it follows the change that caused
    it, or nothing if that rolls back); e-mail and SMS are tasks enqueued after commit.
    With `dedupe_key`, a second call for the same user and key does nothing and returns None.
    Returns None too when the user turned every channel off for this kind.
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    channels = channel_list_enabled(user=user, kind=kind)
    if not channels:
        return None
    with transaction.atomic():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    user=user, kind=kind, title=title[:200], body=body, data=data or {},
                    in_app=Channel.IN_APP in channels, dedupe_key=dedupe_key)
        except IntegrityError:
            if dedupe_key and Notification.objects.filter(user=user, dedupe_key=dedupe_key).exists():
                return None
            raise
        now = timezone.now()
        deliveries = Delivery.objects.bulk_create([
            Delivery(notification=notification, channel=channel,
                     **({"status": DeliveryStatus.SENT, "attempts": 1, "sent_at": now}
                        if channel == Channel.IN_APP else {}))
            for channel in sorted(channels)
        ])
        if notification.in_app:
            publish(user_stream(user.pk), "notification", notification_payload(notification))
        for delivery in deliveries:
            if delivery.channel != Channel.IN_APP:
                # A lambda, not functools.partial: Django 5.2 logs a failing robust hook by its __qualname__,
                # which a partial lacks, turning a broker outage into a 500 after commit.
                transaction.on_commit(lambda pk=delivery.pk: tasks.send_delivery.delay(str(pk)), robust=True)
    return notification


def mark_read(*, user, notification_id) -> Notification:
    """Idempotent: the first read time is kept."""
    notification = Notification.objects.get(pk=notification_id, user=user, in_app=True)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


def mark_all_read(*, user, until=None) -> int:
    unread = Notification.objects.filter(user=user, in_app=True, read_at__isnull=True)
    if until is not None:
        unread = unread.filter(created_at__lte=until)
    return unread.update(read_at=timezone.now())


def requeue_stale_deliveries(*, older_than_seconds: int = 900, limit: int = 500) -> int:
    """Pending deliveries whose task was lost (broker down at commit, worker gone): enqueue again.

    Safe to overlap with a live retry: attempt_delivery() (delivery.py) locks the row and skips anything sent.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(Delivery.objects.filter(status=DeliveryStatus.PENDING, updated_at__lt=cutoff)
               .exclude(channel=Channel.IN_APP).order_by("updated_at").values_list("pk", flat=True)[:limit])
    for delivery_id in ids:
        Delivery.objects.filter(pk=delivery_id).update(updated_at=timezone.now())
        tasks.send_delivery.delay(str(delivery_id))
    return len(ids)


def phone_code_send(*, phone: str, body: str, reference: str) -> None:
    """An account's verification code (apps.accounts.phone) by SMS, once the caller's transaction commits."""
    transaction.on_commit(lambda: tasks.send_phone_code.delay(phone, body, reference), robust=True)
