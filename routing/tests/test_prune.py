"""Pruning keeps at least 24 hours and at least the newest 10,000 events of every stream."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from routing.eventlog import prune_stream_events
from routing.models import StreamCounter, StreamEvent
from routing.streams import club_stream

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC)
OLD = NOW - timedelta(hours=25)
RECENT = NOW - timedelta(hours=23)


def fill(stream: str, count: int, created_at, start: int = 1) -> None:
    StreamEvent.objects.bulk_create(
        (StreamEvent(stream=stream, seq=seq, type="t", data={}, created_at=created_at(seq))
         for seq in range(start, start + count)), batch_size=5000)
    StreamCounter.objects.update_or_create(stream=stream, defaults={"seq": start + count - 1})


def seqs(stream: str) -> list[int]:
    return list(StreamEvent.objects.filter(stream=stream).order_by("seq").values_list("seq", flat=True))


def test_defaults_keep_24_hours_and_10000_per_stream():
    old_and_many, recent_and_many, old_and_few, mixed = (club_stream(uuid.uuid4()) for _ in range(4))
    fill(old_and_many, 10_050, lambda s: OLD)
    fill(recent_and_many, 10_100, lambda s: RECENT)
    fill(old_and_few, 30, lambda s: OLD)
    fill(mixed, 10_020, lambda s: OLD if s <= 10 else RECENT)  # 1-10 older than a day

    deleted = prune_stream_events()

    assert seqs(old_and_many) == list(range(51, 10_051))  # the newest 10,000
    assert len(seqs(recent_and_many)) == 10_100  # all younger than 24 h
    assert seqs(old_and_few) == list(range(1, 31))  # fewer than 10,000
    assert seqs(mixed) == list(range(11, 10_021))  # old and beyond the newest 10,000: gone
    assert deleted == 50 + 10
    assert prune_stream_events() == 0  # idempotent


def test_flags_batches_and_stream_filter():
    a, b = club_stream(uuid.uuid4()), club_stream(uuid.uuid4())
    fill(a, 50, lambda s: NOW - timedelta(hours=3))
    fill(b, 50, lambda s: NOW - timedelta(hours=3))
    assert prune_stream_events(keep_hours=2, keep_last=5, streams=[a], batch_size=7) == 45
    assert seqs(a) == list(range(46, 51)) and len(seqs(b)) == 50
    assert prune_stream_events(keep_hours=4, keep_last=5) == 0  # younger than 4 h: kept


def test_events_without_a_counter_row_are_kept():
    stream = club_stream(uuid.uuid4())
    StreamEvent.objects.create(stream=stream, seq=1, type="t", data={}, created_at=OLD)
    assert prune_stream_events(keep_hours=0, keep_last=0) == 0


def test_command(capsys):
    stream = club_stream(uuid.uuid4())
    fill(stream, 20, lambda s: OLD)
    call_command("prune_events", "--keep", "5", "--hours", "24")
    assert "Deleted 15 stream event(s)." in capsys.readouterr().out
    assert seqs(stream) == list(range(16, 21))
    with pytest.raises(Exception, match="must be >= 0"):
        call_command("prune_events", "--keep", "-1")
