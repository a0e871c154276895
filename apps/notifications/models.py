from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import BaseModel


class Kind(models.TextChoices):
    BOOKING_CONFIRMED = "booking_confirmed"
    BOOKING_CANCELLED = "booking_cancelled"
    PAYMENT_RECEIVED = "payment_received"
    PAYMENT_REFUNDED = "payment_refunded"
    HOLD_EXPIRING = "hold_expiring"
    MATCH_CALLED = "match_called"


class Channel(models.TextChoices):
    EMAIL = "email"
    SMS = "sms"
    IN_APP = "in_app"


# What a user gets when they never touched their preferences (no row = this default).
DEFAULT_CHANNELS = {Channel.EMAIL: True, Channel.SMS: False, Channel.IN_APP: True}


class Notification(BaseModel):
    """One message to one user. The row is the in-app inbox entry and the source of its deliveries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    # False when the user turned in-app off for this kind: kept for the e-mail/SMS deliveries, hidden in the inbox.
    in_app = models.BooleanField(default=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Makes a trigger idempotent ("hold_expiring:<reservation id>"): a second notify() is a no-op.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], condition=Q(dedupe_key__isnull=False),
                                    name="notification_dedupe_unique"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_inbox_idx",
                         condition=Q(in_app=True)),
            models.Index(fields=["user"], name="notification_unread_idx",
                         condition=Q(in_app=True, read_at__isnull=True)),
        ]


class NotificationPreference(BaseModel):
    """An explicit choice; kinds and channels without a row follow DEFAULT_CHANNELS."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    enabled = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "channel"],
                                               name="notification_preference_unique")]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"  # queued, or failed with retries left
    SENT = "sent"
    FAILED = "failed"  # retries exhausted


class Delivery(BaseModel):
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_one_per_channel")]
        indexes = [models.Index(fields=["updated_at"], name="delivery_pending_idx",
                                condition=Q(status="pending"))]
