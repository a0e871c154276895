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

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class OneHopASGIHandler(ASGIHandler):
    def __init__(self):  # noqa: D107 - ASGIHandler.__init__ would build the async chain
        self.load_middleware(is_async=False)

    async def get_response_async(self, request):
        # thread_sensitive: the request's own thread (ASGIHandler's ThreadSensitiveContext), where
        # its request_started/finished receivers ran and its database connection lives.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


def get_asgi_application() -> OneHopASGIHandler:
    django.setup(set_prefix=False)
    return OneHopASGIHandler()
