"""Live-layer knobs, read from Django settings at use time so tests can override them."""
from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # Incoming frames larger than this answer `frame_too_large` (the socket stays open).
    "LIVE_MAX_FRAME_BYTES": 4096,
    # Per-socket token bucket for client messages; refused messages decay at 1/s and
    # the socket closes with 4429 once more than LIVE_RATE_MAX_STRIKES are outstanding.
    "LIVE_RATE_PER_SECOND": 20.0,
    "LIVE_RATE_BURST": 40,
    "LIVE_RATE_MAX_STRIKES": 20,
    # A live event that skips seqs waits this long for the missing ones (they may just be
    # reordered by two publishers committing back to back) before reading them from the log.
    "LIVE_GAP_GRACE_SECONDS": 0.1,
    # Each socket compares its last seq with the database this often (jittered) and sends
    # what the at-most-once layer dropped; it also re-checks its credentials then.
    "LIVE_CHECK_INTERVAL_SECONDS": 30.0,
    # Seconds a socket-pool thread keeps its database connection (consumers.base.db).
    "LIVE_DB_CONN_MAX_AGE": 60.0,
    # A ping does the same check at most this often per socket.
    "LIVE_PING_CHECK_MIN_SECONDS": 5.0,
    # Concurrent group_add/group_discard calls per process (RedisChannelLayer's pool has 100).
    "LIVE_LAYER_CONCURRENCY": 50,
    # Replay window (CONTRACT §3: at least 24 hours and 10,000 events per stream).
    "LIVE_EVENT_RETENTION_HOURS": 24,
    "LIVE_EVENT_RETENTION_COUNT": 10_000,
}


def live_setting(name: str):
    return getattr(settings, name, DEFAULTS[name])
