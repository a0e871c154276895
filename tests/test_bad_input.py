"""Bad input of every kind is a 4xx envelope, never a 500 (CONTRACT §1)."""
from __future__ import annotations

import json
import uuid
from datetime import time

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from apps.clubs.models import AllocationStatus, Club, Court
from apps.reservations.models import Reservation
from tests.support.api import at, client_for, err, future_day, ok
from tests.support.factories import (
    ClubFactory,
    CourtFactory,
    OrganizationFactory,
    ReservationFactory,
    admin_of,
)

pytestmark = pytest.mark.django_db

BOOK = "/api/v1/reservations/reservations/"

# Every POST endpoint of the booking core, with who may call it.
POST_ENDPOINTS = [
    "/api/v1/auth/register/", "/api/v1/auth/login/", "/api/v1/auth/refresh/", "/api/v1/auth/logout/",
    "/api/v1/auth/password-reset/", "/api/v1/auth/password-reset/confirm/",
    "/api/v1/root/organizations/", "/api/v1/root/organizations/{org}/members/",
    "/api/v1/clubs/clubs/", "/api/v1/clubs/courts/", "/api/v1/clubs/display-keys/", "/api/v1/clubs/pricing-rules/",
    "/api/v1/clubs/maintenance-blocks/", BOOK, BOOK + "{reservation}/cancel/",
]


@pytest.fixture
def world():
    org = OrganizationFactory()
    admin = admin_of(org)
    club = ClubFactory(organization=org)
    court = CourtFactory(club=club)
    day = future_day(club, 3)
    reservation = ReservationFactory(court=court, user=admin, start=at(club, day, 10), end=at(club, day, 11))
    return {"org": org, "admin": admin, "club": club, "court": court, "reservation": reservation, "day": day}


# Endpoints that read a JSON body (cancel takes none and ignores what it is sent).
BODY_ENDPOINTS = [p for p in POST_ENDPOINTS if not p.endswith("/cancel/")]


def fill(path, world):
    return path.format(org=world["org"].pk, reservation=world["reservation"].pk)


def assert_4xx_envelope(response, *statuses):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    if statuses:
        assert response.status_code in statuses, (response.status_code, response.content[:300])
    return err(response, response.status_code)


# --- malformed bodies ---

@pytest.mark.parametrize("raw", [b"{", b"{'court': 1}", b"[1, 2", b"nul", b"\xff\xfe\x00", b'{"a": }',
                                 b"[" * 50_000 + b"]" * 50_000])
def test_malformed_json_is_400_on_every_post(world, raw):
    client = client_for(world["admin"])
    for path in BODY_ENDPOINTS:
        response = client.generic("POST", fill(path, world), raw, content_type="application/json")
        assert_4xx_envelope(response, 400)


@pytest.mark.parametrize("content_type, body", [
    ("text/plain", b'{"court": "x"}'),
    ("application/x-www-form-urlencoded", b"court=x&start=y"),
    ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: form-data; name=\"court\"\r\n\r\nx\r\n--xyz--"),
    ("application/xml", b"<court>x</court>"),
])
def test_wrong_content_type_is_415(world, content_type, body):
    client = client_for(world["admin"])
    for path in BODY_ENDPOINTS:
        response = client.generic("POST", fill(path, world), body, content_type=content_type)
        error = assert_4xx_envelope(response, 415)
        assert error["code"] == "unsupported_media_type"


def test_a_10_mb_body_is_413_everywhere(world):
    huge = json.dumps({"name": "x" * (10 * 1024 * 1024)}).encode()
    client = client_for(world["admin"])
    for path in BODY_ENDPOINTS + ["/api/v1/clubs/clubs/{club}/"]:
        url = path.format(org=world["org"].pk, reservation=world["reservation"].pk, club=world["club"].pk)
        method = "PATCH" if "{club}" in path else "POST"
        response = client.generic(method, url, huge, content_type="application/json")
        error = assert_4xx_envelope(response, 413)
        assert error["code"] == "payload_too_large"
    # anonymous too (before authentication would even matter)
    response = APIClient().generic("POST", "/api/v1/auth/login/", huge, content_type="application/json")
    assert_4xx_envelope(response, 413)
    assert Club.objects.count() == 1


@pytest.mark.parametrize("body", [[], [1, 2], "just a string", 42, None, True])
def test_a_body_that_is_not_an_object_is_400(world, body):
    client = client_for(world["admin"])
    for path in BODY_ENDPOINTS:
        response = client.generic("POST", fill(path, world), json.dumps(body), content_type="application/json")
        assert_4xx_envelope(response, 400, 401)


# --- wrong types and ids ---

def _book(world, **changes):
    club, court, day = world["club"], world["court"], world["day"]
    body = {"court": str(court.pk), "start": at(club, day, 12).isoformat(), "end": at(club, day, 13).isoformat()}
    body.update(changes)
    return client_for(world["admin"]).post(BOOK, body, format="json")


