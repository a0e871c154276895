"""The tasks services enqueue (after commit). Beat's periodic jobs are in periodic.py: they call
services that enqueue these, so they cannot live here without an import cycle."""
from celery import shared_task

from apps.notifications import delivery

MAX_RETRIES = 5


@shared_task(bind=True, name="notifications.send_delivery",
             autoretry_for=(delivery.DeliveryFailed,), retry_backoff=10, retry_backoff_max=600,
             retry_jitter=True, max_retries=MAX_RETRIES)
def send_delivery(self, delivery_id: str) -> str:
    """One e-mail or SMS; retried with exponential backoff (10 s ... 10 min), then marked failed."""
    return delivery.attempt_delivery(delivery_id, final=self.request.retries >= self.max_retries)


# The name it had when accounts sent it: codes queued by a worker of the previous release still run.
@shared_task(name="accounts.send_phone_code", autoretry_for=(Exception,), retry_backoff=5, max_retries=3)
def send_phone_code(phone: str, body: str, reference: str) -> None:
    """A phone verification code by SMS (apps.accounts.phone)."""
    delivery.phone_code_deliver(phone=phone, body=body, reference=reference)
