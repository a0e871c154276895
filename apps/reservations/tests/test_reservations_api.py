"""CONTRACT §2 `reservations/reservations/`: create (codes and their order), list, cancel."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.clubs.models import AllocationStatus
from apps.reservations.models import Reservation
from tests.support.api import at, booking_body, client_for, err, future_day, make_block, ok
from tests.support.factories import ClubFactory, CourtFactory, ReservationFactory, UserFactory, staff_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/reservations/reservations/"


def book(user, court, start, minutes=60, **extra):
    return client_for(user).post(URL, {**booking_body(court, start, minutes), **extra}, format="json")


# --- create ---

def test_create_answers_201_with_the_contract_shape():
    court = CourtFactory()
    club = court.club
    user = UserFactory()
    day = future_day(club, 2)
    data = ok(book(user, court, at(club, day, 10), 90), 201)
    assert {"id", "club", "court", "start", "end", "status", "price", "currency", "payment"} <= set(data)
    assert data["club"] == str(club.pk) and data["court"] == str(court.pk)
    assert data["start"] == at(club, day, 10).isoformat()  # club-local, with its offset
    assert data["end"] == at(club, day, 11, 30).isoformat()
    assert data["status"] == "confirmed"
    assert data["price"] == "30.00" and data["currency"] == "EUR"
    assert data["payment"]["mode"] == "pay_at_club" and data["payment"]["amount_due"] == "30.00"
    row = Reservation.objects.get(pk=data["id"])
    assert row.user_id == user.pk and row.kind == "reservation"
    assert row.period.lower == at(club, day, 10).astimezone(UTC)
    # stored in UTC
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_char(lower(period) AT TIME ZONE 'UTC', 'HH24:MI') FROM clubs_courtallocation "
                       "WHERE id = %s", [row.pk])
        assert cursor.fetchone()[0] == at(club, day, 10).astimezone(UTC).strftime("%H:%M")


def test_input_in_another_offset_is_the_same_instant():
    court = CourtFactory()
    club = court.club
    day = future_day(club, 2)
    start_utc = at(club, day, 10).astimezone(UTC)
    body = {"court": str(court.pk), "start": start_utc.isoformat().replace("+00:00", "Z"),
            "end": (start_utc + timedelta(hours=1)).isoformat()}
    data = ok(client_for(UserFactory()).post(URL, body, format="json"), 201)
    assert data["start"] == at(club, day, 10).isoformat()


def _codes_case(club, name):
    today = future_day(club, 0)
    day = future_day(club, 2)
    horizon = future_day(club, club.booking_horizon_days)
    beyond = horizon + timedelta(days=1)
    yesterday = future_day(club, -1)
    return {
        "in_past": (at(club, yesterday, 10), 60),
        "in_past_today": (at(club, today, 0, 0) - timedelta(minutes=30), 60),
        "beyond_booking_horizon": (at(club, beyond, 10), 60),
        "invalid_duration_short": (at(club, day, 10), 30),
        "invalid_duration_long": (at(club, day, 10), 150),
        "invalid_duration_not_in_steps": (at(club, day, 10), 75),
        "invalid_duration_zero": (at(club, day, 10), 0),
        "invalid_duration_negative": (at(club, day, 10), -60),
        "misaligned_start": (at(club, day, 10, 15), 60),
        "misaligned_start_minutes": (at(club, day, 10, 0) + timedelta(seconds=60), 60),
        "outside_opening_hours_before": (at(club, day, 7), 60),
        "outside_opening_hours_across_close": (at(club, day, 21, 30), 60),
        "outside_opening_hours_after": (at(club, day, 22), 60),
    }[name]


@pytest.mark.parametrize("case", [
    "in_past", "in_past_today", "beyond_booking_horizon", "invalid_duration_short", "invalid_duration_long",
    "invalid_duration_not_in_steps", "invalid_duration_zero", "invalid_duration_negative", "misaligned_start",
    "misaligned_start_minutes", "outside_opening_hours_before", "outside_opening_hours_across_close",
    "outside_opening_hours_after",
])
def test_each_validation_code(case):
    court = CourtFactory()
    start, minutes = _codes_case(court.club, case)
    code = case.split("_today")[0]
    for suffix in ("_short", "_long", "_not_in_steps", "_zero", "_negative", "_minutes", "_before",
                   "_across_close", "_after"):
        code = code.removesuffix(suffix)
    error = err(book(UserFactory(), court, start, minutes), 400, code)
    assert error["details"], error
    assert not Reservation.objects.exists()


def test_the_last_day_of_the_horizon_is_bookable():
    court = CourtFactory()
    club = court.club
    ok(book(UserFactory(), court, at(club, future_day(club, club.booking_horizon_days), 21), 60), 201)


def test_the_last_slot_before_closing_is_bookable():
    court = CourtFactory()
    club = court.club
    ok(book(UserFactory(), court, at(club, future_day(club, 2), 20), 120), 201)


@pytest.mark.parametrize("start_case, minutes, expected", [
    # several rules fail at once: the first in the contract's order wins
    ("past_misaligned_closed", 45, "in_past"),
    ("beyond_misaligned_closed", 45, "beyond_booking_horizon"),
    ("misaligned_closed", 45, "invalid_duration"),
    ("misaligned_closed", 60, "misaligned_start"),
    ("closed_taken", 60, "outside_opening_hours"),
])
def test_validation_order(start_case, minutes, expected):
    court = CourtFactory()
    club = court.club
    day = future_day(club, 2)
    starts = {
        "past_misaligned_closed": at(club, future_day(club, -1), 6, 10),
        "beyond_misaligned_closed": at(club, future_day(club, club.booking_horizon_days + 1), 6, 10),
        "misaligned_closed": at(club, day, 6, 10),
        "closed_taken": at(club, day, 21, 30),
    }
    # the court is taken at 21:30 by a block staff put past closing time
    make_block(court, at(club, day, 21, 30), at(club, day, 23))
    err(book(UserFactory(), court, starts[start_case], minutes), 400, expected)


def test_end_not_after_start_is_invalid_duration_naming_end():
    court = CourtFactory()
    club = court.club
    start = at(club, future_day(club, 2), 10)
    body = {"court": str(court.pk), "start": start.isoformat(), "end": start.isoformat()}
    error = err(client_for(UserFactory()).post(URL, body, format="json"), 400, "invalid_duration")
    assert "end" in error["details"]


def test_taken_slot_is_409_and_partial_overlaps_too_but_touching_is_fine():
    court = CourtFactory()
    club = court.club
    day = future_day(club, 2)
    ok(book(UserFactory(), court, at(club, day, 10), 90), 201)
    for start, minutes in ((at(club, day, 10), 60), (at(club, day, 9, 30), 60), (at(club, day, 11), 60),
                           (at(club, day, 9), 120 + 30 - 30)):
        err(book(UserFactory(), court, start, minutes), 409, "slot_unavailable")
    ok(book(UserFactory(), court, at(club, day, 11, 30), 60), 201)
    ok(book(UserFactory(), court, at(club, day, 9), 60), 201)
    # another court at the same time is free
    ok(book(UserFactory(), CourtFactory(club=club), at(club, day, 10), 60), 201)
    assert Reservation.objects.count() == 4


def test_a_cancelled_booking_frees_the_slot():
    court = CourtFactory()
    club = court.club
    day = future_day(club, 2)
    ReservationFactory(court=court, start=at(club, day, 10), end=at(club, day, 11),
                       status=AllocationStatus.CANCELLED)
    ReservationFactory(court=court, start=at(club, day, 12), end=at(club, day, 13),
                       status=AllocationStatus.EXPIRED)
    ok(book(UserFactory(), court, at(club, day, 10), 60), 201)
    ok(book(UserFactory(), court, at(club, day, 12), 60), 201)


def test_inactive_court_is_400_and_invisible_court_is_400_naming_court():
    court = CourtFactory(is_active=False)
    club = court.club
    day = future_day(club, 2)
    error = err(book(UserFactory(), court, at(club, day, 10)), 400, "court_inactive")
    assert "court" in error["details"]
    private = CourtFactory(club=ClubFactory(is_public=False))
    error = err(book(UserFactory(), private, at(private.club, day, 10)), 400)
    assert "court" in error["details"]
    # the private club's own staff may book it
    ok(book(staff_of(private.club), private, at(private.club, day, 10)), 201)


def test_booking_needs_authentication():
    court = CourtFactory()
    err(APIClient().post(URL, booking_body(court, at(court.club, future_day(court.club, 2), 10)), format="json"),
        401, "not_authenticated")


# --- list ---

def test_players_list_their_own_and_staff_list_the_clubs():
    court = CourtFactory()
    club = court.club
    day = future_day(club, 2)
    alice, bob = UserFactory(), UserFactory()
    mine = ReservationFactory(court=court, user=alice, start=at(club, day, 10), end=at(club, day, 11))
    theirs = ReservationFactory(court=court, user=bob, start=at(club, day, 12), end=at(club, day, 13))
    elsewhere = ReservationFactory(user=alice, start=at(club, day, 12), end=at(club, day, 13))
    response = client_for(alice).get(URL)
    assert {r["id"] for r in ok(response, paginated=True)} == {str(mine.pk), str(elsewhere.pk)}
    # a player asking for a club's list still only sees their own there
    assert [r["id"] for r in ok(client_for(alice).get(URL, {"club": str(club.pk)}))] == [str(mine.pk)]
    staff = staff_of(club)
    data = ok(client_for(staff).get(URL, {"club": str(club.pk)}))
    assert [r["id"] for r in data] == [str(mine.pk), str(theirs.pk)]
    assert data[1]["player"]["id"] == str(bob.pk)
    assert ok(client_for(staff).get(URL)) == []  # without ?club=, staff see their own bookings
    error = err(client_for(staff).get(URL, {"club": "not-a-uuid"}), 400)
    assert "club" in error["details"]


def test_list_filters_by_status_and_by_the_clubs_local_date():
    # Mexico City is UTC-6: a 19:00 local booking starts at 01:00 UTC the next day.
    club = ClubFactory(timezone="America/Mexico_City", currency="MXN")
    court = CourtFactory(club=club)
    staff = staff_of(club)
    day = future_day(club, 3)
    evening = ReservationFactory(court=court, start=at(club, day, 19), end=at(club, day, 20))
    morning = ReservationFactory(court=court, start=at(club, day, 9), end=at(club, day, 10),
                                 status=AllocationStatus.CANCELLED)
    next_day = ReservationFactory(court=court, start=at(club, day + timedelta(days=1), 9),
                                  end=at(club, day + timedelta(days=1), 10))
    client = client_for(staff)
    got = lambda **p: [r["id"] for r in ok(client.get(URL, {"club": str(club.pk), **p}))]  # noqa: E731
    assert got(date=day.isoformat()) == [str(morning.pk), str(evening.pk)]
    assert got(date=(day + timedelta(days=1)).isoformat()) == [str(next_day.pk)]
    assert got(status="cancelled") == [str(morning.pk)]
    assert got(status="confirmed", date=day.isoformat()) == [str(evening.pk)]
    error = err(client.get(URL, {"club": str(club.pk), "date": "31/12/2026"}), 400)
    assert "date" in error["details"]
    error = err(client.get(URL, {"club": str(club.pk), "status": "partying"}), 400)
    assert "status" in error["details"]


def test_list_pagination():
    court = CourtFactory()
    club = court.club
    user = UserFactory()
    day = future_day(club, 2)
    for h in range(8, 20):
        ReservationFactory(court=court, user=user, start=at(club, day, h), end=at(club, day, h + 1))
    response = client_for(user).get(URL, {"page_size": 5, "page": 2})
    assert len(ok(response)) == 5
    assert response.json()["pagination"] == {"page": 2, "page_size": 5, "total_count": 12, "total_pages": 3}
    response = client_for(user).get(URL, {"page_size": 1000})
    assert response.json()["pagination"]["page_size"] == 100
    err(client_for(user).get(URL, {"page": 9}), 404)


def test_retrieve_own_and_not_others():
    reservation = ReservationFactory(start=at(ClubFactory(), future_day(ClubFactory(), 2), 10),
                                     end=at(ClubFactory(), future_day(ClubFactory(), 2), 11))
    data = ok(client_for(reservation.user).get(f"{URL}{reservation.pk}/"))
    assert data["id"] == str(reservation.pk)
    err(client_for(UserFactory()).get(f"{URL}{reservation.pk}/"), 404)


# --- cancel ---

def cancel(user, reservation):
    return client_for(user).post(f"{URL}{reservation.pk}/cancel/")


def test_player_cancels_before_the_deadline_and_the_slot_frees():
    court = CourtFactory()
    club = court.club
    day = future_day(club, 3)
    reservation = ReservationFactory(court=court, start=at(club, day, 10), end=at(club, day, 11))
    data = ok(cancel(reservation.user, reservation))
    assert data["status"] == "cancelled"
    assert data["refund"] == {"amount": "0.00", "currency": "EUR", "status": "none"}
    reservation.refresh_from_db()
    assert reservation.status == "cancelled" and reservation.cancelled_by_id == reservation.user_id
    ok(book(UserFactory(), court, at(club, day, 10)), 201)
    err(cancel(reservation.user, reservation), 409, "not_cancellable")


def test_a_paid_reservation_cancelled_in_time_gets_a_pending_refund():
    court = CourtFactory()
    club = court.club
    day = future_day(club, 3)
    reservation = ReservationFactory(court=court, start=at(club, day, 10), end=at(club, day, 11),
                                     paid_amount=Decimal("20.00"))
    assert ok(cancel(reservation.user, reservation))["refund"] == {"amount": "20.00", "currency": "EUR",
                                                                   "status": "pending"}


def test_after_the_deadline_a_player_gets_409_but_staff_may_cancel():
    court = CourtFactory()
    club = court.club  # 24 h deadline
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=5)
    reservation = ReservationFactory(court=court, start=start, end=start + timedelta(hours=1),
                                     paid_amount=Decimal("20.00"))
    err(cancel(reservation.user, reservation), 409, "cancellation_window_closed")
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"
    data = ok(cancel(staff_of(club), reservation))
    assert data["status"] == "cancelled"
    assert data["refund"]["status"] in ("pending", "none") and data["refund"]["currency"] == "EUR"


def test_others_cannot_cancel():
    court = CourtFactory()
    club = court.club
    day = future_day(club, 3)
    reservation = ReservationFactory(court=court, start=at(club, day, 10), end=at(club, day, 11))
    err(cancel(UserFactory(), reservation), 404)
    err(cancel(staff_of(ClubFactory()), reservation), 404)
    err(APIClient().post(f"{URL}{reservation.pk}/cancel/"), 401)
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"
