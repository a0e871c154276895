from celery import shared_task

from apps.notifications import services, triggers

MAX_RETRIES = 5


@shared_task(bind=True, name="notifications.send_delivery",
             autoretry_for=(services.DeliveryFailed,), retry_backoff=10, retry_backoff_max=600,
             retry_jitter=True, max_retries=MAX_RETRIES)
def send_delivery(self, delivery_id: str) -> str:
    """One e-mail or SMS; retried with exponential backoff (10 s ... 10 min), then marked failed."""
    return services.attempt_delivery(delivery_id, final=self.request.retries >= self.max_retries)


@shared_task(name="notifications.warn_expiring_holds")
def warn_expiring_holds() -> int:
    """Every minute: warn players whose payment hold ends within 2 minutes, once each."""
    sent = 0
    for reservation_id in list(triggers.holds_to_warn()):
        if triggers.notify_hold_expiring(reservation_id) is not None:
            sent += 1
    return sent


@shared_task(name="notifications.requeue_stale_deliveries")
def requeue_stale_deliveries() -> int:
    return services.requeue_stale_deliveries()