@pytest.mark.parametrize("changes, field", [
    ({"court": 12345}, "court"),
    ({"court": True}, "court"),
    ({"court": ["a"]}, "court"),
    ({"court": {"id": "x"}}, "court"),
    ({"court": "not-a-uuid"}, "court"),
    ({"court": str(uuid.uuid4())}, "court"),  # unknown id
    ({"court": None}, "court"),
    ({"start": 1700000000}, "start"),
    ({"start": "2026-02-30T10:00:00+01:00"}, "start"),
    ({"start": "next tuesday"}, "start"),
    ({"start": ["2026-12-01T10:00:00+01:00"]}, "start"),
    ({"start": "0001-01-01T00:00:00+05:00"}, "start"),
    ({"end": "99999-01-01T00:00:00Z"}, "end"),
])
def test_wrong_types_and_unknown_ids_name_the_field(world, changes, field):
    error = assert_4xx_envelope(_book(world, **changes), 400)
    assert field in error["details"], error


def test_naive_datetimes_are_refused(world):
    day = world["day"]
    error = assert_4xx_envelope(_book(world, start=f"{day}T12:00:00", end=f"{day}T13:00:00"), 400)
    assert {"start", "end"} <= set(error["details"])


def test_end_before_start_is_400(world):
    club, day = world["club"], world["day"]
    error = assert_4xx_envelope(_book(world, start=at(club, day, 13).isoformat(), end=at(club, day, 12).isoformat()),
                                400)
    assert error["code"] == "invalid_duration" and "end" in error["details"]


def test_far_future_and_far_past_instants_are_4xx(world):
    for start, end in (("9999-12-31T23:00:00Z", "9999-12-31T23:59:00Z"),
                       ("9999-12-31T22:00:00-12:00", "9999-12-31T23:00:00-12:00"),
                       ("0001-01-01T10:00:00Z", "0001-01-01T11:00:00Z"),
                       ("2026-12-01T10:00:00+01:00", "9999-12-31T23:59:59Z")):
        assert_4xx_envelope(_book(world, start=start, end=end), 400)


def test_a_foreign_court_is_400_naming_court(world):
    foreign = CourtFactory(club=ClubFactory(is_public=False))
    error = assert_4xx_envelope(_book(world, court=str(foreign.pk)), 400)
    assert "court" in error["details"]


@pytest.mark.parametrize("changes, field", [
    ({"indoor": "maybe"}, "indoor"),
    ({"indoor": [True]}, "indoor"),
    ({"is_active": {"yes": 1}}, "is_active"),
    ({"name": {"first": "x"}}, "name"),
    ({"name": "x" * 10_000}, "name"),
    ({"name": "Pista\u0000 1"}, "name"),  # PostgreSQL text cannot hold NUL
    ({"club": 7}, "club"),
])
def test_court_wrong_types(world, changes, field):
    body = {"club": str(world["club"].pk), "name": "Pista 9", **changes}
    error = assert_4xx_envelope(client_for(world["admin"]).post("/api/v1/clubs/courts/", body, format="json"), 400)
    assert field in error["details"], error


@pytest.mark.parametrize("changes, field", [
    ({"opening_hours": {"weekday": 0, "opens": "08:00", "closes": "09:00"}}, "opening_hours"),
    ({"opening_hours": ["08:00-09:00"]}, "opening_hours"),
    ({"opening_hours": [{"weekday": "monday", "opens": "08:00", "closes": "09:00"}]}, "opening_hours"),
    ({"opening_hours": [{"weekday": 0, "opens": "25:00", "closes": "09:00"}]}, "opening_hours"),
    ({"slot_minutes": "thirty"}, "slot_minutes"),
    ({"slot_minutes": 10 ** 30}, "slot_minutes"),
    ({"booking_horizon_days": -1}, "booking_horizon_days"),
    ({"default_price_per_hour": 1e308}, "default_price_per_hour"),
    ({"default_price_per_hour": "NaN"}, "default_price_per_hour"),
    ({"default_price_per_hour": "Infinity"}, "default_price_per_hour"),
    ({"is_public": "perhaps"}, "is_public"),
    ({"max_duration_minutes": 0}, "max_duration_minutes"),   # 0 is a value: below the minimum
    ({"min_duration_minutes": 0}, "min_duration_minutes"),
    ({"slot_minutes": 0}, "slot_minutes"),
    ({"timezone": 5}, "timezone"),
    ({"timezone": "../../etc/passwd"}, "timezone"),
    ({"currency": ["EUR"]}, "currency"),
])
def test_club_wrong_types(world, changes, field):
    body = {"organization": str(world["org"].pk), "name": "New club", **changes}
    error = assert_4xx_envelope(client_for(world["admin"]).post("/api/v1/clubs/clubs/", body, format="json"), 400)
    assert field in error["details"], error
    patch = client_for(world["admin"]).patch(f"/api/v1/clubs/clubs/{world['club'].pk}/", changes, format="json")
    error = assert_4xx_envelope(patch, 400)
    assert field in error["details"], error


