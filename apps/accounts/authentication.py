from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from apps.accounts.revocation import is_access_token_revoked


class RevocableJWTAuthentication(JWTAuthentication):
    """simplejwt's bearer auth, refusing access tokens revoked by logout."""

    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        jti = token.get("jti")
        if jti and is_access_token_revoked(jti):
            raise InvalidToken({"detail": "Token has been revoked", "code": "token_not_valid"})
        return token


def user_from_access_token(raw_token: str):
    """For WebSocket credentials: the user of a valid, unrevoked access token, else None."""
    auth = RevocableJWTAuthentication()
    try:
        token = auth.get_validated_token(raw_token.encode() if isinstance(raw_token, str) else raw_token)
        user = auth.get_user(token)
    except Exception:
        return None, None
    if not user or not user.is_active:
        return None, None
    return user, token
