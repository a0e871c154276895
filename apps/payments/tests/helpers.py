from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rest_framework_simplejwt.tokens import RefreshToken

from apps.payments.tests.fake_stripe import WEBHOOK_SECRET, sign
from routing.models import StreamEvent
from routing.streams import club_stream, staff_stream
from tests.factories import ClubFactory, CourtFactory

WEBHOOK_URL = "/api/v1/payments/stripe/webhook/"


def online_court(**club_kwargs):
    return CourtFactory(club=ClubFactory(requires_online_payment=True, **club_kwargs))


def auth(client, user):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def slot(court, *, days=2, hour=10, hours=1):
    tz = ZoneInfo(court.club.timezone)
    day = datetime.now(tz).date() + timedelta(days=days)
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz).replace(hour=hour)
    return start, start + timedelta(hours=hours)


def book(client, user, court, **kwargs):
    start, end = slot(court, **kwargs)
    response = auth(client, user).post("/api/v1/reservations/reservations/", {
        "court": str(court.pk), "start": start.isoformat(), "end": end.isoformat()}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def deliver(client, body: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None, header=None):
    client.credentials()  # Stripe sends no bearer token
    return client.generic("POST", WEBHOOK_URL, body.encode(), content_type="application/json",
                          HTTP_STRIPE_SIGNATURE=header if header is not None else sign(body, secret, timestamp))


def stream_events(stream: str, type_: str | None = None) -> list[StreamEvent]:
    qs = StreamEvent.objects.filter(stream=stream).order_by("seq")
    if type_:
        qs = qs.filter(type=type_)
    return list(qs)


def club_events(club_id, type_=None):
    return stream_events(club_stream(club_id), type_)


def staff_events(club_id, type_=None):
    return stream_events(staff_stream(club_id), type_)
