"""Sentry is optional: with no DSN the feature is off and says so once."""
from __future__ import annotations

import logging
import re

import sentry_sdk
from sentry_sdk.integrations.asgi import SentryAsgiMiddleware
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.redis import RedisIntegration

from apps.core.logging import redact

logger = logging.getLogger("padelyzer.sentry")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def scrub_event(event, hint):
    """No personal data or credentials leave the process: request bodies and cookies are dropped
    and every string (query strings such as ?token=, messages, breadcrumbs) goes through the same
    redaction as the logs."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "env"):
            request.pop(key, None)
    event.pop("user", None)

    def walk(value):
        if isinstance(value, str):
            return _EMAIL.sub("[EMAIL]", redact(value))
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(event)


def scrub_breadcrumb(crumb, hint):
    """Cache keys name throttled e-mails and revoked tokens: keep the Redis command, not the key."""
    if crumb.get("category") == "redis":
        data = crumb.get("data") or {}
        crumb["message"] = data.get("redis.command") or "redis"
        data.pop("redis.key", None)
    return crumb


class SentryWebsocketMiddleware:
    """Exceptions escaping a WebSocket consumer reach Sentry (the Django integration covers HTTP only).
    Decided per connection, so it costs nothing while Sentry is off."""

    def __init__(self, app):
        self.app = app
        self._wrapped = None

    async def __call__(self, scope, receive, send):
        if not sentry_sdk.get_client().is_active():
            return await self.app(scope, receive, send)
        if self._wrapped is None:
            self._wrapped = SentryAsgiMiddleware(self.app, mechanism_type="websocket")
        return await self._wrapped(scope, receive, send)


def init_sentry(dsn: str, *, release: str, transport=None) -> bool:
    if not dsn:
        logger.info("SENTRY_DSN not set: error reporting is off")
        return False
    options = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        release=f"padelyzer@{release}",
        integrations=[DjangoIntegration(), CeleryIntegration(), RedisIntegration()],
        send_default_pii=False,
        # Frame locals hold users, tokens and request bodies; bodies may carry passwords and e-mails.
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        traces_sample_rate=0.0,
        **options,
    )
    return True
