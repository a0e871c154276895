"""Suite-wide fixtures: real PostgreSQL and Redis, clean cache per test, skips are failures in CI."""
from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters and revocation marks live in the shared cache: start each test empty."""
    from django.conf import settings
    from django.core.cache import cache

    if settings.REDIS_URL:  # never FLUSHDB a Redis that a dev server may share: drop our prefix only
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
    yield


def pytest_configure(config):
    config.addinivalue_line("markers", "placeholder_events: the test publishes made-up events (the publisher's own "
                                       "tests): their schemas are not checked")


@pytest.fixture(autouse=True)
def _published_events_match_their_schemas(request):
    """Every event a test publishes has a registered JSON Schema and matches it (routing.schemas)."""
    from routing.publisher import PUBLISH_HOOKS
    from routing.schemas import event_problems

    if request.node.get_closest_marker("placeholder_events"):
        yield
        return
    problems: list[str] = []
    check = lambda message: problems.extend(event_problems(message))  # noqa: E731
    PUBLISH_HOOKS.append(check)
    try:
        yield
    finally:
        PUBLISH_HOOKS.remove(check)
    if problems:
        pytest.fail("events that do not match their schema:\n" + "\n".join(problems[:20]), pytrace=False)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def eager_celery():
    """Run tasks in-process (the suite's settings point Celery at Redis, with no worker in tests)."""
    from project.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def sms_outbox(settings):
    """SMS land in a list (apps.notifications.sms.outbox), as e-mails in django.core.mail.outbox."""
    from apps.notifications import sms

    settings.SMS_BACKEND = "apps.notifications.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def _drop_test_broker_keys():
    prefix = os.environ.get("CELERY_BROKER_KEY_PREFIX", "")
    url = os.environ.get("REDIS_URL", "")
    if not prefix.startswith("padelyzer-test-") or not url:
        return
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    except Exception:  # cleanup only; never turn a green run red
        pass


def pytest_sessionfinish(session, exitstatus):
    _drop_test_broker_keys()
    # A test skipped for lack of a service hides a failure: in CI every skip fails the run.
    if os.environ.get("PADELYZER_FAIL_ON_SKIP") == "1":
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
        if skipped:
            reporter.write_line(f"FAIL: {skipped} test(s) skipped; CI allows none", red=True)
            session.exitstatus = 1
