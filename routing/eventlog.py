"""Reads of the replay log, one consistent-snapshot helper, and pruning.

The log of a stream is contiguous: pruning removes only a stream's oldest events, so the
events kept are exactly `oldest..current` and "is N still replayable?" is one index probe.
"""
from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from routing.conf import live_setting
from routing.models import StreamEvent
from routing.publisher import current_seq, event_message, format_ts


@contextlib.contextmanager
def repeatable_read():
    """One database snapshot for everything read inside (seq and rows agree).

    PostgreSQL takes the snapshot at the first statement, so the isolation level must be set
    before anything else. Nested in an existing transaction (tests without transaction=True)
    it can only reuse that one.
    """
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _messages(stream: str, rows) -> list[dict]:
    return [event_message(stream=stream, seq=seq, type=type_, ts=format_ts(created_at), data=data)
            for seq, type_, data, created_at in rows]


def events_between(stream: str, after: int, upto: int) -> list[dict] | None:
    """Events `after+1 .. upto` in order, or None if any of them is no longer kept."""
    if upto <= after:
        return []
    rows = list(StreamEvent.objects.filter(stream=stream, seq__gt=after, seq__lte=upto)
                .order_by("seq").values_list("seq", "type", "data", "created_at"))
    if len(rows) != upto - after or rows[0][0] != after + 1:
        return None
    return _messages(stream, rows)


def events_after(stream: str, since: int) -> tuple[int, list[dict] | None]:
    """(current seq, every event after `since`), or (current, None) when a replay cannot be
    given: `since` is older than what is kept, greater than current, or negative. Current and
    the rows come from one snapshot."""
    with repeatable_read():
        current = current_seq(stream)
        if since < 0 or since > current:
            return current, None
        return current, events_between(stream, since, current)


_PRUNE_SQL = """
DELETE FROM routing_streamevent WHERE id IN (
    SELECT e.id FROM routing_streamevent e
    JOIN routing_streamcounter c ON c.stream = e.stream
    WHERE e.created_at < %s AND e.seq <= c.seq - %s {stream_filter}
    LIMIT %s
)
"""


def prune_stream_events(*, keep_hours: float | None = None, keep_last: int | None = None,
                        streams: list[str] | None = None, batch_size: int = 5000,
                        now: datetime | None = None) -> int:
    """Delete events older than `keep_hours` that are not among their stream's newest
    `keep_last`; returns how many were deleted. Both rules must agree before a row goes, so
    each stream keeps at least 24 h and at least 10,000 events by default.

    Seqs are contiguous, so "newest N" is `seq > counter - N`: one indexed comparison per row
    instead of a window function. Deletes in batches (each its own transaction) so a large
    backlog never holds one long lock. Events of a stream without a counter row are kept.
    """
    keep_hours = live_setting("LIVE_EVENT_RETENTION_HOURS") if keep_hours is None else keep_hours
    keep_last = live_setting("LIVE_EVENT_RETENTION_COUNT") if keep_last is None else keep_last
    if keep_hours < 0 or keep_last < 0 or batch_size < 1:
        raise ValueError("keep_hours and keep_last must be >= 0, batch_size >= 1")
    cutoff = (now or datetime.now(UTC)) - timedelta(hours=keep_hours)
    params: list = [cutoff, keep_last]
    stream_filter = ""
    if streams:
        stream_filter = "AND e.stream = ANY(%s)"
        params.append(list(streams))
    sql = _PRUNE_SQL.format(stream_filter=stream_filter)
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [*params, batch_size])
            deleted = cursor.rowcount
        total += deleted
        if deleted < batch_size:
            return total
