"""Booking latency through the real HTTP API: N distinct slots booked one after another; prints p50/p99.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/padelyzer_bench .venv/bin/python bench/booking_latency.py -n 300

It creates the database named in DATABASE_URL when missing (and drops it afterwards unless
--keep-db), migrates it, creates a club with enough courts, then serves the app with daphne on a
free port (HTTP, the production ASGI app) and books every slot with its own POST. With
--client test it uses Django's test client in-process instead (no network, no server).
Redis (REDIS_URL, default redis://127.0.0.1:6379/0) is used with a private key prefix that is
removed at the end; pass REDIS_URL= (empty) to run without Redis.
"""
from __future__ import annotations

import argparse
import math
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loadkit import create_database_if_missing, drop_database  # noqa: E402  (bench/ is the script's own folder)


def _env(prefix: str) -> dict:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/padelyzer_bench")
    env.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    env.setdefault("THROTTLE_RATES", "user=1000000/hour")  # the bench is one user booking hundreds of slots
    env.setdefault("LOG_LEVEL", "WARNING")
    env["CACHE_KEY_PREFIX"] = prefix
    env["CHANNEL_PREFIX"] = prefix
    env["CELERY_BROKER_KEY_PREFIX"] = prefix + ":"
    env["DJANGO_SETTINGS_MODULE"] = "project.settings"
    return env



def _setup_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def _seed(n: int):
    """A public club open 07:00-23:00 with enough courts for n one-hour bookings on one day."""
    from datetime import time as dtime
    from datetime import timedelta
    from decimal import Decimal

    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework_simplejwt.tokens import RefreshToken

    from apps.accounts.models import User
    from apps.clubs.models import Club, Court, OpeningHours, PricingRule
    from apps.organizations.models import Organization

    call_command("migrate", verbosity=0)
    tag = uuid.uuid4().hex[:8]
    org = Organization.objects.create(name=f"Bench {tag}", slug=f"bench-{tag}")
    club = Club.objects.create(organization=org, name=f"Bench club {tag}", slug=f"bench-club-{tag}",
                               timezone="America/Mexico_City", currency="MXN", booking_horizon_days=14,
                               default_price_per_hour=Decimal("300.00"))
    OpeningHours.objects.bulk_create(OpeningHours(club=club, weekday=d, opens=dtime(7), closes=dtime(23))
                                     for d in range(7))
    PricingRule.objects.create(club=club, weekdays=list(range(7)), start_time=dtime(18), end_time=dtime(23),
                               price_per_hour=Decimal("450.00"), priority=10)
    per_court = 16
    courts = [Court.objects.create(club=club, name=f"Court {i + 1}") for i in range(math.ceil(n / per_court))]
    user = User.objects.create_user(f"bench-{tag}@example.com", "bench-Pass-123")
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(club.timezone)
    day = timezone.now().astimezone(tz).date() + timedelta(days=2)
    bodies = []
    for court in courts:
        for hour in range(7, 23):
            if len(bodies) == n:
                break
            start = datetime.combine(day, dtime(hour), tzinfo=tz)
            bodies.append({"court": str(court.pk), "start": start.isoformat(),
                           "end": (start + timedelta(hours=1)).isoformat()})
    return str(RefreshToken.for_user(user).access_token), bodies, str(club.pk), day


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def run_http(env, token, bodies, club_id, day, warmup: int):
    import requests

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                               "project.asgi:application"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        session = requests.Session()
        deadline = time.monotonic() + 30
        while True:
            try:
                session.get(f"{base}/health/", timeout=2)
                break
            except requests.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("daphne did not start: " + server.stderr.read().decode()[-2000:]) from None
                time.sleep(0.2)
        session.headers["Authorization"] = f"Bearer {token}"
        for _ in range(warmup):  # warm connections and code paths; these requests are not counted
            session.get(f"{base}/api/v1/reservations/availability/", params={"club": club_id, "date": str(day)})
        return _book_all(lambda body: session.post(f"{base}/api/v1/reservations/reservations/", json=body,
                                                   timeout=30), bodies)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def run_test_client(token, bodies, club_id, day, warmup: int):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    for _ in range(warmup):
        client.get("/api/v1/reservations/availability/", {"club": club_id, "date": str(day)})
    return _book_all(lambda body: client.post("/api/v1/reservations/reservations/", body, format="json"), bodies)


def _book_all(post, bodies):
    latencies, failures = [], []
    for body in bodies:
        started = time.perf_counter()
        response = post(body)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 201:
            failures.append((response.status_code, response.text[:200] if hasattr(response, "text")
                             else response.content[:200]))
    return latencies, failures


def _cleanup_redis(env: dict, prefix: str) -> None:
    if not env.get("REDIS_URL"):
        return
    try:
        import redis

        client = redis.Redis.from_url(env["REDIS_URL"])
        # exactly our prefix followed by its separator ("bench-93" must not match "bench-932...")
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*set(keys))
    except Exception as exc:  # the bench result stands; say what was left behind
        print(f"note: could not clean Redis keys {prefix}:*: {exc}", file=sys.stderr)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="bookings to make (distinct slots)")
    parser.add_argument("--client", choices=["http", "test"], default="http")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--keep-db", action="store_true", help="keep a database this run created")
    args = parser.parse_args(argv)

    prefix = f"bench-{os.getpid()}"
    env = _env(prefix)
    created = create_database_if_missing(env["DATABASE_URL"])
    try:
        _setup_django(env)
        token, bodies, club_id, day = _seed(args.n)
        if args.client == "http":
            from django.db import connections

            connections.close_all()
            latencies, failures = run_http(env, token, bodies, club_id, day, args.warmup)
        else:
            latencies, failures = run_test_client(token, bodies, club_id, day, args.warmup)
    finally:
        _cleanup_redis(env, prefix)
        if created and not args.keep_db:
            from django.db import connections

            connections.close_all()
            drop_database(env["DATABASE_URL"])
    print(f"client={args.client} bookings={len(latencies)} failures={len(failures)}")
    print(f"p50={_percentile(latencies, 50):.1f} ms  p90={_percentile(latencies, 90):.1f} ms  "
          f"p99={_percentile(latencies, 99):.1f} ms  mean={statistics.fmean(latencies):.1f} ms  "
          f"max={max(latencies):.1f} ms")
    if failures:
        print("first failures:", failures[:3])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
