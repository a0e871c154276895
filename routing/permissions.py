"""Who may subscribe to which stream (CONTRACT §3): the one place the live layer asks.

A socket's path names a stream kind and id; its query string may carry `token` (an access
JWT) or `display_key`. `check_subscription` answers with the stream target or the close code:
4404 no such stream, else 4401 credentials needed and missing or any credential bad, else
4403 not allowed.

What a stream id refers to and who may read it is the kind's business (routing.registry,
filled in by the domains' live.py); how a credential is read and re-checked too
(`register_credentials`, filled in by apps.accounts and apps.clubs). A kind nobody
registered is 4404; a credential nobody can read is bad (4401).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from routing.registry import register_stream_kind, stream_kind
from routing.streams import TOURNAMENT, USER, parse_ident, stream_for, user_stream

CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_RATE_LIMITED = 4429


@dataclass(frozen=True)
class StreamTarget:
    """What a stream is about, as far as access is concerned."""

    kind: str
    id: uuid.UUID
    stream: str
    is_public: bool = False
    club_id: uuid.UUID | None = None  # this club's staff may always subscribe
    organization_id: uuid.UUID | None = None  # members of this organization may read a private club
    obj: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Principal:
    """Who is asking. `bad` means a credential was given and did not check out."""

    user: Any = None
    token: Any = None  # the access token of `user` (a mapping with `jti` and `exp`)
    display_key: Any = None  # a display key of one club (has `pk` and `club_id`)
    bad: bool = False

    @property
    def anonymous(self) -> bool:
        return self.user is None and self.display_key is None

    @property
    def jti(self) -> str | None:
        return self.token.get("jti") if self.token is not None else None

    @property
    def expires_at(self) -> float | None:
        """Unix time the token stops being valid (its `exp`)."""
        return float(self.token["exp"]) if self.token is not None and "exp" in self.token else None


@dataclass(frozen=True)
class Decision:
    code: int | None  # None: allowed
    target: StreamTarget | None = None
    principal: Principal | None = None

    @property
    def allowed(self) -> bool:
        return self.code is None


@dataclass(frozen=True)
class Credentials:
    """How the two credentials are read and re-checked; each pair comes from the app owning it."""

    read_token: Callable[[str], tuple[Any, Any]] | None = None  # raw JWT -> (user, token) or (None, None)
    token_valid: Callable[[Principal], bool] | None = None  # still valid? (revoked jti, inactive user)
    read_display_key: Callable[[str], Any] | None = None  # raw key -> the live key or None
    display_key_valid: Callable[[Any], bool] | None = None  # not revoked meanwhile?


_credentials = Credentials()


def register_credentials(**hooks) -> None:
    global _credentials
    _credentials = replace(_credentials, **hooks)


def tournament_target(tournament_id, *, is_public: bool, club_id=None, obj=None) -> StreamTarget:
    """For tournament resolvers: the target of `tournament:{id}`."""
    ident = uuid.UUID(str(tournament_id))
    return StreamTarget(kind=TOURNAMENT, id=ident, stream=stream_for(TOURNAMENT, ident), is_public=is_public,
                        club_id=club_id, obj=obj)


def authenticate(*, token: str | None, display_key: str | None) -> Principal:
    """Check the credentials given; an empty value counts as not given."""
    user = access = key = None
    bad = False
    if token:
        if _credentials.read_token is not None:
            user, access = _credentials.read_token(token)
        bad = user is None
    if display_key:
        if _credentials.read_display_key is not None and len(display_key) <= 200:  # real keys: ~46 chars
            key = _credentials.read_display_key(display_key)
        bad = bad or key is None
    return Principal(user=user, token=access, display_key=key, bad=bad)


def _user_stream_rule(target: StreamTarget, principal: Principal) -> bool:
    return principal.user is not None and principal.user.pk == target.id


register_stream_kind(USER, allows=_user_stream_rule)


def may_subscribe(target: StreamTarget, principal: Principal) -> bool:
    """The rules of CONTRACT §3, for a principal whose credentials are all good: the kind's own."""
    rule = stream_kind(target.kind).allows
    return rule is not None and rule(target, principal)


def resolve_target(kind: str | None, raw_id) -> StreamTarget | None:
    """The stream a path names, or None (4404). The user stream is resolved from the token."""
    if kind == USER:
        return None
    ident = parse_ident(raw_id)
    resolver = stream_kind(kind).resolve
    if ident is None or resolver is None:
        return None
    return resolver(ident)


def check_subscription(kind: str | None, raw_id=None, *, token: str | None = None,
                       display_key: str | None = None) -> Decision:
    if kind == USER:
        principal = authenticate(token=token, display_key=display_key)
        if principal.bad or principal.user is None:
            return Decision(CLOSE_NOT_AUTHENTICATED, principal=principal)
        target = StreamTarget(kind=USER, id=principal.user.pk, stream=user_stream(principal.user.pk),
                              obj=principal.user)
        return Decision(None, target, principal)
    target = resolve_target(kind, raw_id)
    if target is None:
        return Decision(CLOSE_NOT_FOUND)
    principal = authenticate(token=token, display_key=display_key)
    if principal.bad:
        return Decision(CLOSE_NOT_AUTHENTICATED, target, principal)
    if may_subscribe(target, principal):
        return Decision(None, target, principal)
    return Decision(CLOSE_NOT_AUTHENTICATED if principal.anonymous else CLOSE_FORBIDDEN, target, principal)


def credentials_valid(principal: Principal) -> bool:
    """Still good now? (logout revokes the token's jti; a display key can be revoked; a user can
    be deactivated.) Expiry is not checked here: sockets close themselves at `exp`."""
    if principal.token is not None and not (_credentials.token_valid and _credentials.token_valid(principal)):
        return False
    if principal.display_key is not None and not (
            _credentials.display_key_valid and _credentials.display_key_valid(principal.display_key)):
        return False
    return True


def recheck(target: StreamTarget, principal: Principal) -> int | None:
    """For an open socket: None while it may stay, else the close code. Re-reads the credentials
    and the rules (memberships change, a club goes private) with what it connected with."""
    if not credentials_valid(principal):
        return CLOSE_NOT_AUTHENTICATED
    if target.kind == USER:
        return None
    fresh = resolve_target(target.kind, str(target.id))
    if fresh is None:
        return CLOSE_NOT_FOUND
    return None if may_subscribe(fresh, principal) else CLOSE_FORBIDDEN
