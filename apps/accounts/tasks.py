from datetime import UTC, datetime

from celery import shared_task


@shared_task(name="accounts.flush_expired_tokens")
def flush_expired_tokens() -> dict:
    """Drops refresh tokens past expiry (simplejwt's flushexpiredtokens) and stale revocation rows."""
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from apps.accounts.models import RevokedAccessToken

    now = datetime.now(UTC)
    outstanding, _ = OutstandingToken.objects.filter(expires_at__lte=now).delete()
    revoked, _ = RevokedAccessToken.objects.filter(expires_at__lte=now).delete()
    return {"outstanding_deleted": outstanding, "revoked_deleted": revoked}


@shared_task(name="accounts.send_phone_code", autoretry_for=(Exception,), retry_backoff=5, max_retries=3)
def send_phone_code(phone: str, body: str, reference: str) -> None:
    """The verification code by SMS (high_priority queue, like notifications)."""
    from apps.notifications.sms import get_sms_backend

    get_sms_backend().send(to=phone, body=body, reference=reference)
