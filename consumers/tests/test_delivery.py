"""Delivery: replay after `since`, snapshots, seq order, no loss and no duplicate at subscribe,
holes left by the at-most-once layer filled from the log (CONTRACT §3)."""
from __future__ import annotations

import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import connections, transaction

from routing.streams import CLUB, club_stream
from tests.support.live import LiveClient, abook, access_token, book, comparable

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer")]


def fresh_availability(world):
    from apps.reservations.selectors import availability_for

    return availability_for(club=world.club, day=world.day)


def fresh_staff(world):
    from routing.permissions import check_subscription
    from routing.snapshots import read_snapshot

    decision = check_subscription("staff", str(world.club.pk), token=access_token(world.staff))
    return read_snapshot(decision.target, {"date": world.day.isoformat()})[1]


def cancel(reservation, actor):
    from apps.reservations.services import reservation_cancel

    return reservation_cancel(reservation=reservation, actor=actor, actor_is_staff=True)


def in_other_thread(func, *args, **kwargs):
    """Commit from another connection, as another request would, and wait for it."""
    result = {}

    def run():
        try:
            result["value"] = func(*args, **kwargs)
        except BaseException as exc:  # surfaced below
            result["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(20)
    if "error" in result:
        raise result["error"]
    return result["value"]


async def test_live_booking_updates_the_state_to_a_fresh_snapshot(world):
    client = LiveClient(world.club_path, date=world.day.isoformat())
    await client.connect()
    try:
        reservation = await abook(world, hour=9)
        await client.wait_for_seq(1)
        event = client.events[0]
        assert event["type"] == "reservation.created" and event["stream"] == club_stream(world.club.pk)
        for field in ("court", "start", "end", "status", "slot_status"):
            assert field in event["data"]
        assert event["data"]["slot_status"] == "booked" and event["data"]["id"] == str(reservation.pk)
        assert "player" not in event["data"]  # the public stream names nobody
        await sync_to_async(cancel)(reservation, world.staff)
        await client.wait_for_seq(2)
        assert client.events[1]["type"] == "reservation.cancelled"
        assert client.state == await sync_to_async(fresh_availability)(world)
    finally:
        await client.disconnect()


async def test_staff_stream_state_follows_bookings(world):
    token = await sync_to_async(access_token)(world.staff)
    client = LiveClient(world.staff_path, token=token, date=world.day.isoformat())
    await client.connect()
    try:
        first = await abook(world, hour=9)
        await abook(world, court_index=1, hour=9, minutes=90)
        await sync_to_async(cancel)(first, world.staff)
        await client.wait_for_seq(3)
        assert client.events[0]["data"]["player"]["name"] == world.player.full_name
        assert comparable(client.state) == comparable(await sync_to_async(fresh_staff)(world))
    finally:
        await client.disconnect()


async def test_two_sockets_see_the_same_events_with_the_same_seq(world):
    one, two = LiveClient(world.club_path), LiveClient(world.club_path)
    await one.connect()
    await two.connect()
    try:
        await abook(world, hour=10)
        await abook(world, court_index=1, hour=10)
        await one.wait_for_seq(2)
        await two.wait_for_seq(2)
        assert one.events == two.events
        assert [e["seq"] for e in one.events] == [1, 2]
    finally:
        await one.disconnect()
        await two.disconnect()


async def test_replay_sends_exactly_the_missed_events_in_order(world):
    watcher = LiveClient(world.club_path, date=world.day.isoformat())
    await watcher.connect()
    resumer = LiveClient(world.club_path, date=world.day.isoformat())
    await resumer.connect()
    try:
        first = await abook(world, hour=8)
        await resumer.wait_for_seq(1)
        await resumer.disconnect()
        await abook(world, court_index=1, hour=12)
        await abook(world, hour=14, minutes=120)
        await sync_to_async(cancel)(first, world.staff)
        await watcher.wait_for_seq(4)

        hello = await resumer.connect(since=1)
        assert hello["data"]["mode"] == "replay" and hello["data"]["replayed"] == 3 and hello["seq"] == 4
        assert resumer.messages[-3:] == watcher.events[1:]  # same messages, original seqs, in order
        assert not any(m["type"] == "snapshot" for m in resumer.messages[-4:])
        assert resumer.state == await sync_to_async(fresh_availability)(world)
        await abook(world, hour=18)  # then live
        await resumer.wait_for_seq(5)
        assert await resumer.pump() == 0
    finally:
        await watcher.disconnect()
        await resumer.disconnect()


async def test_since_equal_to_current_replays_nothing(world):
    await abook(world, hour=10)
    client = LiveClient(world.club_path)
    client.seq = 1
    hello = await client.connect(since=1)
    try:
        assert hello["data"] == {**hello["data"], "mode": "replay", "replayed": 0}
        assert [m["type"] for m in client.messages] == ["hello"]
    finally:
        await client.disconnect()


@pytest.mark.parametrize("since", ["older", "ahead", "abc", "-1", ""])
async def test_unusable_since_gets_a_snapshot(world, since):
    from routing.eventlog import prune_stream_events

    for hour in (8, 10, 12, 14):
        await abook(world, hour=hour)
    await sync_to_async(prune_stream_events)(keep_hours=0, keep_last=2)  # keeps seq 3 and 4
    value = {"older": "1", "ahead": "9"}.get(since, since)
    client = LiveClient(world.club_path, date=world.day.isoformat())
    hello = await client.connect(since=value)  # sent verbatim, "" included
    try:
        assert hello["data"]["mode"] == "snapshot" and hello["seq"] == 4
        assert client.messages[1]["type"] == "snapshot"
        assert client.state == await sync_to_async(fresh_availability)(world)
    finally:
        await client.disconnect()


async def test_since_just_inside_what_is_kept_replays(world):
    from routing.eventlog import prune_stream_events

    for hour in (8, 10, 12, 14):
        await abook(world, hour=hour)
    await sync_to_async(prune_stream_events)(keep_hours=0, keep_last=2)
    client = LiveClient(world.club_path)
    client.seq = 2
    hello = await client.connect(since=2)
    try:
        assert hello["data"]["mode"] == "replay" and [e["seq"] for e in client.events] == [3, 4]
    finally:
        await client.disconnect()


async def test_rolled_back_booking_sends_nothing_and_uses_no_seq(world):
    from routing.models import StreamEvent
    from routing.publisher import current_seq

    client = LiveClient(world.club_path)
    await client.connect()
    try:
        class Abort(Exception):
            pass

        def book_then_fail():
            with pytest.raises(Abort), transaction.atomic():
                book(world, hour=10)  # publishes inside the transaction...
                raise Abort  # ...which then rolls back

        await sync_to_async(book_then_fail)()
        assert await client.pump(quiet=0.5) == 0
        assert await sync_to_async(current_seq)(club_stream(world.club.pk)) == 0
        assert not await sync_to_async(StreamEvent.objects.filter(stream=club_stream(world.club.pk)).exists)()
        await abook(world, hour=10)  # the same slot is free and the next change is seq 1
        await client.wait_for_seq(1)
        assert [e["seq"] for e in client.events] == [1]
    finally:
        await client.disconnect()


# --- no race at subscribe --------------------------------------------------------------------------

async def test_commit_after_the_read_snapshot_arrives_live_exactly_once(world):
    """A booking commits while the snapshot is being read, after its database snapshot was
    taken: the snapshot does not contain it, so the live event must be delivered."""
    from apps.reservations.live import club_snapshot
    from routing.registry import swap_hook

    fired = []

    def provider(target, params):
        if not fired:
            fired.append(in_other_thread(book, world, hour=10))
        return club_snapshot(target, params)

    previous = swap_hook(CLUB, "snapshot", provider)
    client = LiveClient(world.club_path, date=world.day.isoformat())
    try:
        hello = await client.connect()
        assert fired and hello["seq"] == 0
        assert all(s["status"] == "free" for s in client.state["courts"][0]["slots"] if s["start"][11:13] == "10")
        await client.wait_for_seq(1)
        assert client.state == await sync_to_async(fresh_availability)(world)
        assert await client.pump() == 0
    finally:
        swap_hook(CLUB, "snapshot", previous)
        await client.disconnect()


async def test_commit_between_join_and_read_is_not_shown_twice(world, monkeypatch):
    """A booking commits after the socket joined the group but before the read: the snapshot
    contains it and its live event, already waiting in the inbox, must be dropped."""
    import consumers.base

    original = consumers.base.read_snapshot
    fired = []

    def read_snapshot(target, params):
        if not fired:
            fired.append(in_other_thread(book, world, hour=10))
        return original(target, params)

    monkeypatch.setattr(consumers.base, "read_snapshot", read_snapshot)
    client = LiveClient(world.club_path, date=world.day.isoformat())
    try:
        hello = await client.connect()
        assert fired and hello["seq"] == 1
        assert client.state == await sync_to_async(fresh_availability)(world)
        assert await client.pump(quiet=0.5) == 0  # the live copy of seq 1 was dropped
        await abook(world, hour=12)
        await client.wait_for_seq(2)
    finally:
        await client.disconnect()


async def test_commit_during_replay_read_is_not_lost_or_doubled(world, monkeypatch):
    import consumers.base

    await abook(world, hour=8)
    original = consumers.base.events_after
    fired = []

    def events_after(stream, since):
        if not fired:
            fired.append(in_other_thread(book, world, hour=10))
        return original(stream, since)

    monkeypatch.setattr(consumers.base, "events_after", events_after)
    client = LiveClient(world.club_path)
    client.seq = 1
    try:
        await client.connect(since=1)
        await client.wait_for_seq(2)
        assert [e["seq"] for e in client.events] == [2]
        assert await client.pump(quiet=0.5) == 0
    finally:
        await client.disconnect()


# --- holes, reordering and duplicates from the layer -------------------------------------------------

@pytest.fixture
def held_fanout(monkeypatch):
    """Publishing keeps the layer messages instead of sending them; the test sends them."""
    import routing.publisher

    held: dict[str, list[tuple[str, dict]]] = {}
    real = routing.publisher.send_to_group
    monkeypatch.setattr(routing.publisher, "send_to_group",
                        lambda stream, message: held.setdefault(stream, []).append((stream, message)))
    return held, sync_to_async(real)


async def test_reordered_and_duplicated_live_events_are_delivered_once_in_order(world, held_fanout):
    held, send = held_fanout
    client = LiveClient(world.club_path, date=world.day.isoformat())
    await client.connect()
    try:
        await abook(world, hour=8)
        await abook(world, hour=10)
        await abook(world, hour=12)
        (s1, m1), (s2, m2), (s3, m3) = held[club_stream(world.club.pk)]
        await send(s2, m2)
        await send(s1, m1)
        await send(s1, m1)
        await send(s3, m3)
        await send(s2, m2)
        await client.wait_for_seq(3)
        assert [e["seq"] for e in client.events] == [1, 2, 3]
        assert await client.pump(quiet=0.5) == 0
        assert client.state == await sync_to_async(fresh_availability)(world)
    finally:
        await client.disconnect()


async def test_a_dropped_event_is_read_from_the_log_when_the_next_one_arrives(world, held_fanout):
    held, send = held_fanout
    client = LiveClient(world.club_path, date=world.day.isoformat())
    await client.connect()
    try:
        await abook(world, hour=8)
        await abook(world, hour=10)
        held = held[club_stream(world.club.pk)]
        await send(*held[1])  # seq 1 was lost by the layer
        await client.wait_for_seq(2)
        assert [e["seq"] for e in client.events] == [1, 2]
        assert client.events[0] == held[0][1]
        assert client.state == await sync_to_async(fresh_availability)(world)
    finally:
        await client.disconnect()


async def test_a_dropped_last_event_is_delivered_on_ping(world, held_fanout, fast_checks):
    held, _send = held_fanout
    client = LiveClient(world.club_path)
    await client.connect()
    try:
        await abook(world, hour=8)
        assert await client.pump(quiet=0.3) == 0  # nothing came through the layer
        pong = await client.ping()
        assert [e["seq"] for e in client.events] == [1]
        assert pong["seq"] == 1  # pong follows the caught-up event and carries its seq
    finally:
        await client.disconnect()


async def test_a_dropped_last_event_is_delivered_by_the_periodic_check(world, held_fanout, settings):
    settings.LIVE_CHECK_INTERVAL_SECONDS = 0.3
    client = LiveClient(world.club_path)
    await client.connect()
    try:
        await abook(world, hour=8)
        await client.wait_for_seq(1, timeout=3)
    finally:
        await client.disconnect()


async def test_pruned_hole_resyncs_with_a_snapshot(world, held_fanout):
    from routing.eventlog import prune_stream_events

    held, send = held_fanout
    client = LiveClient(world.club_path, date=world.day.isoformat())
    await client.connect()
    try:
        for hour in (8, 10, 12):
            await abook(world, hour=hour)
        await sync_to_async(prune_stream_events)(keep_hours=0, keep_last=1)  # seq 1 and 2 are gone
        await send(*held[club_stream(world.club.pk)][2])
        snapshot = await client.receive()
        assert snapshot["type"] == "snapshot" and snapshot["seq"] == 3
        assert client.state == await sync_to_async(fresh_availability)(world)
        assert await client.pump(quiet=0.3) == 0
    finally:
        await client.disconnect()
