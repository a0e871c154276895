"""Stream and group names, built in one place (CONTRACT §3), and who may subscribe to what."""
from __future__ import annotations

import re
import uuid

STREAM_KINDS = ("club", "staff", "tournament", "user")
_STREAM = re.compile(r"^(club|staff|tournament|user):([0-9a-f-]{36})$")


def club_stream(club_id) -> str:
    return f"club:{club_id}"


def staff_stream(club_id) -> str:
    return f"staff:{club_id}"


def tournament_stream(tournament_id) -> str:
    return f"tournament:{tournament_id}"


def user_stream(user_id) -> str:
    return f"user:{user_id}"


def parse_stream(stream: str) -> tuple[str, uuid.UUID]:
    match = _STREAM.match(stream)
    if not match:
        raise ValueError(f"not a stream name: {stream!r}")
    return match.group(1), uuid.UUID(match.group(2))


def group_name(stream: str) -> str:
    """Channels group names allow only [a-zA-Z0-9_.-]; a stream maps to exactly one group."""
    kind, ident = parse_stream(stream)
    return f"s.{kind}.{ident.hex}"
