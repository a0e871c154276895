"""The stream kinds the live layer serves, each filled in by its domain (CONTRACT §3).

A kind is three hooks, registered from the domain's `live.py` (called in its AppConfig.ready()),
so this package never imports a domain app:
- `resolve(id)`: the StreamTarget a path names, or None (4404);
- `allows(target, principal)`: may this principal (credentials all good) subscribe?
- `snapshot(target, params)`: the data of a `snapshot` message (routing.snapshots reads it).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

Resolver = Callable[[Any], Any]  # uuid -> StreamTarget | None
Rule = Callable[[Any, Any], bool]  # (StreamTarget, Principal) -> allowed
SnapshotProvider = Callable[[Any, Any], dict]  # (StreamTarget, query params) -> data


@dataclass(frozen=True)
class StreamKind:
    resolve: Resolver | None = None
    allows: Rule | None = None
    snapshot: SnapshotProvider | None = None


_KINDS: dict[str, StreamKind] = {}


def stream_kind(kind: str | None) -> StreamKind:
    return _KINDS.get(kind, StreamKind())


def register_stream_kind(kind: str, *, resolve: Resolver | None = None, allows: Rule | None = None,
                         snapshot: SnapshotProvider | None = None) -> None:
    """Install the hooks given (the others keep what they had)."""
    given = {"resolve": resolve, "allows": allows, "snapshot": snapshot}
    _KINDS[kind] = replace(stream_kind(kind), **{k: v for k, v in given.items() if v is not None})


def swap_hook(kind: str, hook: str, value):
    """Set (or with None remove) one hook of a kind; returns the previous one so tests can put
    it back."""
    previous = getattr(stream_kind(kind), hook)
    _KINDS[kind] = replace(stream_kind(kind), **{hook: value})
    return previous
