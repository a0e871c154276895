"""Shared plumbing of the load benches (rush, capacity, soak).

- `Services`: PostgreSQL and Redis. DATABASE_URL / REDIS_URL when given (the database named in
  DATABASE_URL is created if missing; Redis is used under a private key prefix), else private
  throw-away servers on free ports (bench/kit/services.py), stopped at the end.
- `setup_django()`: this process's ORM on that database, to build fixtures fast.
- `start_server()`: one daphne process (`project.asgi:application`, production settings module
  `project.settings`, DEBUG off) on a free port.
- `HttpClient`: a minimal asyncio HTTP/1.1 keep-alive client, so 500 concurrent requests cost
  the client little CPU (the server shares the machine's 2 cores with it).
"""
from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import environ
import psycopg2
import redis
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.kit.daphne import DaphneServer  # noqa: E402  (ROOT is on sys.path from here)
from bench.kit.services import PrivatePostgres, PrivateRedis, migrate  # noqa: E402

SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def raise_fd_limit(need: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, need)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))  # children (daphne) inherit it
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < need:
        sys.exit(f"need {need} open files, the hard limit allows {soft} (raise it: ulimit -Hn)")
    return soft


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


class Services:
    """PostgreSQL + Redis for one bench run (see the module docstring). SIGTERM/SIGHUP stop the
    run like Ctrl-C, so the servers it started are stopped too."""

    def __init__(self, name: str):
        self.name = name
        self.prefix = f"bench-{name}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.pg = self.redis = None
        self.database_url = os.environ.get("DATABASE_URL") or ""
        self.redis_url = os.environ.get("REDIS_URL") or ""

    def __enter__(self) -> Services:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _interrupt)

        if self.database_url:
            create_database_if_missing(self.database_url)
            print(f"==> PostgreSQL: {_redact(self.database_url)} (DATABASE_URL)", flush=True)
        else:
            self.pg = PrivatePostgres().start()
            self.database_url = self.pg.create_database(f"bench_{self.name}")
            print(f"==> PostgreSQL: private server on port {self.pg.port} (max_connections 100)", flush=True)
        if self.redis_url:
            print(f"==> Redis: {_redact(self.redis_url)} (REDIS_URL), key prefix {self.prefix}", flush=True)
        else:
            self.redis = PrivateRedis().start()
            self.redis_url = self.redis.url
            print(f"==> Redis: private server on port {self.redis.port}", flush=True)
        began = time.monotonic()
        migrate(self.database_url)
        print(f"==> migrated in {time.monotonic() - began:.1f} s", flush=True)
        return self

    def __exit__(self, *exc) -> None:
        if self.redis is not None:
            self.redis.close()
        elif self.redis_url:
            _drop_prefix(self.redis_url, self.prefix)
        if self.pg is not None:
            self.pg.close()

    def env(self, **extra: str) -> dict:
        env = {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "SECRET_KEY": SECRET_KEY,
            "DEBUG": "false",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CHANNEL_PREFIX": self.prefix,
            "CACHE_KEY_PREFIX": self.prefix,
            "CELERY_BROKER_KEY_PREFIX": f"{self.prefix}:",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
        }
        env.update(extra)
        return env


def _redact(url: str) -> str:
    parsed = urlparse(url)
    return url.replace(parsed.password, "***") if parsed.password else url


def create_database_if_missing(url: str) -> bool:
    """Creates DATABASE_URL's database when it does not exist (every bench's first step); returns
    whether it did. Needs no Django; understands TCP and Unix-socket URLs alike."""
    cfg = environ.Env.db_url_config(url)
    conn = psycopg2.connect(dbname="postgres", user=cfg["USER"] or "postgres", password=cfg["PASSWORD"] or None,
                            host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
            if cur.fetchone() is not None:
                return False
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
            return True
    finally:
        conn.close()


def drop_database(url: str) -> None:
    """Drops DATABASE_URL's database (the benches that made a throw-away one, unless --keep-db)."""
    parsed = urlparse(url)
    conn = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username,
                            password=parsed.password, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')
    conn.close()


def _drop_prefix(redis_url: str, prefix: str) -> None:
    try:
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    except Exception:
        pass


def setup_django(services: Services) -> None:
    os.environ.update(services.env())
    import django

    django.setup()


def start_server(services: Services, name: str, **extra: str):
    server = DaphneServer(services.env(**extra), name=name)
    server.start(timeout=90)
    return server


# ----------------------------------------------------------------------------- fixtures

def make_club(*, courts: int, opens: int = 8, closes: int = 22, days_ahead: int = 3):
    """A public club (Europe/Madrid, 30-minute slots, 60-120 minute bookings); returns
    (club, [court], day)."""
    from datetime import datetime, timedelta
    from datetime import time as dtime
    from zoneinfo import ZoneInfo

    from apps.clubs.models import Club, Court, OpeningHours
    from apps.organizations.models import Organization

    stamp = uuid.uuid4().hex[:8]
    org = Organization.objects.create(name=f"Bench {stamp}", slug=f"bench-{stamp}")
    club = Club.objects.create(organization=org, name=f"Bench club {stamp}", slug=f"bench-club-{stamp}",
                               timezone="Europe/Madrid", is_public=True, booking_horizon_days=30)
    OpeningHours.objects.bulk_create(OpeningHours(club=club, weekday=d, opens=dtime(opens), closes=dtime(closes))
                                     for d in range(7))
    court_list = [Court.objects.create(club=club, name=f"Court {n + 1}") for n in range(courts)]
    day = datetime.now(ZoneInfo(club.timezone)).date() + timedelta(days=days_ahead)
    return club, court_list, day


def make_users(count: int) -> list[tuple[str, str]]:
    """`count` players; returns (user id, access token) pairs. Passwords are unusable: the
    benches mint tokens, logging in 500 times is not what they measure."""
    from django.contrib.auth.hashers import make_password
    from rest_framework_simplejwt.tokens import AccessToken

    from apps.accounts.models import User

    stamp = uuid.uuid4().hex[:8]
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"p{n}-{stamp}@bench.example", first_name="Player", last_name=str(n), password=unusable)
        for n in range(count))
    return [(str(u.pk), str(AccessToken.for_user(u))) for u in users]


def slot_times(day, hour: int, minutes: int = 60) -> tuple[str, str]:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    start = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Europe/Madrid"))
    return start.isoformat(), (start + timedelta(minutes=minutes)).isoformat()


# ----------------------------------------------------------------------------- HTTP client

class HttpClient:
    """One keep-alive HTTP/1.1 connection; one request at a time."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def open(self) -> HttpClient:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (OSError, ConnectionError):
                pass

    async def request(self, method: str, path: str, *, token: str | None = None, body: dict | None = None
                      ) -> tuple[int, dict, bytes]:
        payload = json.dumps(body).encode() if body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept: application/json",
                 f"Content-Length: {len(payload)}"]
        if body is not None:
            lines.append("Content-Type: application/json")
        if token:
            lines.append(f"Authorization: Bearer {token}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed by the server")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            data = b"".join(chunks)
        else:
            data = await self.reader.read()
        if headers.get("connection", "").lower() == "close":
            await self.close()
            await self.open()
        return status, headers, data


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"
