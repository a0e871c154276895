"""Seeding a live server through its public API (CONTRACT §2), for tests whose server runs on
a private database the test process's ORM does not reach (fault tests, fuzzing, abuse)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests

PASSWORD = "Fault-Test-Pass-2026!"
TIMEZONE = "Europe/Madrid"


class ApiError(AssertionError):
    pass


def call(session: requests.Session, method: str, url: str, *, token: str | None = None, expect=(200, 201),
         **kwargs) -> dict:
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = session.request(method, url, headers=headers, timeout=30, **kwargs)
    if response.status_code not in expect:
        raise ApiError(f"{method} {url} -> {response.status_code}: {response.text[:500]}")
    return response.json()


def register_and_login(session: requests.Session, base: str, name: str = "player") -> dict:
    email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
    call(session, "POST", f"{base}/api/v1/auth/register/",
         json={"email": email, "password": PASSWORD, "first_name": name.title(), "last_name": "Test"})
    data = call(session, "POST", f"{base}/api/v1/auth/login/", json={"email": email, "password": PASSWORD})["data"]
    return {"email": email, "access": data["access"], "refresh": data["refresh"], "id": data["user"]["id"]}


@dataclass
class SeededClub:
    base: str
    club_id: str
    courts: list[str]
    day: str  # the booking day (local), two days ahead so no slot turns `past` mid-test
    owner: dict
    players: list[dict] = field(default_factory=list)

    def slot(self, index: int, *, hours: int = 1) -> tuple[str, str, str]:
        """(court, start, end) of the index-th distinct one-hour booking of the day (08:00-22:00)."""
        per_court = 14 // hours
        court = self.courts[(index // per_court) % len(self.courts)]
        day = datetime.fromisoformat(self.day)
        start = datetime(day.year, day.month, day.day, 8 + (index % per_court) * hours, tzinfo=ZoneInfo(TIMEZONE))
        return court, start.isoformat(), (start + timedelta(hours=hours)).isoformat()


def seed_club(base: str, *, courts: int = 2, players: int = 1, session: requests.Session | None = None) -> SeededClub:
    """An owner with an organization and a public club open 08:00-22:00 every day, `courts`
    courts, and `players` signed-in players."""
    session = session or requests.Session()
    owner = register_and_login(session, base, "owner")
    org = call(session, "POST", f"{base}/api/v1/root/organizations/", token=owner["access"],
               json={"name": f"Fault Org {uuid.uuid4().hex[:6]}"})["data"]
    club = call(session, "POST", f"{base}/api/v1/clubs/clubs/", token=owner["access"], json={
        "organization": org["id"], "name": f"Fault Club {uuid.uuid4().hex[:6]}", "timezone": TIMEZONE,
        "currency": "EUR", "is_public": True, "slot_minutes": 30, "min_duration_minutes": 60,
        "max_duration_minutes": 120, "booking_horizon_days": 14, "cancellation_deadline_hours": 1,
        "default_price_per_hour": "20.00",
        "opening_hours": [{"weekday": d, "opens": "08:00", "closes": "22:00"} for d in range(7)],
    })["data"]
    court_ids = [call(session, "POST", f"{base}/api/v1/clubs/courts/", token=owner["access"],
                      json={"club": club["id"], "name": f"Court {n + 1}"})["data"]["id"] for n in range(courts)]
    day = (datetime.now(ZoneInfo(TIMEZONE)).date() + timedelta(days=2)).isoformat()
    seeded = SeededClub(base=base, club_id=club["id"], courts=court_ids, day=day, owner=owner)
    seeded.players = [register_and_login(session, base, f"player{n}") for n in range(players)]
    return seeded
