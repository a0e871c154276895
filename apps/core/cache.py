"""The shared cache, answering like an empty cache while Redis is unreachable.

Only hints live in it: throttle counters and token-revocation marks, whose truth is a database
row (apps.accounts.revocation falls back to it on a miss). Without this, every signed-in API
call answered 500 for as long as Redis was down (the revocation check raised), although
PostgreSQL, which holds every booking, was fine. During an outage throttles count nothing
(they fail open) and revocation checks read the database; a warning is logged at most every
10 seconds.

It also shares one Redis client (and so one connection pool) per process. Django keeps a cache
object per request context under ASGI, and RedisCache builds its connection pool per object:
every request opened, handshook (HELLO, CLIENT SETINFO) and dropped a fresh Redis connection,
about a fifth of the server's time for a small authenticated GET (py-spy, bench/rush.py).
redis-py's pool is thread-safe and re-created after a fork.
"""
from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("padelyzer.cache")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_WARN_EVERY = 10.0


_clients: dict = {}
_clients_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    _last_warning = 0.0

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())), self._class)
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client

    def _unreachable(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning >= _WARN_EVERY:
            ResilientRedisCache._last_warning = now
            logger.warning("cache unreachable (%s: %s); serving without it", operation, exc.__class__.__name__)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            self._unreachable("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exc:
            self._unreachable("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE as exc:
            self._unreachable("has_key", exc)
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("add", exc)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("set", exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("set_many", exc)
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE as exc:
            self._unreachable("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNREACHABLE as exc:
            self._unreachable("delete_many", exc)
