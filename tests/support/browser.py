"""Helpers shared by the browser tests."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def off_loop(func, *args, **kwargs):
    """Run a write in another thread: Playwright's sync API keeps an event loop in this one, and
    the publisher's after-commit fan-out (async_to_sync) refuses to run beside it."""
    from django.db import connection

    def call():
        try:
            return func(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=30)


def midday_timezone() -> str:
    """A zone where it is late morning now, so today has opening hours and free slots ahead
    whenever the test runs."""
    now = datetime.now(UTC)
    for offset in range(-12, 15):
        name = "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
        if 10 <= now.astimezone(ZoneInfo(name)).hour < 14:
            return name
    raise AssertionError("some offset is always at late morning")
