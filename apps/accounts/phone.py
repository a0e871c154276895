"""Phone verification: SMS go only to a number its owner proved to hold, with a 6-digit code
sent to it by SMS. Codes live in the shared cache (Redis) for 10 minutes, hashed; five wrong
tries burn the code; a new code can be asked for once a minute."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled

from apps.accounts.errors import AccountErrorCode as Code
from apps.accounts.models import User
from apps.accounts.signals import phone_code_issued
from apps.core.cache import UNREACHABLE
from apps.core.errors import Conflict, InvalidInput, ServiceUnavailable
from apps.core.i18n import language_of

CODE_TTL_SECONDS = 600
RESEND_AFTER_SECONDS = 60
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5  # per user, whatever the number, and per number, whoever asks


class VerificationUnavailable(ServiceUnavailable):
    def __init__(self):
        super().__init__(Code.VERIFICATION_UNAVAILABLE, "Phone verification is unavailable for a moment; "
                         "please retry shortly")


def _count(key: str, ttl: int) -> int:
    """An atomic counter in the shared cache; raises 503 when Redis cannot count (the cache
    otherwise answers like an empty one, which would let every guess through)."""
    try:
        cache.add(key, 0, ttl)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, ttl)
            return 1
    except UNREACHABLE as exc:
        raise VerificationUnavailable() from exc


def _number_key(phone: str) -> str:
    return "phone-verify-number:" + re.sub(r"\D", "", phone)


def _key(user_id) -> str:
    return f"phone-verify:{user_id}"


def _attempts_key(user_id, sent_at: float) -> str:
    return f"phone-verify-attempts:{user_id}:{sent_at}"


def _digest(user_id, phone: str, code: str) -> str:
    message = f"{user_id}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def phone_verification_start(*, user: User) -> None:
    """Sends a new code to the user's phone (after commit, by a notifications task)."""
    if not user.phone:
        raise InvalidInput(Code.NO_PHONE, "Add a phone number first", details={"phone": ["no phone number"]})
    if user.phone_verified_at is not None:
        raise Conflict(Code.PHONE_ALREADY_VERIFIED, "This phone number is already verified")
    state = cache.get(_key(user.pk))
    now = time.time()
    if state and state["phone"] == user.phone and now - state["sent_at"] < RESEND_AFTER_SECONDS:
        raise Throttled(wait=RESEND_AFTER_SECONDS - (now - state["sent_at"]),
                        detail="A code was just sent; wait a minute before asking for another")
    # Per user across numbers (changing numbers is no way round it), and per number across users
    # (many accounts cannot bomb one phone).
    if (_count(f"phone-verify-sent:{user.pk}", 3600) > MAX_CODES_PER_HOUR
            or _count(_number_key(user.phone), 3600) > MAX_CODES_PER_HOUR):
        raise Throttled(wait=3600, detail="Too many codes asked for; try again in an hour")
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_key(user.pk), {"phone": user.phone, "digest": _digest(user.pk, user.phone, code), "sent_at": now},
              CODE_TTL_SECONDS)
    with language_of(user):
        body = _("Padelyzer: your code is %(code)s. It expires in 10 minutes.") % {"code": code}
    # Sent by SMS after commit (apps.notifications, above accounts, listens).
    phone_code_issued.send(sender=User, user=user, phone=user.phone, body=body,
                           reference=f"phone-verify:{user.pk}:{int(now)}")


def phone_verification_confirm(*, user: User, code: str) -> User:
    state = cache.get(_key(user.pk))
    if not state or state["phone"] != user.phone:
        raise InvalidInput(Code.CODE_EXPIRED, "This code has expired; ask for a new one",
                           details={"code": ["expired"]})
    if _count(_attempts_key(user.pk, state["sent_at"]), CODE_TTL_SECONDS) > MAX_ATTEMPTS:
        # atomic in Redis: parallel guesses count too
        cache.delete(_key(user.pk))
        raise InvalidInput(Code.CODE_EXPIRED, "Too many wrong codes; ask for a new one", details={"code": ["expired"]})
    if not hmac.compare_digest(_digest(user.pk, user.phone, str(code).strip()), state["digest"]):
        raise InvalidInput(Code.WRONG_CODE, "That code is not right", details={"code": ["wrong code"]})
    with transaction.atomic():
        # Only the number the code went to: a phone changed meanwhile stays unverified.
        User.objects.filter(pk=user.pk, phone=state["phone"]).update(phone_verified_at=timezone.now())
    cache.delete(_key(user.pk))
    user.refresh_from_db(fields=["phone", "phone_verified_at"])
    return user
