"""Sending: one delivery of a notification by e-mail or SMS, and an account's verification code.
What the tasks in tasks.py run; nothing here enqueues."""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from apps.notifications.lock_objects import delivery_qs_select_for_update
from apps.notifications.models import Channel, Delivery, DeliveryStatus
from apps.notifications.sms import get_sms_backend

logger = logging.getLogger("padelyzer.notifications")


class DeliveryFailed(Exception):
    """A channel refused or failed; the task retries with backoff."""


def attempt_delivery(delivery_id, *, final: bool) -> str:
    """Send one pending delivery once. Idempotent: a sent (or given-up) delivery is not sent again.

    The row stays locked while the channel sends, so a redelivered duplicate of the task waits and
    then sees `sent`. A worker killed between the send and the commit can still repeat one send
    (at-least-once): the e-mail's Message-ID and the SMS reference are stable so receivers can dedupe.
    `final`: the last attempt Celery will make; a failure then marks the delivery failed.
    """
    with transaction.atomic():
        delivery = delivery_qs_select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            return "missing"
        if delivery.status != DeliveryStatus.PENDING:
            return delivery.status
        delivery.attempts += 1
        try:
            _send(delivery)
        except Exception as exc:  # any channel error: record it, then let the task retry
            delivery.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            delivery.status = DeliveryStatus.FAILED if final else DeliveryStatus.PENDING
            delivery.save(update_fields=["attempts", "last_error", "status", "updated_at"])
            logger.warning("delivery %s (%s) attempt %s failed: %s", delivery.pk, delivery.channel,
                           delivery.attempts, exc.__class__.__name__)
            failure = exc
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.save(update_fields=["attempts", "status", "sent_at", "updated_at"])
            return DeliveryStatus.SENT
    raise DeliveryFailed(str(failure)) from failure


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    user = notification.user
    if delivery.channel == Channel.EMAIL:
        message = EmailMessage(
            subject=notification.title, body=notification.body, to=[user.email],
            from_email=settings.DEFAULT_FROM_EMAIL,
            headers={"Message-ID": f"<{delivery.pk}@padelyzer.notifications>"})
        message.send(fail_silently=False)
    elif delivery.channel == Channel.SMS:
        if not user.phone or user.phone_verified_at is None:
            # The number changed since the notification was made: never text an unproved number.
            raise DeliveryFailed("the user has no verified phone number")
        get_sms_backend().send(to=user.phone, body=f"{notification.title}: {notification.body}",
                               reference=str(delivery.pk))
    else:
        raise DeliveryFailed(f"channel {delivery.channel} is not sent by a task")


def phone_code_deliver(*, phone: str, body: str, reference: str) -> None:
    """To the number given, verified or not: proving it is what the code is for."""
    get_sms_backend().send(to=phone, body=body, reference=reference)
