"""At most N HTTP requests inside Django at once per process; the rest wait their turn in the
event loop.

Django's ASGI handler runs each request's sync code in a thread of its own, with a database
connection of its own (CONN_MAX_AGE=0 opens one per request), and nothing bounds how many run
at once. In a booking rush 300 simultaneous requests meant 300 threads and 300 connection
attempts: PostgreSQL's max_connections (100) refused the rest, which answered 503, and the
survivors fought over two cores. A waiting request costs a coroutine, not a thread or a
connection, and is served in arrival order.

The request body is read before the wait (up to PREREAD_LIMIT), so a client uploading slowly
never holds a slot while others queue.
"""
from __future__ import annotations

import asyncio

PREREAD_LIMIT = 4 * 1024 * 1024


class ConcurrencyLimit:
    def __init__(self, app, limit: int):
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.app = app
        self.limit = limit
        self._semaphores: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()  # one per loop: tests run several loops in one process
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            semaphore = self._semaphores[loop] = asyncio.Semaphore(self.limit)
        return semaphore

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        buffered, size = [], 0
        while size <= PREREAD_LIMIT:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
            size += len(message.get("body", b""))

        async def replay():
            return buffered.pop(0) if buffered else await receive()

        async with self._semaphore():
            await self.app(scope, replay, send)
