from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.errors import AccountErrorCode
from apps.accounts.models import LoginAttempt, RevokedAccessToken, User
from apps.accounts.phone import phone_verification_start
from apps.accounts.revocation import revoke_access_token
from apps.core.errors import ApplicationError, Conflict, CoreErrorCode, InvalidInput, ServiceUnavailable
from apps.core.i18n import language_of, supported_language


def _password_errors(password: str, user: User | None = None) -> list[str]:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        return list(exc.messages)
    return []


@transaction.atomic
def user_register(*, email: str, password: str, first_name: str = "", last_name: str = "",
                  language: str = "") -> User:
    email = User.objects.normalize_email(email).lower()
    probe = User(email=email, first_name=first_name, last_name=last_name)
    errors = _password_errors(password, probe)
    if errors:
        raise InvalidInput(CoreErrorCode.VALIDATION_ERROR, errors[0], details={"password": errors})
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(AccountErrorCode.EMAIL_TAKEN, "An account with this e-mail already exists",
                       details={"email": ["An account with this e-mail already exists"]})
    try:
        with transaction.atomic():
            return User.objects.create_user(email, password, first_name=first_name, last_name=last_name,
                                            language=supported_language(language))
    except IntegrityError as exc:  # a concurrent registration won the race
        raise Conflict(AccountErrorCode.EMAIL_TAKEN, "An account with this e-mail already exists",
                       details={"email": ["An account with this e-mail already exists"]}) from exc


def tokens_issue(*, user: User) -> dict:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def user_login(*, email: str, password: str, ip_address: str | None) -> tuple[User, dict]:
    email = (email or "").strip().lower()
    user = authenticate(email=email, password=password)
    LoginAttempt.objects.create(email=email[:254], ip_address=ip_address, succeeded=user is not None)
    if user is None or not user.is_active:
        raise ApplicationError(AccountErrorCode.INVALID_CREDENTIALS, "Wrong e-mail or password", status=401)
    User.objects.filter(pk=user.pk).update(last_login=datetime.now(UTC))
    return user, tokens_issue(user=user)


@transaction.atomic
def user_logout(*, user: User, refresh: str, access_token) -> None:
    """Blacklists the refresh token sent and revokes the access token used for this call."""
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise InvalidInput(CoreErrorCode.VALIDATION_ERROR, "Refresh token is invalid or expired",
                           details={"refresh": ["Refresh token is invalid or expired"]}) from exc
    if str(token.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])) != str(user.pk):
        raise InvalidInput(CoreErrorCode.VALIDATION_ERROR, "Refresh token belongs to another user",
                           details={"refresh": ["Refresh token belongs to another user"]})
    token.blacklist()
    jti = access_token.get("jti")
    expires_at = datetime.fromtimestamp(access_token.get("exp"), UTC)
    revoke_access_token(jti=jti, user=user, expires_at=expires_at)


def tokens_flush_expired() -> dict:
    """Drops refresh tokens past expiry (simplejwt's flushexpiredtokens) and stale revocation rows."""
    now = datetime.now(UTC)
    outstanding, _ = OutstandingToken.objects.filter(expires_at__lte=now).delete()
    revoked, _ = RevokedAccessToken.objects.filter(expires_at__lte=now).delete()
    return {"outstanding_deleted": outstanding, "revoked_deleted": revoked}


def password_reset_request(*, email: str, reset_url_base: str) -> None:
    """Always answers the same, whether or not the e-mail exists (no account enumeration)."""
    user = User.objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    if user is None:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with language_of(user):
        subject = _("Padelyzer password reset")
        body = _("Reset your password: %(link)s\n"
                 "Or POST uid=%(uid)s and this token to /api/v1/auth/password-reset/confirm/.\n"
                 "Token: %(token)s") % {"link": f"{reset_url_base}?uid={uid}&token={token}", "uid": uid, "token": token}
    send_mail(subject, body, None, [user.email])


_PROFILE_FIELDS = ("first_name", "last_name", "phone", "language")


@transaction.atomic
def user_update(*, user: User, **changes) -> User:
    """The signed-in user's own profile: names, phone (for SMS) and language of notifications."""
    unknown = set(changes) - set(_PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    if "language" in changes:
        changes["language"] = supported_language(changes["language"])
    new_phone = "phone" in changes and changes["phone"] != user.phone
    if new_phone:
        changes["phone_verified_at"] = None  # SMS wait until the new number is proved
    for field, value in changes.items():
        setattr(user, field, value)
    if changes:
        user.save(update_fields=list(changes))
    if new_phone and user.phone:
        try:
            phone_verification_start(user=user)
        except (Throttled, ServiceUnavailable):
            # A code just went to this number, too many this hour, or Redis is away: the profile
            # saves anyway, and `send-code/` says when another code can be sent.
            pass
    return user


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uid)))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError, DjangoValidationError):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidInput(AccountErrorCode.INVALID_RESET_TOKEN, "The reset link is invalid or has expired")
    errors = _password_errors(new_password, user)
    if errors:
        raise InvalidInput(CoreErrorCode.VALIDATION_ERROR, errors[0], details={"new_password": errors})
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user
