"""Sentry is optional: with no DSN the feature is off and says so once."""
from __future__ import annotations

import logging

logger = logging.getLogger("padelyzer.sentry")


def init_sentry(dsn: str, *, release: str, transport=None) -> bool:
    if not dsn:
        logger.info("SENTRY_DSN not set: error reporting is off")
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    options = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        release=f"padelyzer@{release}",
        integrations=[DjangoIntegration(), CeleryIntegration(), RedisIntegration()],
        send_default_pii=False,
        traces_sample_rate=0.0,
        **options,
    )
    return True
