"""Capacity (issue 6, point 2): how many idle WebSockets one daphne process holds, its memory per
socket, and its CPU while they sit idle.

    .venv/bin/python bench/capacity.py [--sockets 10000] [--steps 4] [--client-procs 4] [--idle 60]

Prerequisites as for bench/rush.py (private PostgreSQL and Redis unless DATABASE_URL /
REDIS_URL are given). It raises RLIMIT_NOFILE to the hard limit (daphne inherits it); each
client process holds its share of the sockets.

One daphne process (`project.asgi:application`, settings `project.settings`) serves a public
club. Client processes open `--sockets` sockets on `/ws/clubs/{id}/?since=<head>` (the server
checks the subscription, joins the groups, reads the log head and sends `hello`), in `--steps`
steps; after each step the bench waits for the server to settle and reads its RSS. Then:

- RSS per socket: the slope of RSS over sockets, from the last step back to the baseline
  (a warmed-up server with no socket).
- CPU at idle: daphne's CPU time over `--idle` seconds with every socket open and nothing
  happening. Each socket re-checks its credentials and the log head every 30 s (jittered),
  so this includes those checks (and the PostgreSQL queries they make).
- Everyone still there: one booking, and the time until every socket has its event.

Targets: at least 10,000 sockets, at most 60 KB per socket.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadkit import (  # noqa: E402
    Services,
    load_average,
    make_club,
    make_users,
    raise_fd_limit,
    setup_django,
    slot_times,
    start_server,
)

TARGET_SOCKETS = 10_000
TARGET_BYTES = 60 * 1024


def client_process(url: str, origin: str, conn) -> None:
    """Holds sockets; commands over `conn`: ("open", n), ("expect", seq, timeout), ("close",)."""
    raise_fd_limit(1024)
    asyncio.run(_client(url, origin, conn))


async def _client(url, origin, conn):
    from websockets.asyncio.client import connect

    sockets: list = []
    latest: list[int] = []
    failures = 0

    async def open_one(sem):
        nonlocal failures
        async with sem:
            for attempt in range(5):
                try:
                    ws = await connect(url, origin=origin, open_timeout=120, ping_interval=None,
                                       close_timeout=5, compression=None)
                    hello = json.loads(await asyncio.wait_for(ws.recv(), 120))
                    assert hello["type"] == "hello", hello
                    sockets.append(ws)
                    latest.append(hello["seq"])
                    asyncio.get_running_loop().create_task(reader(len(sockets) - 1))
                    return
                except Exception:  # noqa: BLE001 - retried, then counted
                    await asyncio.sleep(0.5 * (attempt + 1))
            failures += 1

    async def reader(i):
        try:
            async for raw in sockets[i]:
                msg = json.loads(raw)
                if msg["type"] not in ("hello", "pong", "error", "snapshot"):
                    latest[i] = max(latest[i], msg["seq"])
        except Exception:  # noqa: BLE001 - a closed socket simply stops updating
            latest[i] = -1

    while True:
        command = await asyncio.to_thread(conn.recv)
        if command[0] == "open":
            sem = asyncio.Semaphore(command[2])
            await asyncio.gather(*(open_one(sem) for _ in range(command[1])))
            conn.send({"open": len(sockets), "failures": failures})
        elif command[0] == "expect":
            _, seq, timeout = command
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and any(0 <= s < seq for s in latest):
                await asyncio.sleep(0.01)
            conn.send({"have": sum(1 for s in latest if s >= seq), "closed": sum(1 for s in latest if s < 0),
                       "at": time.time()})
        elif command[0] == "close":
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
            conn.send({"closed": len(sockets)})
            return


def settle_rss(process, seconds: float = 3.0) -> int:
    time.sleep(seconds)
    return process.memory_info().rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=TARGET_SOCKETS)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--client-procs", type=int, default=4)
    parser.add_argument("--connect-concurrency", type=int, default=25, help="handshakes in flight per client process")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle CPU measurement")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    limit = raise_fd_limit(args.sockets + 1024)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import psutil
    import requests

    with Services("capacity") as services:
        setup_django(services)
        from django.db import connection

        from routing.publisher import current_seq
        from routing.streams import club_stream

        club, courts, day = make_club(courts=2)
        (_, token), = make_users(1)
        head = current_seq(club_stream(club.pk))
        connection.close()
        server = start_server(services, "capacity")
        children, pipes = [], []
        try:
            daphne = psutil.Process(server.proc.pid)
            print(f"==> daphne pid {daphne.pid}, open-files limit {limit}; load average {load_average()}", flush=True)
            url = f"{server.ws}/ws/clubs/{club.pk}/?since={head}"
            ctx = multiprocessing.get_context("spawn")
            for _ in range(args.client_procs):
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=client_process, args=(url, server.origin, child), daemon=True)
                proc.start()
                children.append(proc)
                pipes.append(parent)
            # Warm-up: a few sockets open and closed, so imports and pools are not counted per socket.
            warm = min(50, args.sockets)
            pipes[0].send(("open", warm, 10))
            pipes[0].recv()
            baseline = settle_rss(daphne)
            cpu0, wall0 = sum(daphne.cpu_times()[:2]), time.monotonic()
            print(f"==> baseline RSS {baseline / 2**20:.1f} MiB with {warm} sockets", flush=True)
            opened, steps = warm, []
            per_step = (args.sockets - warm) / args.steps
            for step in range(1, args.steps + 1):
                want = round(warm + per_step * step) - opened
                share = [want // len(pipes) + (1 if i < want % len(pipes) else 0) for i in range(len(pipes))]
                began = time.monotonic()
                for pipe, n in zip(pipes, share, strict=True):
                    pipe.send(("open", n, args.connect_concurrency))
                replies = [pipe.recv() for pipe in pipes]
                took = time.monotonic() - began
                opened = sum(r["open"] for r in replies)
                failures = sum(r["failures"] for r in replies)
                rss = settle_rss(daphne)
                steps.append({"sockets": opened, "rss": rss, "seconds": took, "failures": failures})
                slope = (rss - baseline) / max(1, opened - warm)
                print(f"  {opened:>6} sockets  RSS {rss / 2**20:7.1f} MiB  (+{slope:.0f} B/socket)  opened {want} "
                      f"in {took:.1f} s ({want / took:.0f}/s), failures {failures}, daphne fds {daphne.num_fds()}",
                      flush=True)
            connect_cpu = sum(daphne.cpu_times()[:2]) - cpu0
            connect_wall = time.monotonic() - wall0

            print(f"==> idle for {args.idle:.0f} s with {opened} sockets ...", flush=True)
            cpu_a, t_a = sum(daphne.cpu_times()[:2]), time.monotonic()
            time.sleep(args.idle)
            idle_cpu = (sum(daphne.cpu_times()[:2]) - cpu_a) / (time.monotonic() - t_a)
            rss_idle = daphne.memory_info().rss

            court, (start, end) = str(courts[0].pk), slot_times(day, 10)
            sent = time.time()
            response = requests.post(f"{server.http}/api/v1/reservations/reservations/", timeout=60,
                                     json={"court": court, "start": start, "end": end},
                                     headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 201, response.text
            for pipe in pipes:
                pipe.send(("expect", head + 1, 60))
            got = [pipe.recv() for pipe in pipes]
            have = sum(g["have"] for g in got)
            reached = max(g["at"] for g in got) - sent
            for pipe in pipes:
                pipe.send(("close",))
                pipe.recv()
        finally:
            server.kill()
            for proc in children:
                proc.join(timeout=10)
                if proc.is_alive():
                    proc.kill()

    last = steps[-1]
    per_socket = (last["rss"] - baseline) / max(1, last["sockets"] - warm)
    print(f"\nResults (one daphne process, 2 cores shared with PostgreSQL, Redis and {args.client_procs} client "
          f"processes; load average after: {load_average()})")
    print(f"  sockets held: {opened} of {args.sockets} asked ({sum(s['failures'] for s in steps)} failed to open)")
    print(f"  RSS: {baseline / 2**20:.1f} MiB with {warm} -> {last['rss'] / 2**20:.1f} MiB with {last['sockets']} "
          f"sockets: {per_socket / 1024:.1f} KiB per socket ({rss_idle / 2**20:.1f} MiB after the idle period)")
    print(f"  opening them: {connect_cpu:.1f} s of daphne CPU over {connect_wall:.1f} s "
          f"({connect_cpu / max(1, opened - warm) * 1000:.2f} ms per socket)")
    print(f"  CPU at idle: {idle_cpu * 100:.1f} % of one core over {args.idle:.0f} s (periodic 30 s checks included)")
    print(f"  one booking reached {have}/{opened} sockets; the last {reached:.2f} s after the request was sent")
    print(f"  targets: >= {TARGET_SOCKETS} sockets: {'met' if opened >= TARGET_SOCKETS else 'MISSED'}; "
          f"<= {TARGET_BYTES // 1024} KB per socket: {'met' if per_socket <= TARGET_BYTES else 'MISSED'}")
    if args.json:
        Path(args.json).write_text(json.dumps({"sockets": opened, "steps": steps, "baseline_rss": baseline,
                                               "bytes_per_socket": per_socket, "idle_cpu": idle_cpu,
                                               "fanout_all": have, "fanout_seconds": reached}, indent=2))
    return 0 if opened == args.sockets and have == opened else 1


if __name__ == "__main__":
    sys.exit(main())
