"""/health/: bare JSON (no envelope) for load balancers and uptime checks (CONTRACT §2).
In project/, the top layer, because it asks the Celery app (project.celery) too."""
from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from project.celery import app


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:
        return "down"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not_configured"
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return "ok"
    except Exception:
        return "down"


def _check_celery() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        replies = app.control.ping(timeout=0.5)
        return "ok" if replies else "no_workers"
    except Exception:
        return "down"


def health(request):
    services = {"database": _check_database(), "redis": _check_redis(), "celery": _check_celery()}
    if services["database"] != "ok" or services["redis"] == "down":
        status, code = "unhealthy", 503
    elif services["celery"] in ("no_workers", "down"):
        status, code = "degraded", 200
    else:
        status, code = "healthy", 200
    return JsonResponse({"status": status, "services": services, "version": settings.VERSION}, status=code)
