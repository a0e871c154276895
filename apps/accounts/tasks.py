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
