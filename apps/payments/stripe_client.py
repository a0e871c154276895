"""The one place that builds a Stripe client.

Every call goes through `stripe_client()`: the API key, base address and HTTP client come
from settings, and tests swap the transport with `use_http_client()` (a fake implementing
stripe's HTTPClient interface), so no code path can reach the network by accident.
"""
from __future__ import annotations

import threading

import stripe
from django.conf import settings

from apps.core.errors import ServiceUnavailable
from apps.payments.errors import PaymentErrorCode

_lock = threading.Lock()
_http_override: stripe.HTTPClient | None = None
_cache: dict[tuple, stripe.StripeClient] = {}


class PaymentsDisabled(ServiceUnavailable):
    def __init__(self):
        super().__init__(PaymentErrorCode.PAYMENTS_DISABLED, "Online payments are not configured")


def online_payments_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def use_http_client(client: stripe.HTTPClient | None) -> None:
    """Route every Stripe request through `client` (None restores the real transport)."""
    global _http_override
    with _lock:
        _http_override = client
        _cache.clear()


def _http_client() -> stripe.HTTPClient:
    if _http_override is not None:
        return _http_override
    # Requests run inside web requests and tasks: fail fast rather than after stripe's 80 s default.
    return stripe.RequestsClient(timeout=(5, settings.STRIPE_TIMEOUT_SECONDS))


def stripe_client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise PaymentsDisabled()
    key = (settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, id(_http_override))
    with _lock:
        client = _cache.get(key)
        if client is None:
            base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
            # Network retries reuse our idempotency key, so a retried POST never creates twice.
            client = stripe.StripeClient(settings.STRIPE_SECRET_KEY, http_client=_http_client(),
                                         base_addresses=base,
                                         max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES)
            _cache[key] = client
        return client


def as_dict(obj) -> dict:
    """A StripeObject as plain JSON data (what we store and compare)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
