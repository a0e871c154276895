"""What a `snapshot` message carries, per stream kind (CONTRACT §3).

Each kind's provider (routing.registry, registered by its domain) gets the stream target and
the socket's query parameters and returns the data. `read_snapshot` is the one read of a
snapshot with its seq: both come from one REPEATABLE READ snapshot, so the seq says exactly
which events the data already contains. The socket, the REST answers and the pages all use it.
"""
from __future__ import annotations

from collections.abc import Mapping

from routing.eventlog import repeatable_read
from routing.permissions import StreamTarget
from routing.publisher import current_seq
from routing.registry import SnapshotProvider, stream_kind


def read_snapshot(target: StreamTarget, params: Mapping[str, str], *,
                  build: SnapshotProvider | None = None) -> tuple[int, dict]:
    """(seq, data) from one database snapshot. `build` replaces the kind's provider for a caller
    that already holds what the provider would look up (the REST availability has its club).
    A `seq` key in the data is set to the stream's seq (the club availability carries one)."""
    provider = build or stream_kind(target.kind).snapshot
    if provider is None:
        raise LookupError(f"no snapshot provider for {target.kind!r} streams")
    with repeatable_read():
        seq = current_seq(target.stream)
        data = provider(target, params)
    if isinstance(data, dict) and "seq" in data:
        data["seq"] = seq
    return seq, data
