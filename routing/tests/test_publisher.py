"""The publisher: gap-free per-stream seq in commit order, nothing from rolled-back work."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connections, transaction

import routing.publisher
from routing.models import StreamCounter, StreamEvent
from routing.publisher import current_seq, publish
from routing.streams import club_stream, staff_stream

# Made-up event types and data: the machinery is under test here, not the schemas.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.placeholder_events]


@pytest.fixture
def sent(monkeypatch):
    """Fan-out messages, collected instead of sent (thread-safe)."""
    lock = threading.Lock()
    messages: list[tuple[str, dict]] = []

    def collect(stream, message):
        with lock:
            messages.append((stream, message))

    monkeypatch.setattr(routing.publisher, "send_to_group", collect)
    return messages


def test_publish_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        publish(club_stream(uuid.uuid4()), "x", {})


def test_bad_stream_name_fails_in_the_callers_transaction():
    with pytest.raises(ValueError), transaction.atomic():
        publish("club:not-an-id", "x", {})
    assert not StreamEvent.objects.exists()


def test_rolled_back_publish_sends_nothing_and_uses_no_seq(sent):
    stream = club_stream(uuid.uuid4())
    with transaction.atomic():
        publish(stream, "a", {"n": 1})
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        publish(stream, "b", {"n": 2})
        1 / 0  # noqa: B018  (fails inside the transaction on purpose)
    with transaction.atomic():  # a rolled-back savepoint inside a committed transaction
        try:
            with transaction.atomic():
                publish(stream, "c", {"n": 3})
                raise KeyError
        except KeyError:
            pass
        publish(stream, "d", {"n": 4})
    assert [(m["seq"], m["type"]) for _s, m in sent] == [(1, "a"), (2, "d")]
    assert list(StreamEvent.objects.filter(stream=stream).values_list("seq", "type")) == [(1, "a"), (2, "d")]
    assert current_seq(stream) == 2


def test_the_sent_message_is_the_logged_row(sent):
    stream = club_stream(uuid.uuid4())
    with transaction.atomic():
        returned = publish(stream, "reservation.created", {"when": "x", "price": __import__("decimal").Decimal("2.50")})
    (_stream, message), = sent
    assert message == returned
    assert set(message) == {"type", "stream", "seq", "ts", "data"}
    assert message["data"] == {"when": "x", "price": "2.50"}  # JSON-safe, as the replay will read it
    from routing.eventlog import events_between

    assert events_between(stream, 0, 1) == [message]  # a replayed event is identical to the live one


def test_concurrent_publishers_get_a_gap_free_sequence(sent):
    """8 threads publish 25 transactions each to two streams (club then staff, as services do);
    every 5th rolls back. Seqs are 1..committed on each stream, each sent exactly once."""
    club_id = uuid.uuid4()
    streams = (club_stream(club_id), staff_stream(club_id))
    committed = []
    errors = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker(n):
        try:
            start.wait()
            for i in range(25):
                try:
                    with transaction.atomic():
                        for stream in streams:
                            publish(stream, "t", {"worker": n, "i": i})
                        if i % 5 == 4:
                            raise LookupError
                    with lock:
                        committed.append((n, i))
                except LookupError:
                    pass
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(committed) == 8 * 20
    for stream in streams:
        seqs = list(StreamEvent.objects.filter(stream=stream).order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, 161))
        assert current_seq(stream) == 160
        assert sorted(m["seq"] for s, m in sent if s == stream) == seqs
        logged = {(e["worker"], e["i"]) for e in StreamEvent.objects.filter(stream=stream).values_list("data", flat=True)}
        assert logged == set(committed)
    # one transaction's events carry the same position on both streams: club and staff agree
    club_rows = dict(StreamEvent.objects.filter(stream=streams[0]).values_list("seq", "data"))
    staff_rows = dict(StreamEvent.objects.filter(stream=streams[1]).values_list("seq", "data"))
    assert club_rows == staff_rows


def _in_thread(func):
    result = {}

    def run():
        try:
            result["value"] = func()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_seq_follows_commit_order():
    """A second publisher waits on the counter row until the first transaction ends, so the
    later commit always has the higher seq; a rollback hands its number to the waiter."""
    stream = club_stream(uuid.uuid4())

    def publish_one():
        with transaction.atomic():
            seq = publish(stream, "second", {})["seq"]
        return seq, time.monotonic()

    with transaction.atomic():
        assert publish(stream, "first", {})["seq"] == 1
        thread, result = _in_thread(publish_one)
        time.sleep(0.5)
        assert thread.is_alive()  # blocked behind our uncommitted seq 1
        committed_at = time.monotonic()
    thread.join(10)
    seq, done_at = result["value"]
    assert seq == 2 and done_at >= committed_at

    with pytest.raises(LookupError), transaction.atomic():
        assert publish(stream, "doomed", {})["seq"] == 3
        thread, result = _in_thread(publish_one)
        time.sleep(0.3)
        assert thread.is_alive()
        raise LookupError
    thread.join(10)
    assert result["value"][0] == 3  # the rolled-back number is reused: no gap
    assert list(StreamEvent.objects.filter(stream=stream).values_list("seq", "type")) == [
        (1, "first"), (2, "second"), (3, "second")]
    assert StreamCounter.objects.get(stream=stream).seq == 3
