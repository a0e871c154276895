from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from tests.support.factories import CourtFactory, UserFactory

pytestmark = pytest.mark.django_db


def auth(client, user):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def test_book_then_conflict(api_client):
    court = CourtFactory()
    user = UserFactory()
    tz = ZoneInfo(court.club.timezone)
    day = datetime.now(tz).date() + timedelta(days=2)
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz).replace(hour=10)
    body = {"court": str(court.pk), "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    first = auth(api_client, user).post("/api/v1/reservations/reservations/", body, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["success"] is True
    second = api_client.post("/api/v1/reservations/reservations/", body, format="json")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "slot_unavailable"
    avail = api_client.get(f"/api/v1/reservations/availability/?club={court.club_id}&date={day}")
    assert avail.status_code == 200
    slots = avail.json()["data"]["courts"][0]["slots"]
    assert [s["status"] for s in slots if s["start"].startswith(f"{day}T10")] == ["booked", "booked"]
