"""Who may subscribe to which stream (CONTRACT §3): the one place the live layer asks.

A socket's path names a stream kind and id; its query string may carry `token` (an access
JWT) or `display_key`. `check_subscription` answers with the stream target or the close code:
4404 no such stream, else 4401 credentials needed and missing or any credential bad, else
4403 not allowed.

What a stream id refers to is pluggable: a resolver per kind turns the id into a
`StreamTarget` (or None: no such stream). Club and staff streams resolve clubs; the
tournament kind has no resolver until the tournaments app registers one, so until then
every tournament stream is 4404.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from routing.streams import CLUB, STAFF, TOURNAMENT, USER, club_stream, parse_ident, staff_stream, \
    stream_for, user_stream

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
    token: Any = None  # simplejwt AccessToken of `user`
    display_key: Any = None  # apps.clubs.models.DisplayKey
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


Resolver = Callable[[uuid.UUID], StreamTarget | None]
_RESOLVERS: dict[str, Resolver] = {}


def register_stream_resolver(kind: str, resolver: Resolver | None) -> Resolver | None:
    """Install (or with None remove) the resolver of a stream kind; returns the previous one
    so tests can restore it."""
    previous = _RESOLVERS.get(kind)
    if resolver is None:
        _RESOLVERS.pop(kind, None)
    else:
        _RESOLVERS[kind] = resolver
    return previous


def _club_target(kind: str, ident: uuid.UUID) -> StreamTarget | None:
    from apps.clubs.models import Club

    club = Club.objects.filter(pk=ident).first()
    if club is None:
        return None
    stream = club_stream(club.pk) if kind == CLUB else staff_stream(club.pk)
    return StreamTarget(kind=kind, id=club.pk, stream=stream, is_public=club.is_public, club_id=club.pk,
                        organization_id=club.organization_id, obj=club)


register_stream_resolver(CLUB, lambda ident: _club_target(CLUB, ident))
register_stream_resolver(STAFF, lambda ident: _club_target(STAFF, ident))


def tournament_target(tournament_id, *, is_public: bool, club_id=None, obj=None) -> StreamTarget:
    """For tournament resolvers: the target of `tournament:{id}`."""
    ident = uuid.UUID(str(tournament_id))
    return StreamTarget(kind=TOURNAMENT, id=ident, stream=stream_for(TOURNAMENT, ident), is_public=is_public,
                        club_id=club_id, obj=obj)


def authenticate(*, token: str | None, display_key: str | None) -> Principal:
    """Check the credentials given; an empty value counts as not given."""
    from apps.accounts.authentication import user_from_access_token

    user = access = key = None
    bad = False
    if token:
        user, access = user_from_access_token(token)
        bad = user is None
    if display_key:
        key = _live_display_key(display_key)
        bad = bad or key is None
    return Principal(user=user, token=access, display_key=key, bad=bad)


def _live_display_key(raw: str):
    from apps.clubs.models import DisplayKey

    if len(raw) > 200:  # real keys are ~46 chars; don't hash megabytes
        return None
    return (DisplayKey.objects.filter(key_hash=DisplayKey.hash_key(raw), revoked_at__isnull=True)
            .select_related("club").first())


def _scope(principal: Principal):
    from apps.organizations.selectors import tenant_scope_for

    return tenant_scope_for(principal.user)


def _is_staff(target: StreamTarget, principal: Principal) -> bool:
    return (principal.user is not None and target.club_id is not None
            and _scope(principal).is_club_staff(target.club_id))


def may_subscribe(target: StreamTarget, principal: Principal) -> bool:
    """The rules of CONTRACT §3, for a principal whose credentials are all good."""
    key = principal.display_key
    if target.kind == USER:
        return principal.user is not None and principal.user.pk == target.id
    if target.kind == STAFF:
        return _is_staff(target, principal)  # a display key is read-only public data: never staff
    if target.is_public:
        return True
    if target.kind == CLUB:
        if key is not None and key.club_id == target.club_id:
            return True
        if principal.user is None:
            return False
        scope = _scope(principal)
        return scope.is_club_staff(target.club_id) or target.organization_id in scope.member_org_ids
    if target.kind == TOURNAMENT:
        return _is_staff(target, principal)
    return False


def resolve_target(kind: str | None, raw_id) -> StreamTarget | None:
    """The stream a path names, or None (4404). The user stream is resolved from the token."""
    if kind not in (CLUB, STAFF, TOURNAMENT):
        return None
    ident = parse_ident(raw_id)
    resolver = _RESOLVERS.get(kind)
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
    from apps.accounts.models import User
    from apps.accounts.revocation import is_access_token_revoked
    from apps.clubs.models import DisplayKey

    if principal.token is not None:
        jti = principal.jti
        if jti and is_access_token_revoked(jti):
            return False
        if not User.objects.filter(pk=principal.user.pk, is_active=True).exists():
            return False
    if principal.display_key is not None and not DisplayKey.objects.filter(
            pk=principal.display_key.pk, revoked_at__isnull=True).exists():
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
