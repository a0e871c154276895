"""Helpers shared by the booking-core tests (no fixtures: import what you use)."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from psycopg2.extras import DateTimeTZRange
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.clubs.models import AllocationStatus, MaintenanceBlock

_ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def assert_meta(body: dict) -> None:
    meta = body["meta"]
    assert set(meta) == {"timestamp", "version", "request_id"}, meta
    assert _ISO_Z.match(meta["timestamp"]), meta["timestamp"]
    assert meta["version"] and meta["request_id"]


def ok(response, status: int = 200, *, paginated: bool | None = None):
    """Asserts a success envelope and returns its `data`."""
    assert response.status_code == status, (response.status_code, _json(response))
    body = response.json()
    assert body["success"] is True, body
    assert isinstance(body["message"], str) and body["message"]
    assert "error" not in body
    assert_meta(body)
    if paginated is True:
        assert set(body["pagination"]) == {"page", "page_size", "total_count", "total_pages"}
    elif paginated is False:
        assert "pagination" not in body, body
    assert response["X-Request-ID"] == body["meta"]["request_id"]
    return body["data"]


def err(response, status: int, code: str | None = None) -> dict:
    """Asserts an error envelope and returns its `error` object."""
    assert response.status_code == status, (response.status_code, _json(response))
    body = response.json()
    assert set(body) == {"success", "data", "message", "error", "meta"}, body
    assert body["success"] is False and body["data"] is None
    assert isinstance(body["message"], str) and body["message"]
    assert set(body["error"]) == {"code", "details"}
    assert isinstance(body["error"]["details"], dict)
    assert_meta(body)
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def _json(response):
    try:
        return response.json()
    except Exception:
        return response.content[:500]


def club_now(club) -> datetime:
    return timezone.now().astimezone(ZoneInfo(club.timezone))


def future_day(club, days: int = 2) -> date:
    return club_now(club).date() + timedelta(days=days)


def at(club, day: date, hour: int, minute: int = 0) -> datetime:
    """An aware local instant of the club."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(club.timezone))


def booking_body(court, start: datetime, minutes: int = 60) -> dict:
    return {"court": str(court.pk), "start": start.isoformat(), "end": (start + timedelta(minutes=minutes)).isoformat()}


def make_block(court, start: datetime, end: datetime, reason: str = "repair") -> MaintenanceBlock:
    return MaintenanceBlock.objects.create(court=court, period=DateTimeTZRange(start, end, "[)"),
                                           status=AllocationStatus.BLOCKED, reason=reason)


def next_weekday(club, min_days: int = 2, weekdays=(0, 1, 2, 3, 4)) -> date:
    """The first day at least `min_days` ahead (club time) whose weekday is in `weekdays`."""
    day = future_day(club, min_days)
    while day.weekday() not in weekdays:
        day += timedelta(days=1)
    return day
