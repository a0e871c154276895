"""Soak (issue 6, point 6): sockets churning and steady bookings for a long time; reports the
server's memory growth and any missed event.

    .venv/bin/python bench/soak.py [--minutes 30] [--sockets 1000] [--churn 0.10] [--bookings-per-minute 30]

Prerequisites as for bench/rush.py (private PostgreSQL and Redis unless DATABASE_URL /
REDIS_URL are given).

One daphne process serves a public club with 10 courts. Client processes hold `--sockets`
sockets on the club stream; every minute each replaces `--churn` of its sockets, at random
moments: the socket closes and its client reconnects with `?since=<last seq>`, as a phone
does after losing signal. Meanwhile this process books `--bookings-per-minute` slots a minute
through the API and cancels the oldest booking each time once 70 are live (so the slots
recycle): two events per step. Every event is checked on every socket: `seq` must grow by
exactly one; a hole that the replay does not fill is a missed event, a repeat a duplicate.
A sample of sockets (20) also applies every event to its snapshot (bench.kit.liveclient.apply_event)
and must end equal to a fresh snapshot.

Reported: daphne's RSS every minute (and its growth from the first minute to the end), CPU,
booking latency, events sent, reconnects, missed and duplicate events.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadkit import (  # noqa: E402
    HttpClient,
    Services,
    load_average,
    make_club,
    make_users,
    ms,
    percentile,
    raise_fd_limit,
    setup_django,
    slot_times,
    start_server,
)

from bench.kit.liveclient import apply_event, fresh_snapshot  # noqa: E402

SAMPLE_STATEFUL = 20


def client_process(base_ws: str, origin: str, club_id: str, day: str, count: int, churn: float, stateful: int,
                   seed: int, conn) -> None:
    raise_fd_limit(count + 256)
    asyncio.run(_client(base_ws, origin, club_id, day, count, churn, stateful, seed, conn))


async def _client(base_ws, origin, club_id, day, count, churn, stateful, seed, conn):
    from websockets.asyncio.client import connect

    rng = random.Random(seed)
    url = f"{base_ws}/ws/clubs/{club_id}/?date={day}"
    stats = {"reconnects": 0, "missed": 0, "duplicates": 0, "events": 0, "replayed": 0, "failures": 0,
             "snapshots": 0}

    class Client:
        def __init__(self, index):
            self.index, self.ws, self.seq, self.state = index, None, None, None
            self.keep_state = index < stateful
            self.task = None

        async def connect(self):
            for attempt in range(10):
                try:
                    since = "" if self.seq is None else f"&since={self.seq}"
                    self.ws = await connect(url + since, origin=origin, open_timeout=60, ping_interval=None,
                                            compression=None)
                    hello = json.loads(await asyncio.wait_for(self.ws.recv(), 60))
                    assert hello["type"] == "hello", hello
                    if hello["data"]["mode"] == "snapshot":
                        snapshot = json.loads(await asyncio.wait_for(self.ws.recv(), 60))
                        if self.seq is not None:
                            stats["snapshots"] += 1  # a resume that could not replay: counts as a miss
                            stats["missed"] += max(0, snapshot["seq"] - self.seq)
                        self.seq, self.state = snapshot["seq"], (snapshot["data"] if self.keep_state else None)
                    else:
                        stats["replayed"] += hello["data"]["replayed"]
                    self.task = asyncio.get_running_loop().create_task(self.read())
                    return
                except Exception:  # noqa: BLE001 - retried; counted if it never works
                    await asyncio.sleep(0.5 * (attempt + 1))
            stats["failures"] += 1

        async def read(self):
            try:
                async for raw in self.ws:
                    msg = json.loads(raw)
                    if msg["type"] in ("hello", "pong", "error", "snapshot"):
                        continue
                    if msg["seq"] <= self.seq:
                        stats["duplicates"] += 1
                        continue
                    if msg["seq"] != self.seq + 1:
                        stats["missed"] += msg["seq"] - self.seq - 1
                    if self.state is not None:
                        self.state = apply_event(self.state, msg)
                    self.seq = msg["seq"]
                    stats["events"] += 1
            except Exception:  # noqa: BLE001 - closed by churn or at the end
                pass

        async def churn(self):
            if self.task:
                self.task.cancel()
            await self.ws.close()
            stats["reconnects"] += 1
            await asyncio.sleep(rng.uniform(0.05, 2.0))  # offline for a moment
            await self.connect()

    clients = [Client(i) for i in range(count)]
    sem = asyncio.Semaphore(25)

    async def first(c):
        async with sem:
            await c.connect()

    await asyncio.gather(*(first(c) for c in clients))
    conn.send({"ready": len(clients)})

    churning: set = set()

    async def churn_one(client):
        churning.add(client.index)
        try:
            await client.churn()
        finally:
            churning.discard(client.index)

    async def churner():
        tasks = set()
        while True:
            await asyncio.sleep(60 / max(1, count * churn))  # `churn` of the sockets per minute, spread out
            idle = [c for c in clients if c.index not in churning]
            if idle:  # each in its own task: a slow reconnect does not slow the churn down
                task = asyncio.get_running_loop().create_task(churn_one(rng.choice(idle)))
                tasks.add(task)
                task.add_done_callback(tasks.discard)

    churn_task = asyncio.get_running_loop().create_task(churner())
    final = await asyncio.to_thread(conn.recv)  # ("final", head_seq)
    churn_task.cancel()
    while churning:  # let reconnects in flight finish
        await asyncio.sleep(0.05)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(c.seq is None or c.seq < final[1] for c in clients):
        await asyncio.sleep(0.05)
    behind = sum(1 for c in clients if c.seq is None or c.seq < final[1])
    states = [c.state for c in clients if c.state is not None]
    for c in clients:
        if c.task:
            c.task.cancel()
    await asyncio.gather(*(c.ws.close() for c in clients if c.ws), return_exceptions=True)
    conn.send({**stats, "behind": behind, "states": states})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--churn", type=float, default=0.10, help="share of sockets replaced per minute")
    parser.add_argument("--bookings-per-minute", type=float, default=30.0)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    raise_fd_limit(args.sockets + 1024)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import psutil

    with Services("soak") as services:
        setup_django(services)
        from django.db import connection

        club, courts, day = make_club(courts=10)
        users = make_users(10)
        connection.close()
        slots = [(str(court.pk), *slot_times(day, hour)) for court in courts for hour in range(8, 22)]
        server = start_server(services, "soak")
        children, pipes = [], []
        try:
            daphne = psutil.Process(server.proc.pid)
            ctx = multiprocessing.get_context("spawn")
            per = [args.sockets // args.client_procs + (1 if i < args.sockets % args.client_procs else 0)
                   for i in range(args.client_procs)]
            for i, n in enumerate(per):
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=client_process, daemon=True, args=(
                    server.ws, server.origin, str(club.pk), day.isoformat(), n, args.churn,
                    SAMPLE_STATEFUL // args.client_procs, i, child))
                proc.start()
                children.append(proc)
                pipes.append(parent)
            ready = sum(p.recv()["ready"] for p in pipes)
            print(f"==> {ready} sockets open on daphne pid {daphne.pid}; soaking {args.minutes:g} min, "
                  f"load average {load_average()}", flush=True)
            result = asyncio.run(soak(args, server, slots, users, daphne))
            final_seq = result["events_sent"] + result["seq0"]
            for pipe in pipes:
                pipe.send(("final", final_seq))
            reports = [pipe.recv() for pipe in pipes]
            fresh = asyncio.run(fresh_snapshot(server.ws, server.origin, str(club.pk), day.isoformat()))
        finally:
            server.kill()
            for proc in children:
                proc.join(timeout=10)
                if proc.is_alive():
                    proc.kill()

    total = {k: sum(r[k] for r in reports) for k in ("reconnects", "missed", "duplicates", "events", "replayed",
                                                    "failures", "snapshots", "behind")}
    states = [s for r in reports for s in r["states"]]
    equal = sum(1 for s in states if s == fresh)
    rss = result["rss"]
    growth = rss[-1][1] - rss[0][1]
    print(f"\nResults ({args.minutes:g} min, {args.sockets} sockets churning {args.churn:.0%}/min, "
          f"{args.bookings_per_minute:g} bookings/min; one daphne process on 2 shared cores; "
          f"load average after: {load_average()})")
    print("  daphne RSS by minute: " + ", ".join(f"{m:g}: {r / 2**20:.1f}" for m, r in rss) + " MiB")
    print(f"  RSS growth from minute {rss[0][0]:g} to the end: {growth / 2**20:+.1f} MiB "
          f"({growth / 2**20 / max(1e-9, (rss[-1][0] - rss[0][0])) * 60:+.2f} MiB/hour)")
    print(f"  daphne CPU: {result['cpu'] * 100:.1f} % of one core on average")
    lat = result["latencies"]
    print(f"  bookings {result['booked']}, cancellations {result['cancelled']}, failures {result['failed']}; "
          f"latency p50 {ms(percentile(lat, 50))}, p99 {ms(percentile(lat, 99))}")
    print(f"  events published {result['events_sent']}; delivered {total['events']} (live) + {total['replayed']} "
          f"(replayed after a reconnect); reconnects {total['reconnects']}, failed reconnects {total['failures']}")
    print(f"  missed events: {total['missed']}, duplicates: {total['duplicates']}, resumes that needed a snapshot: "
          f"{total['snapshots']}, sockets behind at the end: {total['behind']}")
    print(f"  sampled sockets equal to a fresh snapshot: {equal}/{len(states)}")
    if args.json:
        Path(args.json).write_text(json.dumps({"rss": rss, "growth": growth, **total, "cpu": result["cpu"],
                                               "bookings": result["booked"], "equal": equal,
                                               "sampled": len(states)}, indent=2))
    ok = total["missed"] == 0 and total["duplicates"] == 0 and total["behind"] == 0 and equal == len(states)
    return 0 if ok and result["failed"] == 0 else 1


async def soak(args, server, slots, users, daphne) -> dict:
    from routing.publisher import current_seq
    from routing.streams import club_stream

    http = await HttpClient("127.0.0.1", server.port).open()
    seq0 = await asyncio.to_thread(lambda: current_seq(club_stream(_club_of(slots))))
    live: list[tuple[str, str]] = []
    latencies, booked, cancelled, failed, events = [], 0, 0, 0, 0
    rss = [(0.0, daphne.memory_info().rss)]
    began = time.monotonic()
    cpu0 = sum(daphne.cpu_times()[:2])
    interval = 60.0 / args.bookings_per_minute
    step, next_sample = 0, 60.0
    while time.monotonic() - began < args.minutes * 60:
        court, start, end = slots[step % len(slots)]
        token = users[step % len(users)][1]
        t0 = time.perf_counter()
        status, _, body = await http.request("POST", "/api/v1/reservations/reservations/", token=token,
                                             body={"court": court, "start": start, "end": end})
        latencies.append(time.perf_counter() - t0)
        if status == 201:
            booked += 1
            events += 1
            live.append((json.loads(body)["data"]["id"], token))
        else:
            failed += 1
        if len(live) >= 70:
            reservation_id, owner = live.pop(0)
            status, _, _ = await http.request("POST", f"/api/v1/reservations/reservations/{reservation_id}/cancel/",
                                              token=owner)
            if status == 200:
                cancelled += 1
                events += 1
            else:
                failed += 1
        step += 1
        elapsed = time.monotonic() - began
        if elapsed >= next_sample:
            rss.append((round(elapsed / 60, 1), daphne.memory_info().rss))
            print(f"  minute {elapsed / 60:4.1f}: RSS {rss[-1][1] / 2**20:.1f} MiB, bookings {booked}, "
                  f"events {events}", flush=True)
            next_sample += 60.0
        await asyncio.sleep(max(0.0, began + step * interval - time.monotonic()))
    rss.append((round((time.monotonic() - began) / 60, 1), daphne.memory_info().rss))
    cpu = (sum(daphne.cpu_times()[:2]) - cpu0) / (time.monotonic() - began)
    await http.close()
    if len(rss) > 2:
        rss = rss[1:]  # growth from the first minute on: the start includes warm-up
    return {"rss": rss, "latencies": latencies, "booked": booked, "cancelled": cancelled, "failed": failed,
            "events_sent": events, "seq0": seq0, "cpu": cpu}


def _club_of(slots) -> str:
    from apps.clubs.models import Court

    return str(Court.objects.get(pk=slots[0][0]).club_id)


if __name__ == "__main__":
    sys.exit(main())
