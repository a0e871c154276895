"""Payments test helpers: a club that takes online payments, booking through the API, webhooks."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rest_framework_simplejwt.tokens import RefreshToken

from tests.support.factories import ClubFactory, CourtFactory
from tests.support.stripe import WEBHOOK_SECRET, sign

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