@pytest.mark.parametrize("path", ["/api/v1/clubs/clubs/{x}/", "/api/v1/clubs/courts/{x}/",
                                  BOOK + "{x}/", BOOK + "{x}/cancel/", "/api/v1/root/organizations/{x}/members/"])
@pytest.mark.parametrize("x", ["12345", "not-a-uuid", pytest.param(str(uuid.uuid4()), id="unknown-uuid"), "%00", "' OR 1=1 --", "a" * 300])
def test_bad_ids_in_urls_are_404(world, path, x):
    client = client_for(world["admin"])
    url = path.format(x=x)
    method = "post" if url.endswith(("/cancel/", "/members/")) else "get"
    response = getattr(client, method)(url, {}, format="json") if method == "post" else client.get(url)
    assert_4xx_envelope(response, 404)


# --- query strings ---

@pytest.mark.parametrize("params", [
    {"page": "abc"}, {"page": "0"}, {"page": "-1"}, {"page": "99999"}, {"page": "1e3"}, {"page": "٣"},
])
def test_bad_page_numbers_are_404(world, params):
    assert_4xx_envelope(client_for(world["admin"]).get(BOOK, params), 404)


@pytest.mark.parametrize("page_size, expected", [("1000000", 100), ("abc", 20), ("0", 20), ("-5", 20), ("7", 7)])
def test_page_size_is_capped_and_defaults(world, page_size, expected):
    response = APIClient().get("/api/v1/clubs/courts/", {"page_size": page_size})
    ok(response, paginated=True)
    assert response.json()["pagination"]["page_size"] == expected


def test_unknown_query_params_are_ignored(world):
    response = client_for(world["admin"]).get(BOOK, {"colour": "blue", "club__in": "x", "order_by": "password"})
    assert len(ok(response)) == 1


@pytest.mark.parametrize("params", [
    {"club": "CLUB", "date": "2026-02-30"}, {"club": "CLUB", "date": "0000-01-01"},
    {"club": "CLUB", "date": "9999-12-31"}, {"club": "CLUB", "date": "0001-01-01"},
    {"club": "CLUB", "date": ["2026-01-01", "2026-01-02"]}, {"club": "'; DROP TABLE clubs_club; --"},
])
def test_availability_params_never_500(world, params):
    all_day = ClubFactory(hours=(time(0), time(0)))  # opens at midnight: the day's edges touch the calendar's
    CourtFactory(club=all_day)
    for club in (world["club"], all_day):
        q = {k: (str(club.pk) if v == "CLUB" else v) for k, v in params.items()}
        response = APIClient().get("/api/v1/reservations/availability/", q)
        assert response.status_code < 500, (q, response.content[:300])
        if response.status_code >= 400:
            err(response, response.status_code)
    assert Club.objects.count() == 2


@pytest.mark.parametrize("params, field", [({"club": "x"}, "club"), ({"date": "yesterday"}, "date"),
                                           ({"status": "party"}, "status"), ({"court": "x"}, "court")])
def test_list_filter_values_are_validated(world, params, field):
    response = client_for(world["admin"]).get(
        "/api/v1/clubs/maintenance-blocks/" if field == "court" else BOOK, params)
    error = assert_4xx_envelope(response, 400)
    assert field in error["details"], error


# --- random JSON at every POST endpoint ---

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.uuids().map(str) | st.datetimes().map(lambda d: d.isoformat()),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(["email", "password", "refresh", "name", "slug", "role", "club", "court", "start",
                               "end", "weekdays", "start_time", "end_time", "price_per_hour", "priority",
                               "organization", "opening_hours", "timezone", "reason", "uid", "token",
                               "new_password", "indoor", "surface", "first_name"])
bodies = st.dictionaries(field_names, json_values, max_size=8) | json_values


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(path=st.sampled_from(POST_ENDPOINTS), body=bodies)
def test_random_json_never_500(world, path, body):
    booking = Reservation.objects.filter(pk=world["reservation"].pk)
    before = booking.values("status", "period", "court_id").get()  # the world is shared by the examples
    client = client_for(world["admin"])
    response = client.generic("POST", fill(path, world), json.dumps(body), content_type="application/json")
    assert response.status_code < 500, (path, body, response.content[:300])
    payload = response.json()
    assert set(payload) >= {"success", "data", "message", "meta"}
    if response.status_code >= 400:
        err(response, response.status_code)
    # the world still holds: nothing random changed the reservation or broke the court; only its
    # own cancel endpoint (which ignores the body) may cancel it, and only when it says it did
    assert Court.objects.filter(pk=world["court"].pk).exists()
    if path.endswith("/cancel/") and response.status_code == 200:
        before["status"] = AllocationStatus.CANCELLED
    assert booking.values("status", "period", "court_id").get() == before, (path, body, response.status_code)
