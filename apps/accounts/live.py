"""Access tokens as live-layer credentials: how a socket's `?token=` is read and re-checked,
and logout reaching open sockets (CONTRACT §3). Registered from AccountsConfig.ready()."""
from __future__ import annotations

from apps.accounts.authentication import user_from_access_token
from apps.accounts.models import User
from apps.accounts.revocation import is_access_token_revoked
from apps.accounts.signals import access_token_revoked
from routing import signals
from routing.permissions import Principal, register_credentials


def token_still_valid(principal: Principal) -> bool:
    """Not revoked by a logout, and its user not deactivated since the socket opened."""
    jti = principal.jti
    if jti and is_access_token_revoked(jti):
        return False
    return User.objects.filter(pk=principal.user.pk, is_active=True).exists()


def register() -> None:
    register_credentials(read_token=user_from_access_token, token_valid=token_still_valid)
    access_token_revoked.connect(signals.on_access_token_revoked, dispatch_uid="live-token-revoked")
