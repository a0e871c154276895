"""Property (Zulip's verify_action, over a whole session): whatever the interleaving of
bookings, cancellations, maintenance blocks, lost fan-out messages and clients dropping and
resuming with `since`, every client ends with exactly the state of a fresh snapshot, having
applied each seq once and in order (LiveClient raises on any gap or duplicate). Every change the
booking rules allow must commit and every other be refused (a small model of the rules says
which), so a session where nothing committed cannot pass for a converged one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

import routing.publisher
from tests.support.live import LiveClient, access_token, comparable, make_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer")]

CLIENTS = 3  # two on the club stream, one on the staff stream
CLOSING_SLOT = 28  # the club (tests.support.live.make_world) closes at 22:00, 28 half hours after 08:00


@dataclass(frozen=True)
class Book:
    court: int
    slot: int  # half hours after 08:00
    length: int  # half hours


@dataclass(frozen=True)
class Cancel:
    pick: int


@dataclass(frozen=True)
class Block:
    court: int
    slot: int
    length: int


@dataclass(frozen=True)
class Unblock:
    pick: int


@dataclass(frozen=True)
class LoseNextFanout:
    pass


@dataclass(frozen=True)
class Leave:
    client: int


@dataclass(frozen=True)
class Resume:
    client: int


@dataclass(frozen=True)
class Read:
    client: int


courts, slots, client_ids = st.integers(0, 1), st.integers(0, 25), st.integers(0, CLIENTS - 1)
operations = st.lists(st.one_of(
    st.builds(Book, courts, slots, st.sampled_from([2, 3, 4])),
    st.builds(Book, courts, slots, st.sampled_from([2, 3, 4])),
    st.builds(Cancel, st.integers(0, 20)),
    st.builds(Block, courts, slots, st.integers(1, 4)),
    st.builds(Unblock, st.integers(0, 20)),
    st.builds(LoseNextFanout),
    st.builds(Leave, client_ids),
    st.builds(Resume, client_ids),
    st.builds(Read, client_ids),
), min_size=1, max_size=16)


class Session:
    """One example: a fresh club, its clients, what was booked and blocked (with the court and
    half-hour slots each holds), and how many changes committed."""

    def __init__(self):
        self.world = make_world()
        self.reservations: list = []  # (reservation, court, first slot, end slot)
        self.blocks: list = []  # (block, court, first slot, end slot)
        self.committed = 0
        self.surprises: list = []  # (op, committed?, refusal code): outcomes the rules do not predict

    def at(self, slot: int):
        return self.world.at(8) + timedelta(minutes=30 * slot)

    def _free(self, court: int, first: int, end: int) -> bool:
        return all(c != court or end <= a or b <= first for _obj, c, a, b in self.reservations + self.blocks)

    def apply(self, op) -> None:
        from apps.clubs.services import maintenance_block_create, maintenance_block_delete
        from apps.core.errors import ApplicationError
        from apps.reservations.services import reservation_cancel, reservation_create

        w = self.world
        code = None
        try:
            if isinstance(op, Book):
                first, end = op.slot, op.slot + op.length
                allowed = end <= CLOSING_SLOT and self._free(op.court, first, end)
                self.reservations.append((reservation_create(
                    court=w.courts[op.court], user=w.player, start=self.at(first), end=self.at(end)),
                    op.court, first, end))
            elif isinstance(op, Cancel) and self.reservations:
                allowed = True
                reservation = self.reservations.pop(op.pick % len(self.reservations))[0]
                reservation_cancel(reservation=reservation, actor=w.staff, actor_is_staff=True)
            elif isinstance(op, Block):
                first, end = op.slot, op.slot + op.length
                allowed = self._free(op.court, first, end)  # blocks may run past closing time
                self.blocks.append((maintenance_block_create(
                    court=w.courts[op.court], start=self.at(first), end=self.at(end),
                    reason="maintenance", user=w.staff), op.court, first, end))
            elif isinstance(op, Unblock) and self.blocks:
                allowed = True
                maintenance_block_delete(block=self.blocks.pop(op.pick % len(self.blocks))[0])
            else:
                return  # nothing to cancel or unblock
            committed = True
        except ApplicationError as refused:
            committed, code = False, refused.code  # taken or outside opening hours: rolled back, no event, no seq
        self.committed += committed
        if committed != allowed:
            self.surprises.append((op, committed, code))

    def fresh(self) -> tuple[dict, dict, dict]:
        from routing.eventlog import repeatable_read
        from routing.permissions import check_subscription
        from routing.publisher import current_seq
        from routing.snapshots import read_snapshot

        w = self.world
        params = {"date": w.day.isoformat()}
        club = read_snapshot(check_subscription("club", str(w.club.pk)).target, params)[1]
        staff = read_snapshot(check_subscription("staff", str(w.club.pk), token=access_token(w.staff)).target,
                              params)[1]
        with repeatable_read():
            seqs = {"club": current_seq(f"club:{w.club.pk}"), "staff": current_seq(f"staff:{w.club.pk}")}
        return club, staff, seqs


@pytest.fixture
def lossy_fanout(monkeypatch):
    """`lose["next"] = True` drops the layer messages of the next committed change."""
    real = routing.publisher.send_to_group
    lose = {"next": False, "streams": set()}

    def send(stream, message):
        if lose["next"]:
            lose["streams"].add(stream.split(":")[0])
            if lose["streams"] >= {"club", "staff"}:
                lose["next"], lose["streams"] = False, set()
            return
        real(stream, message)

    monkeypatch.setattr(routing.publisher, "send_to_group", send)
    return lose


@hsettings(max_examples=20, deadline=None, database=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
async def test_every_client_converges_to_a_fresh_snapshot(ops, lossy_fanout, fast_checks):
    lossy_fanout.update(next=False, streams=set())
    session = await sync_to_async(Session)()
    w = session.world
    staff_token = await sync_to_async(access_token)(w.staff)
    day = w.day.isoformat()
    clients = [LiveClient(w.club_path, date=day), LiveClient(w.club_path, date=day),
               LiveClient(w.staff_path, date=day, token=staff_token)]
    try:
        for client in clients:
            await client.connect()
        for op in ops:
            if isinstance(op, LoseNextFanout):
                lossy_fanout["next"] = True
            elif isinstance(op, Leave) and clients[op.client].connected:
                await clients[op.client].disconnect()
            elif isinstance(op, Resume) and not clients[op.client].connected:
                client = clients[op.client]
                hello = await client.connect(since=client.seq)
                assert hello["data"]["mode"] == "replay"  # everything is still in the log
            elif isinstance(op, Read) and clients[op.client].connected:
                await clients[op.client].pump(quiet=0.02)
            else:
                await sync_to_async(session.apply)(op)

        club, staff, seqs = await sync_to_async(session.fresh)()
        assert session.surprises == [], "a change the rules allow was refused, or the reverse"
        assert seqs["club"] == session.committed, "one club event per committed change, none for a refused one"
        for client in clients:
            if not client.connected:
                await client.connect(since=client.seq)
            await client.ping()  # a lost last event is caught up before the pong
            await client.wait_for_seq(seqs["staff" if client.path.endswith("/staff/") else "club"])
            assert await client.pump(quiet=0.05) == 0
        for client in clients[:2]:
            assert client.state == club
        assert comparable(clients[2].state) == comparable(staff)
        assert clients[0].events == clients[1].events or not ops  # same events, same seqs
    finally:
        for client in clients:
            await client.disconnect()
