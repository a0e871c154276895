"""`publish()`: write the event in the caller's transaction, send it after commit (Zulip's
send_event_on_commit). A rolled-back change sends nothing and uses no seq."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from routing.models import StreamCounter, StreamEvent
from routing.streams import group_name, parse_stream

logger = logging.getLogger("padelyzer.events")

# The counter row is the per-stream lock: a second publisher of the same stream waits here
# until the first commits or rolls back, so seq is gap-free and follows commit order.
_NEXT_SEQ_SQL = """
INSERT INTO routing_streamcounter (stream, seq) VALUES (%s, 1)
ON CONFLICT (stream) DO UPDATE SET seq = routing_streamcounter.seq + 1
RETURNING seq
"""

# Layer message type; consumers handle it in `stream_event`.
STREAM_EVENT = "stream.event"

# Each is called with every message publish() writes (the test suite checks them against the
# event schemas, routing.schemas).
PUBLISH_HOOKS: list[Callable[[dict], None]] = []


def _jsonable(data):
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def format_ts(moment: datetime) -> str:
    """One spelling for every `ts`, so a replayed event is byte-identical to the live one."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_message(*, stream: str, seq: int, type: str, ts: str, data) -> dict:
    return {"type": type, "stream": stream, "seq": seq, "ts": ts, "data": data}


def publish(stream: str, type: str, data: dict) -> dict:
    """Append an event to `stream`'s log and schedule its fan-out for after commit.

    Must run inside the service's transaction: the counter row lock held until commit is
    what makes seq follow commit order. Publish to several streams in a fixed order
    (club before staff before user) so two transactions never wait on each other.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("publish() must be called inside transaction.atomic()")
    parse_stream(stream)  # a bad name fails here, in the caller's transaction, not after commit
    payload = _jsonable(data)
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SEQ_SQL, [stream])
        seq = cursor.fetchone()[0]
    StreamEvent.objects.create(stream=stream, seq=seq, type=type, data=payload, created_at=now)
    message = event_message(stream=stream, seq=seq, type=type, ts=format_ts(now), data=payload)
    for hook in PUBLISH_HOOKS:
        hook(message)
    # Runs only if the outermost transaction commits; discarded with a rolled-back savepoint.
    transaction.on_commit(lambda: send_to_group(stream, message), robust=True)
    return message


def send_to_group(stream: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(stream), {"type": STREAM_EVENT, "event": message})
    except Exception:  # at-most-once transport; sockets recover from the log by seq
        logger.warning("fan-out failed for %s seq %s; sockets will catch up from the log", stream,
                       message["seq"], exc_info=True)


def current_seq(stream: str) -> int:
    return StreamCounter.objects.filter(stream=stream).values_list("seq", flat=True).first() or 0
