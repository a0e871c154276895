"""CONTRACT §2 `reservations/availability/`: shape, statuses, prices per slot piece, seq."""
from datetime import time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from apps.clubs.models import AllocationStatus, OpeningHours
from apps.reservations.selectors import availability_for
from routing.publisher import current_seq
from routing.streams import club_stream
from tests.support.api import at, booking_body, client_for, err, future_day, make_block, next_weekday, ok
from tests.support.factories import (
    ClubFactory,
    CourtFactory,
    PricingRuleFactory,
    ReservationFactory,
    UserFactory,
    staff_of,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/reservations/availability/"


def get(club, day, client=None):
    return ok((client or APIClient()).get(URL, {"club": str(club.pk), "date": day.isoformat()}), paginated=False)


def by_start(court_data):
    return {s["start"]: s for s in court_data["slots"]}


def test_shape_and_grid():
    court = CourtFactory(name="Pista 1")
    club = court.club
    day = future_day(club, 2)
    data = get(club, day)
    assert {"club", "date", "timezone", "slot_minutes", "seq", "courts"} <= set(data)
    assert (data["club"], data["date"], data["timezone"], data["slot_minutes"]) == (
        str(club.pk), day.isoformat(), "Europe/Madrid", 30)
    assert isinstance(data["seq"], int)
    [court_data] = data["courts"]
    assert court_data["id"] == str(court.pk) and court_data["name"] == "Pista 1"
    slots = court_data["slots"]
    assert len(slots) == 28  # 08:00-22:00 in 30-minute pieces
    assert set(slots[0]) == {"start", "end", "status", "price"}
    assert slots[0]["start"] == at(club, day, 8).isoformat()
    assert slots[-1]["end"] == at(club, day, 22).isoformat()
    assert all(s["status"] == "free" for s in slots)
    assert all(a["end"] == b["start"] for a, b in zip(slots, slots[1:], strict=False))


def test_every_status():
    club = ClubFactory(hours=None)
    OpeningHours.objects.filter(club=club).delete()
    for weekday in range(7):  # closed 12:00-16:00 in the middle of the day
        OpeningHours.objects.create(club=club, weekday=weekday, opens=time(8), closes=time(12))
        OpeningHours.objects.create(club=club, weekday=weekday, opens=time(16), closes=time(22))
    court = CourtFactory(club=club, name="A")
    CourtFactory(club=club, name="B", is_active=False)
    day = future_day(club, 3)
    ReservationFactory(court=court, start=at(club, day, 8), end=at(club, day, 9))
    ReservationFactory(court=court, start=at(club, day, 9), end=at(club, day, 10), status=AllocationStatus.HELD)
    ReservationFactory(court=court, start=at(club, day, 10), end=at(club, day, 11),
                       status=AllocationStatus.CANCELLED)
    make_block(court, at(club, day, 16), at(club, day, 17))
    now = at(club, day, 11, 15)  # "now" mid-morning of that day: what is before is past
    data = availability_for(club=club, day=day, now=now)
    a, b = data["courts"]
    statuses = {s["start"]: s["status"] for s in a["slots"]}
    expect = {(8, 0): "booked", (8, 30): "booked", (9, 0): "held", (9, 30): "held", (10, 0): "past",
              (10, 30): "past", (11, 0): "past", (11, 30): "free", (12, 0): "closed", (15, 30): "closed",
              (16, 0): "blocked", (16, 30): "blocked", (17, 0): "free"}
    for (h, m), status in expect.items():
        assert statuses[at(club, day, h, m).isoformat()] == status, (h, m)
    assert {s["status"] for s in b["slots"]} == {"closed"}  # inactive court
    assert {s["status"] for s in a["slots"]} == {"booked", "held", "past", "free", "closed", "blocked"}


def test_yesterday_is_all_past_through_the_api():
    court = CourtFactory()
    day = future_day(court.club, -1)
    slots = get(court.club, day)["courts"][0]["slots"]
    assert {s["status"] for s in slots} == {"past"}


def test_a_day_without_opening_hours_has_no_slots():
    club = ClubFactory()
    CourtFactory(club=club)
    day = future_day(club, 2)
    OpeningHours.objects.filter(club=club, weekday=day.weekday()).delete()
    assert get(club, day)["courts"][0]["slots"] == []


def test_price_is_per_slot_piece_from_pricing_rules():
    club = ClubFactory(default_price_per_hour=Decimal("20.00"))
    court, other = CourtFactory(club=club), CourtFactory(club=club)
    PricingRuleFactory(club=club, weekdays=[0, 1, 2, 3, 4], start_time=time(18), end_time=time(22),
                       price_per_hour=Decimal("32.00"), priority=10)
    # a court's own rule beats a club-wide one at equal priority; a higher priority beats both
    PricingRuleFactory(club=club, court=court, weekdays=[0, 1, 2, 3, 4], start_time=time(18),
                       end_time=time(20), price_per_hour=Decimal("40.00"), priority=10)
    PricingRuleFactory(club=club, weekdays=list(range(7)), start_time=time(21), end_time=time(0),
                       price_per_hour=Decimal("50.00"), priority=20)
    weekday = next_weekday(club)
    saturday = next_weekday(club, weekdays=(5,))
    data = get(club, weekday)
    mine = by_start(next(c for c in data["courts"] if c["id"] == str(court.pk)))
    theirs = by_start(next(c for c in data["courts"] if c["id"] == str(other.pk)))
    price = lambda slots, h, m=0: slots[at(club, weekday, h, m).isoformat()]["price"]  # noqa: E731
    assert price(mine, 17, 30) == "10.00" and price(theirs, 17, 30) == "10.00"
    assert price(mine, 18) == "20.00" and price(theirs, 18) == "16.00"
    assert price(mine, 20) == "16.00" and price(theirs, 20) == "16.00"
    assert price(mine, 21) == "25.00" and price(theirs, 21, 30) == "25.00"
    weekend = by_start(get(club, saturday)["courts"][0])
    assert weekend[at(club, saturday, 18).isoformat()]["price"] == "10.00"
    assert weekend[at(club, saturday, 21).isoformat()]["price"] == "25.00"


def test_a_booking_across_the_peak_boundary_costs_the_sum_of_its_pieces():
    club = ClubFactory(default_price_per_hour=Decimal("20.00"))
    court = CourtFactory(club=club)
    PricingRuleFactory(club=club, weekdays=[0, 1, 2, 3, 4], start_time=time(18), end_time=time(22),
                       price_per_hour=Decimal("32.00"))
    day = next_weekday(club)
    slots = by_start(get(club, day)["courts"][0])
    expected = sum(Decimal(slots[at(club, day, h, m).isoformat()]["price"]) for h, m in
                   ((17, 0), (17, 30), (18, 0), (18, 30)))
    assert expected == Decimal("52.00")
    data = ok(client_for(UserFactory()).post("/api/v1/reservations/reservations/",
                                             booking_body(court, at(club, day, 17), 120), format="json"), 201)
    assert data["price"] == "52.00" and data["currency"] == "EUR"
    # 90 minutes, 30 of them peak
    data = ok(client_for(UserFactory()).post("/api/v1/reservations/reservations/",
                                             booking_body(court, at(club, day, 19, 30), 90), format="json"), 201)
    assert data["price"] == "48.00"


def test_seq_is_the_club_streams_current_seq():
    court = CourtFactory()
    club = court.club
    day = future_day(club, 2)
    before = get(club, day)["seq"]
    assert before == current_seq(club_stream(club.pk))
    ok(client_for(UserFactory()).post("/api/v1/reservations/reservations/", booking_body(court, at(club, day, 10)),
                                      format="json"), 201)
    after = get(club, day)
    assert after["seq"] == before + 1 == current_seq(club_stream(club.pk))
    assert by_start(after["courts"][0])[at(club, day, 10).isoformat()]["status"] == "booked"


def test_private_club_is_404_except_for_its_staff():
    club = ClubFactory(is_public=False)
    CourtFactory(club=club)
    day = future_day(club, 1)
    err(APIClient().get(URL, {"club": str(club.pk), "date": day.isoformat()}), 404, "not_found")
    err(client_for(UserFactory()).get(URL, {"club": str(club.pk), "date": day.isoformat()}), 404)
    assert get(club, day, client_for(staff_of(club)))["club"] == str(club.pk)


def test_default_date_is_the_clubs_today():
    club = ClubFactory(timezone="Pacific/Kiritimati")  # UTC+14: its today is often not UTC's
    CourtFactory(club=club)
    from django.utils import timezone

    data = ok(APIClient().get(URL, {"club": str(club.pk)}))
    assert data["date"] == timezone.now().astimezone(ZoneInfo("Pacific/Kiritimati")).date().isoformat()


@pytest.mark.parametrize("params, status, field", [
    ({}, 400, "club"),
    ({"club": "nope"}, 400, "club"),
    ({"club": "00000000-0000-0000-0000-000000000000"}, 404, None),
    ({"club": "CLUB", "date": "2026-13-45"}, 400, "date"),
    ({"club": "CLUB", "date": "tomorrow"}, 400, "date"),
])
def test_bad_params(params, status, field):
    club = ClubFactory()
    params = {k: (str(club.pk) if v == "CLUB" else v) for k, v in params.items()}
    error = err(APIClient().get(URL, params), status)
    if field:
        assert field in error["details"]


def test_a_huge_date_range_is_not_a_500():
    club = ClubFactory()
    CourtFactory(club=club)
    for day in ("0001-01-01", "9999-12-31"):
        response = APIClient().get(URL, {"club": str(club.pk), "date": day})
        assert response.status_code < 500, response.content
    assert timedelta(days=1)
