"""CONTRACT §2 `/health/`: bare JSON; healthy, degraded (Celery silent, 200), unhealthy (DB or Redis down, 503)."""
import pytest
from django.db import connection
from django.test import Client, override_settings

import project.health as health

pytestmark = pytest.mark.django_db


def get():
    response = Client().get("/health/")
    body = response.json()
    assert "success" not in body and "meta" not in body  # no envelope
    assert set(body["services"]) == {"database", "redis", "celery"}
    return response, body


@pytest.fixture
def celery_answers(monkeypatch):
    from project.celery import app

    monkeypatch.setattr(app.control, "ping", lambda timeout=1.0: [{"worker@host": {"ok": "pong"}}])


@pytest.fixture
def broken_database(monkeypatch):
    """A real connection to a port nothing listens on (no mock of the database layer)."""
    settings_dict = {**connection.settings_dict, "PORT": "1", "HOST": "127.0.0.1",
                     "OPTIONS": {**connection.settings_dict.get("OPTIONS", {}), "connect_timeout": 2}}
    broken = connection.__class__(settings_dict, alias="broken")
    monkeypatch.setattr(health, "connection", broken)
    return broken  # it never connects, so there is nothing to close


def test_healthy_with_everything_up(celery_answers):
    response, body = get()
    assert response.status_code == 200, body
    assert body["status"] == "healthy"
    assert body["services"] == {"database": "ok", "redis": "ok", "celery": "ok"}


def test_eager_celery_counts_as_healthy():
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        response, body = get()
    assert (response.status_code, body["status"], body["services"]["celery"]) == (200, "healthy", "eager")


def test_degraded_when_no_celery_worker_answers(monkeypatch):
    from project.celery import app

    monkeypatch.setattr(app.control, "ping", lambda timeout=1.0: [])
    response, body = get()
    assert (response.status_code, body["status"], body["services"]["celery"]) == (200, "degraded", "no_workers")


def test_degraded_when_the_celery_broker_errors(monkeypatch):
    from project.celery import app

    def boom(timeout=1.0):
        raise ConnectionError("broker gone")

    monkeypatch.setattr(app.control, "ping", boom)
    response, body = get()
    assert (response.status_code, body["status"]) == (200, "degraded")


def test_unhealthy_503_when_the_database_is_unreachable(broken_database, celery_answers):
    response, body = get()
    assert response.status_code == 503
    assert body["status"] == "unhealthy" and body["services"]["database"] == "down"
    assert body["services"]["redis"] == "ok"


def test_unhealthy_503_when_a_configured_redis_is_down(celery_answers):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response, body = get()
    assert response.status_code == 503
    assert body["status"] == "unhealthy" and body["services"]["redis"] == "down"


def test_redis_not_configured_is_not_a_failure(celery_answers):
    with override_settings(REDIS_URL=""):
        response, body = get()
    assert (response.status_code, body["status"], body["services"]["redis"]) == (200, "healthy", "not_configured")


def test_health_answers_without_authentication_and_only_get_matters():
    response = Client().get("/health/")
    assert response.status_code in (200, 503)
    assert response["Content-Type"].startswith("application/json")
