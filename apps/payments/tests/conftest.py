"""Payments tests: Stripe keys set, a FakeStripe behind stripe-python, Celery tasks run eagerly."""
from __future__ import annotations

import pytest

from tests.support.stripe import API_KEY, PUBLISHABLE_KEY, WEBHOOK_SECRET, FakeStripe, FakeStripeHTTP


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process when enqueued (after commit); the real-worker test is tests/test_celery_worker.py."""
    from project.celery import app

    saved = {k: app.conf[k] for k in ("task_always_eager", "task_eager_propagates")}
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    app.conf.update(saved)


@pytest.fixture
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    return settings


@pytest.fixture
def fake_stripe(stripe_keys):
    from apps.payments.stripe_client import use_http_client

    fake = FakeStripe(API_KEY)
    use_http_client(FakeStripeHTTP(fake))
    yield fake
    use_http_client(None)
    assert fake.problems == [], fake.problems


@pytest.fixture
def run_commits(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (enqueued tasks, live fan-out) as a real commit would."""
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)
    return run
