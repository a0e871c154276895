"""Access-token revocation: a DB row is the truth, the shared cache answers the hot path."""
from __future__ import annotations

from datetime import UTC, datetime

from django.core.cache import cache

from apps.accounts.models import RevokedAccessToken
from apps.accounts.signals import access_token_revoked

_NEGATIVE_TTL = 60  # s a "not revoked" answer is trusted; revocation overwrites it at once


def _key(jti: str) -> str:
    return f"jwt:revoked:{jti}"


def revoke_access_token(*, jti: str, user, expires_at: datetime) -> None:
    RevokedAccessToken.objects.update_or_create(jti=jti, defaults={"user": user, "expires_at": expires_at})
    ttl = max(1, int((expires_at - datetime.now(UTC)).total_seconds()))
    cache.set(_key(jti), 1, ttl)
    access_token_revoked.send(sender=RevokedAccessToken, jti=jti, user_id=user.pk)


def is_access_token_revoked(jti: str) -> bool:
    cached = cache.get(_key(jti))
    if cached is not None:
        return bool(cached)
    revoked = RevokedAccessToken.objects.filter(jti=jti).exists()
    cache.set(_key(jti), 1 if revoked else 0, _NEGATIVE_TTL if not revoked else 3600)
    return revoked
