"""Stream and group names, built in one place (CONTRACT §3).

Every channel-layer group the live layer uses is named here: one group per stream, one per
access token (closed on logout or expiry) and one per display key (closed on revocation).
Who may subscribe lives next door in routing/permissions.py.
"""
from __future__ import annotations

import hashlib
import re
import uuid

CLUB, STAFF, TOURNAMENT, USER = "club", "staff", "tournament", "user"
STREAM_KINDS = (CLUB, STAFF, TOURNAMENT, USER)
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_STREAM = re.compile(rf"^(club|staff|tournament|user):({_UUID})$")
_IDENT = re.compile(rf"^{_UUID}$")


def club_stream(club_id) -> str:
    return f"club:{club_id}"


def staff_stream(club_id) -> str:
    return f"staff:{club_id}"


def tournament_stream(tournament_id) -> str:
    return f"tournament:{tournament_id}"


def user_stream(user_id) -> str:
    return f"user:{user_id}"


def stream_for(kind: str, ident) -> str:
    if kind not in STREAM_KINDS:
        raise ValueError(f"unknown stream kind {kind!r}")
    return f"{kind}:{ident}"


def parse_ident(raw) -> uuid.UUID | None:
    """The id in a stream path, or None when it is not a canonical UUID (the socket gets 4404)."""
    if isinstance(raw, uuid.UUID):
        return raw
    if not isinstance(raw, str) or not _IDENT.match(raw):
        return None
    return uuid.UUID(raw)


def parse_stream(stream: str) -> tuple[str, uuid.UUID]:
    match = _STREAM.match(stream)
    if not match:
        raise ValueError(f"not a stream name: {stream!r}")
    return match.group(1), uuid.UUID(match.group(2))


def group_name(stream: str) -> str:
    """Channels group names allow only [a-zA-Z0-9_.-]; a stream maps to exactly one group."""
    kind, ident = parse_stream(stream)
    return f"s.{kind}.{ident.hex}"


def token_group(jti: str) -> str:
    """Sockets opened with one access token; hashed because a jti is not ours to trust as a name."""
    return "tok." + hashlib.sha256(str(jti).encode()).hexdigest()[:40]


def display_key_group(key_id) -> str:
    return f"dk.{uuid.UUID(str(key_id)).hex}"
