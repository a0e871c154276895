"""Real daphne processes for multi-node, browser and bench runs.

Each server is its own process group on a free port, logging to a temp file; it is killed by
its pid only. Servers that should act as one cluster get the same DATABASE_URL, REDIS_URL,
CHANNEL_PREFIX and CACHE_KEY_PREFIX (groups and revocation marks are shared through Redis).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from bench.kit.services import free_port

ROOT = Path(__file__).resolve().parents[2]


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL for a Django connection's settings (e.g. pytest-django's test database)."""
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    if host.startswith("/"):  # a Unix socket directory (the embedded PostgreSQL): the form it starts with
        return f"postgres://{auth}:{port}/{quote(host, safe='')}/{quote(settings_dict['NAME'], safe='')}"
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def cluster_env(*, database_url: str, **extra: str) -> dict:
    """Environment shared by every node of one cluster (the test process's prefixes by default,
    so its own in-process publishes reach the nodes' sockets too)."""
    env = {
        "DJANGO_SETTINGS_MODULE": "project.settings_test",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CHANNEL_PREFIX": os.environ.get("CHANNEL_PREFIX", f"padelyzer-live-{os.getpid()}"),
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", f"padelyzer-live-{os.getpid()}"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "THROTTLE_RATES": "login=1000/min,register=1000/hour,user=100000/hour",
    }
    env.update(extra)
    return env


class DaphneServer:
    def __init__(self, env: dict, *, name: str = "node"):
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.name = name
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkstemp(prefix=f"daphne-{name}-", suffix=".log")[1])

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return self.http

    def start(self, timeout: float = 40.0, *, same_port: bool = False) -> DaphneServer:
        """Start (or, with same_port, restart where clients knew it) on a free port."""
        for _ in range(3):  # the free port may be taken between probe and bind: try another
            if not (same_port and self.port):
                self.port = free_port()
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
                 "project.asgi:application"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            log.close()
            if self._wait_ready(timeout):
                return self
            self.kill()
        raise RuntimeError(f"daphne {self.name} did not start:\n{self.log_tail()}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                urllib.request.urlopen(f"{self.http}/health/", timeout=2).read()
                return True
            except urllib.error.HTTPError:
                return True  # answering at all (e.g. 503 degraded) means it is up
            except OSError:
                time.sleep(0.15)
        return False

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill this server's process group (daphne only; nothing else shares it)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def close(self) -> str:
        """Kill it and delete its log; returns the log's tail for a failure report."""
        self.kill()
        tail = self.log_tail()
        self.log_path.unlink(missing_ok=True)
        return tail

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> DaphneServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.log_path.unlink(missing_ok=True)
