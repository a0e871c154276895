"""Fan-out bench (issue 3, point 10): how long after a booking do N sockets on one club stream
hold the event, through real daphne + Redis, compared with a bare `websockets` broadcast
server (the floor), for both channels-redis layer classes.

Not a test: it prints figures. Usage (PostgreSQL and Redis running):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/padelyzer_bench \\
        .venv/bin/python bench/fanout.py [--sockets 1000] [--bookings 20] [--layers pubsub,core]

The database is created and migrated if needed; each layer gets a fresh club.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loadkit import create_database_if_missing, raise_fd_limit  # noqa: E402  (bench/ is the script's own folder)

from bench.kit.daphne import DaphneServer, cluster_env  # noqa: E402

# Handshakes in flight at once. RedisChannelLayer's redis-py pool holds 100 connections and
# fails (MaxConnectionsError) rather than waits when they are all busy with group_add.
CONNECT_CONCURRENCY = 50
EVENT_TIMEOUT = 15.0


def _iso_ms(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _epoch(ts: str) -> float:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


# ---------------------------------------------------------------- floor server (subprocess)

def serve_floor() -> None:
    """Bare websockets broadcast: clients on /, a control socket on /control sends an event
    to broadcast and gets "ok" once it is handed to every client connection."""
    from websockets.asyncio.server import broadcast, serve

    clients: set = set()

    async def handler(ws):
        if ws.request.path == "/control":
            async for message in ws:
                event = json.loads(message)
                event["ts"] = _iso_ms(datetime.now(UTC))  # stamped when sent, as publish() does
                broadcast(clients, json.dumps(event))
                await ws.send("ok")
            return
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async def serve_forever():
        async with serve(handler, "127.0.0.1", 0, compression=None, max_queue=None) as server:
            print(server.sockets[0].getsockname()[1], flush=True)
            await asyncio.Future()

    raise_fd_limit(1024)
    asyncio.run(serve_forever())


# ---------------------------------------------------------------- Django side (this process)

def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings_test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    create_database_if_missing(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)



@dataclass
class Fixture:
    club_id: str
    token: str
    day: str
    slots: list[tuple[str, str, str]]  # (court, start, end) for each booking


def make_fixture(bookings: int) -> Fixture:
    from datetime import time as dtime

    from rest_framework_simplejwt.tokens import RefreshToken

    from apps.accounts.models import User
    from apps.clubs.models import Club, Court, OpeningHours
    from apps.organizations.models import Organization

    stamp = f"{int(time.time() * 1000)}-{os.getpid()}"
    org = Organization.objects.create(name=f"Bench {stamp}", slug=f"bench-{stamp}")
    club = Club.objects.create(organization=org, name=f"Bench club {stamp}", slug=f"bench-club-{stamp}",
                               timezone="Europe/Madrid", is_public=True, booking_horizon_days=30)
    OpeningHours.objects.bulk_create(OpeningHours(club=club, weekday=d, opens=dtime(8), closes=dtime(22))
                                     for d in range(7))
    per_court = 14  # one-hour bookings 08:00-22:00
    courts = [Court.objects.create(club=club, name=f"Court {n + 1}")
              for n in range((bookings + per_court - 1) // per_court)]
    user = User.objects.create_user(email=f"bench-{stamp}@example.com", password="bench-Pass-123")
    tz = ZoneInfo(club.timezone)
    day = datetime.now(tz).date() + timedelta(days=2)
    slots = []
    for i in range(bookings):
        start = datetime(day.year, day.month, day.day, 8 + i % per_court, tzinfo=tz)
        slots.append((str(courts[i // per_court].pk), start.isoformat(), (start + timedelta(hours=1)).isoformat()))
    return Fixture(club_id=str(club.pk), token=str(RefreshToken.for_user(user).access_token),
                   day=day.isoformat(), slots=slots)


# ---------------------------------------------------------------- measuring

@dataclass
class Sockets:
    conns: list = field(default_factory=list)
    received: list[dict[int, float]] = field(default_factory=list)  # per socket: seq -> perf_counter at receipt
    since_ts: list[dict[int, float]] = field(default_factory=list)  # per socket: seq -> receipt - event ts (s)
    extra: list[int] = field(default_factory=list)  # duplicate or out-of-order arrivals per socket


async def open_sockets(url: str, origin: str, n: int, *, expect_hello: bool, concurrency: int) -> Sockets:
    from websockets.asyncio.client import connect

    sem = asyncio.Semaphore(concurrency)

    async def one():
        async with sem:
            for attempt in range(5):
                try:
                    ws = await connect(url, origin=origin, compression=None, open_timeout=60,
                                       ping_interval=None, max_queue=None)
                    break
                except (OSError, TimeoutError):
                    await asyncio.sleep(0.2 * (attempt + 1))
            else:
                raise RuntimeError(f"could not connect to {url.split('?')[0]}")
            if expect_hello:
                hello = json.loads(await asyncio.wait_for(ws.recv(), 60))
                assert hello["type"] == "hello", hello
            return ws

    socks = Sockets(conns=list(await asyncio.gather(*(one() for _ in range(n)))))
    socks.received = [{} for _ in range(n)]
    socks.since_ts = [{} for _ in range(n)]
    socks.extra = [0] * n
    return socks


async def read_loop(socks: Sockets, index: int, event_type: str) -> None:
    ws, got, since_ts = socks.conns[index], socks.received[index], socks.since_ts[index]
    try:
        async for raw in ws:
            now, now_wall = time.perf_counter(), time.time()
            msg = json.loads(raw)
            if msg.get("type") != event_type:
                continue
            seq = msg["seq"]
            if seq in got or (got and seq < max(got)):
                socks.extra[index] += 1
                continue
            got[seq] = now
            since_ts[seq] = now_wall - _epoch(msg["ts"])
    except Exception:  # closed at the end of the run
        pass


async def wait_all(socks: Sockets, seq: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(seq in got for got in socks.received):
            return
        await asyncio.sleep(0.005)


def percentile(ordered: list[float], p: float) -> float:
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def stats(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return percentile(ordered, 50), percentile(ordered, 99), (ordered[-1] if ordered else float("nan"))


@dataclass
class Result:
    name: str
    sockets: int
    bookings: int
    from_answer_ms: list[float]   # REST answer (floor: control ack) -> receipt: the figure
    from_publish_ms: list[float]  # event `ts` (stamped at publish; floor: at broadcast) -> receipt
    spread_ms: list[float]        # first socket's receipt of that event -> this socket's receipt
    trigger_ms: list[float]       # request sent -> REST answer (floor: control ack)
    missed: int
    extra: int
    connect_s: float
    per_event_ms: list[float] = field(default_factory=list)  # median after publish, per event


def collect(name: str, socks: Sockets, seqs: list[int], sent_at: dict, answered_at: dict,
            connect_s: float) -> Result:
    from_answer, from_publish, spread, missed, per_event = [], [], [], 0, []
    for seq in seqs:
        times = [got[seq] for got in socks.received if seq in got]
        missed += len(socks.received) - len(times)
        if not times:
            continue
        first = min(times)
        from_answer += [(t - answered_at[seq]) * 1000 for t in times]
        spread += [(t - first) * 1000 for t in times]
        these = [d[seq] * 1000 for d in socks.since_ts if seq in d]
        from_publish += these
        per_event.append(statistics.median(these))
    trigger = [(answered_at[s] - sent_at[s]) * 1000 for s in seqs]
    return Result(name, len(socks.conns), len(seqs), from_answer, from_publish, spread, trigger, missed,
                  sum(socks.extra), connect_s, per_event)


async def close_all(socks: Sockets, readers: list[asyncio.Task]) -> None:
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in socks.conns), return_exceptions=True)


async def bench_ours(layer: str, fx: Fixture, n: int, pause: float, concurrency: int, warmup: int) -> Result:
    import requests

    from routing.publisher import current_seq
    from routing.streams import club_stream

    seq0 = await asyncio.to_thread(current_seq, club_stream(fx.club_id))
    from django.conf import settings

    # The server runs the production settings (kept database connections on the socket pool and
    # the rest), not the test ones; the shared SECRET_KEY makes the fixture's token valid there.
    env = cluster_env(database_url=os.environ["DATABASE_URL"], CHANNEL_LAYER=layer,
                      CHANNEL_PREFIX=f"bench-{os.getpid()}-{layer}", CACHE_KEY_PREFIX=f"bench-{os.getpid()}",
                      DJANGO_SETTINGS_MODULE="project.settings", SECRET_KEY=settings.SECRET_KEY, DEBUG="false")
    env.pop("LIVE_DB_CONN_MAX_AGE", None)
    server = DaphneServer(env, name=f"bench-{layer}")
    await asyncio.to_thread(server.start)
    try:
        url = f"{server.ws}/ws/clubs/{fx.club_id}/?date={fx.day}&since={seq0}"  # at the head: hello only
        t0 = time.perf_counter()
        socks = await open_sockets(url, server.origin, n, expect_hello=True, concurrency=concurrency)
        connect_s = time.perf_counter() - t0
        readers = [asyncio.create_task(read_loop(socks, i, "reservation.created")) for i in range(n)]
        session = requests.Session()
        headers = {"Authorization": f"Bearer {fx.token}"}

        def post(court, start, end):
            sent = time.perf_counter()
            response = session.post(f"{server.http}/api/v1/reservations/reservations/", headers=headers,
                                    json={"court": court, "start": start, "end": end}, timeout=30)
            answered = time.perf_counter()
            if response.status_code != 201:
                raise RuntimeError(f"booking failed: {response.status_code} {response.text[:300]}")
            return sent, answered

        sent_at, answered_at, seqs = {}, {}, []
        for i, (court, start, end) in enumerate(fx.slots):
            seq = seq0 + 1 + i
            sent_at[seq], answered_at[seq] = await asyncio.to_thread(post, court, start, end)
            await wait_all(socks, seq, EVENT_TIMEOUT)
            if i >= warmup:  # the first booking pays for lazy imports and connections: not counted
                seqs.append(seq)
            await asyncio.sleep(pause)
        await asyncio.sleep(0.3)
        result = collect(f"daphne + {layer}", socks, seqs, sent_at, answered_at, connect_s)
        await close_all(socks, readers)
        return result
    except Exception:
        print(f"daphne ({layer}) log tail:\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        server.close()


async def bench_floor(n: int, bookings: int, pause: float, payload: dict, concurrency: int,
                      warmup: int) -> Result:
    from websockets.asyncio.client import connect

    proc = subprocess.Popen([sys.executable, __file__, "--serve-floor"], stdout=subprocess.PIPE,
                            start_new_session=True, cwd=ROOT)
    try:
        port = int(await asyncio.to_thread(proc.stdout.readline))
        url = f"ws://127.0.0.1:{port}/"
        t0 = time.perf_counter()
        socks = await open_sockets(url, f"http://127.0.0.1:{port}", n, expect_hello=False,
                                   concurrency=concurrency)
        connect_s = time.perf_counter() - t0
        readers = [asyncio.create_task(read_loop(socks, i, "reservation.created")) for i in range(n)]
        control = await connect(f"ws://127.0.0.1:{port}/control", compression=None)
        sent_at, answered_at, seqs = {}, {}, []
        for seq in range(1, bookings + warmup + 1):
            sent_at[seq] = time.perf_counter()
            await control.send(json.dumps({**payload, "seq": seq}))
            assert await control.recv() == "ok"
            answered_at[seq] = time.perf_counter()
            await wait_all(socks, seq, EVENT_TIMEOUT)
            if seq > warmup:
                seqs.append(seq)
            await asyncio.sleep(pause)
        await asyncio.sleep(0.3)
        result = collect("bare websockets (floor)", socks, seqs, sent_at, answered_at, connect_s)
        await control.close()
        await close_all(socks, readers)
        return result
    finally:
        proc.kill()
        proc.wait()


SAMPLE_EVENT = {  # the size and shape of a real club event
    "type": "reservation.created", "stream": "club:00000000-0000-0000-0000-000000000000", "seq": 0,
    "ts": "2026-11-26T10:30:00.000Z",
    "data": {"id": "00000000-0000-0000-0000-000000000000", "club": "00000000-0000-0000-0000-000000000000",
             "court": "00000000-0000-0000-0000-000000000000", "kind": "reservation",
             "start": "2026-11-28T09:00:00+00:00", "end": "2026-11-28T10:00:00+00:00",
             "status": "confirmed", "slot_status": "booked"},
}


def _ratio(ours: float, floor: float) -> str:
    # Against a p99 at or under 1 ms (or negative: before the answer) a ratio says nothing.
    return f"{ours / floor:.2f}×" if floor >= 1.0 else f"n/a (floor {floor:.1f})"


def table(results: list[Result], floor: Result) -> list[str]:
    lines = [
        "| server | sockets × events | after REST answer p50 / p99 / max | after publish p50 / p99 / max "
        "| spread p99 | REST answer p50 | missed | dup | p99 ÷ floor: answer / publish / spread |",
        "|" + "---|" * 9,
    ]
    f_answer, f_publish, f_spread = (stats(floor.from_answer_ms)[1], stats(floor.from_publish_ms)[1],
                                     stats(floor.spread_ms)[1])
    for r in results:
        a, p, sp = stats(r.from_answer_ms), stats(r.from_publish_ms), stats(r.spread_ms)
        ratio = "—" if r is floor else (
            f"{_ratio(a[1], f_answer)} / {_ratio(p[1], f_publish)} / {_ratio(sp[1], f_spread)}")
        lines.append(
            f"| {r.name} | {r.sockets} × {r.bookings} | {a[0]:.1f} / {a[1]:.1f} / {a[2]:.1f} "
            f"| {p[0]:.1f} / {p[1]:.1f} / {p[2]:.1f} | {sp[1]:.1f} | {statistics.median(r.trigger_ms):.1f} "
            f"| {r.missed} | {r.extra} | {ratio} |")
    return lines


async def run(args) -> None:
    floor = await bench_floor(args.sockets, args.bookings, args.pause, SAMPLE_EVENT, args.connect_concurrency,
                              args.warmup)
    results = [floor]
    print(f"floor done: p99 after publish {stats(floor.from_publish_ms)[1]:.1f} ms", file=sys.stderr)
    for layer in args.layers:
        fx = await asyncio.to_thread(make_fixture, args.bookings + args.warmup)  # fresh club: seq 0, slots free
        result = await bench_ours(layer, fx, args.sockets, args.pause, args.connect_concurrency, args.warmup)
        results.append(result)
        print(f"{layer} done: p99 after publish {stats(result.from_publish_ms)[1]:.1f} ms", file=sys.stderr)

    print()
    print(f"Fan-out of one club event to {args.sockets} sockets, {args.bookings} events per server, "
          f"{os.cpu_count()} CPUs; bench client, servers, PostgreSQL and Redis on one host.")
    print("Milliseconds. 'after REST answer': from the booking's HTTP answer (floor: the broadcast "
          "ack) to each socket's receipt, negative when the socket had it first. 'after publish': "
          "from the event's `ts` (stamped in the publishing transaction; floor: at broadcast) to "
          "receipt, wall clock of one host, ms resolution. 'spread': from the first socket's receipt "
          "of an event to each socket's.")
    print()
    for line in table(results, floor):
        print(line)
    print()
    for r in results:
        print(f"- {r.name}: {r.connect_s:.1f} s to connect {r.sockets} sockets; median after publish per "
              f"event: {' '.join(f'{v:.0f}' for v in r.per_event_ms)}")
    ours = [r for r in results if r is not floor]
    if len(ours) > 1:
        best = min(ours, key=lambda r: stats(r.from_publish_ms)[1])
        print(f"\nLowest p99 after publish: {best.name}")
    if any(r.missed or r.extra for r in results):
        print("\nWARNING: some sockets missed events or got duplicates; see the table.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--bookings", type=int, default=20)
    parser.add_argument("--layers", default="pubsub,core", help="comma-separated: pubsub, core")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between bookings")
    parser.add_argument("--warmup", type=int, default=1, help="events sent first and not counted")
    parser.add_argument("--connect-concurrency", type=int, default=CONNECT_CONCURRENCY)
    parser.add_argument("--serve-floor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor()
        return
    args.layers = [layer.strip() for layer in args.layers.split(",") if layer.strip()]
    if not args.layers or any(layer not in ("pubsub", "core") for layer in args.layers):
        parser.error("--layers takes pubsub and/or core")
    raise_fd_limit(args.sockets * 2 + 200)
    setup_django(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/padelyzer_bench"))
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
