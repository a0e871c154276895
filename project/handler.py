"""Django's ASGI handler with the whole middleware chain and the view in one worker thread.

Under ASGI, Django builds the middleware chain for async: each middleware that can run both
ways (MiddlewareMixin: Session, Locale, Common, Csrf, Auth, Messages, ...) runs its
process_request / process_response through sync_to_async, and a sync-only one (WhiteNoise,
RequestIdMiddleware) sends the rest back through async_to_sync. py-spy on a booking rush
(bench/rush.py --profile) showed some twenty hops between the event loop and the request's
thread per request. Every middleware and view here is sync, so the chain is built for sync and
entered once: an authenticated GET costs about a fifth less server CPU (8.6 instead of
10.6 ms one at a time, 6.5 instead of 7.8 ms sixteen at a time, on the 2-core machine).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import django
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections


class OneHopASGIHandler(ASGIHandler):
    """Requests run in a pool of HTTP_CONCURRENCY long-lived threads (project.concurrency admits
    no more at once), not a new thread each: a thread's database connection can then outlive its
    request when DB_CONN_MAX_AGE allows it, as under a WSGI server. Connections are checked and
    closed (max age, errors) around each request in the thread that uses them."""

    def __init__(self):  # noqa: D107 - ASGIHandler.__init__ would build the async chain
        self.load_middleware(is_async=False)
        self._executor = ThreadPoolExecutor(max_workers=settings.HTTP_CONCURRENCY, thread_name_prefix="http")

    def _respond(self, request):
        close_old_connections()
        try:
            return self.get_response(request)
        finally:
            close_old_connections()

    async def get_response_async(self, request):
        return await sync_to_async(self._respond, thread_sensitive=False, executor=self._executor)(request)


def get_asgi_application() -> OneHopASGIHandler:
    django.setup(set_prefix=False)
    return OneHopASGIHandler()
