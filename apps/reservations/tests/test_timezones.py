"""A club in Europe/Madrid across the clock changes of 2026: slots, prices and bookings stay right.

End of summer time: Sunday 2026-10-25, 03:00 CEST -> 02:00 CET (a 25-hour day).
Start of summer time: Sunday 2026-03-29, 02:00 CET -> 03:00 CEST (a 23-hour day).
Services and selectors take `now`, so the days can be in the past of the real clock.
"""
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from apps.clubs.models import OpeningHours
from apps.core.errors import InvalidInput
from apps.reservations.api import ReservationSerializer
from apps.reservations.selectors import availability_for, club_today
from apps.reservations.services import reservation_create
from tests.support.factories import ClubFactory, CourtFactory, PricingRuleFactory, UserFactory

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")
SATURDAY = date(2026, 10, 24)
FALL_BACK = date(2026, 10, 25)
SPRING_FORWARD = date(2026, 3, 29)
BEFORE_FALL = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
BEFORE_SPRING = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def utc(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def slots_of(club, day, now):
    return availability_for(club=club, day=day, now=now)["courts"][0]["slots"]


def as_utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


@pytest.fixture
def club():
    club = ClubFactory(timezone="Europe/Madrid", default_price_per_hour=Decimal("20.00"))  # 08:00-22:00
    CourtFactory(club=club)
    # peak every day 18:00-22:00 local
    PricingRuleFactory(club=club, weekdays=list(range(7)), start_time=time(18), end_time=time(22),
                       price_per_hour=Decimal("32.00"))
    return club


@pytest.fixture
def all_day_club():
    club = ClubFactory(timezone="Europe/Madrid", hours=(time(0), time(0)), max_duration_minutes=180)
    CourtFactory(club=club)
    PricingRuleFactory(club=club, weekdays=list(range(7)), start_time=time(18), end_time=time(22),
                       price_per_hour=Decimal("32.00"))
    return club


def test_ten_oclock_local_is_08z_in_summer_and_09z_after_the_change(club):
    saturday = {as_utc(s["start"]): s for s in slots_of(club, SATURDAY, BEFORE_FALL)}
    sunday = {as_utc(s["start"]): s for s in slots_of(club, FALL_BACK, BEFORE_FALL)}
    assert saturday[utc(2026, 10, 24, 8)]["start"] == "2026-10-24T10:00:00+02:00"
    assert sunday[utc(2026, 10, 25, 9)]["start"] == "2026-10-25T10:00:00+01:00"
    # same local grid both days: 08:00-22:00, 28 half-hour slots, first at 08:00 local
    for day, slots in ((SATURDAY, saturday), (FALL_BACK, sunday)):
        starts = sorted(slots)
        assert len(starts) == 28
        assert starts[0].astimezone(MADRID).time() == time(8)
        assert max(s["end"] for s in slots.values()).endswith("T22:00:00" + ("+02:00" if day == SATURDAY
                                                                              else "+01:00"))


def test_a_24_hour_club_has_50_slots_on_the_long_day_and_46_on_the_short_one(all_day_club):
    counts = {day: len(slots_of(all_day_club, day, now)) for day, now in (
        (SATURDAY, BEFORE_FALL), (FALL_BACK, BEFORE_FALL), (SPRING_FORWARD, BEFORE_SPRING),
        (date(2026, 3, 28), BEFORE_SPRING))}
    assert counts == {SATURDAY: 48, FALL_BACK: 50, SPRING_FORWARD: 46, date(2026, 3, 28): 48}


def test_the_repeated_hour_shows_twice_and_the_missing_hour_never(all_day_club):
    fall = [s["start"] for s in slots_of(all_day_club, FALL_BACK, BEFORE_FALL)]
    assert fall[:8] == ["2026-10-25T00:00:00+02:00", "2026-10-25T00:30:00+02:00", "2026-10-25T01:00:00+02:00",
                        "2026-10-25T01:30:00+02:00", "2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00",
                        "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00"]
    assert len(set(fall)) == 50
    spring = [s["start"] for s in slots_of(all_day_club, SPRING_FORWARD, BEFORE_SPRING)]
    assert spring[3:6] == ["2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00"]
    assert not any("T02:" in s for s in spring)
    # the grid is contiguous in real time
    for slots in (slots_of(all_day_club, FALL_BACK, BEFORE_FALL), slots_of(all_day_club, SPRING_FORWARD,
                                                                            BEFORE_SPRING)):
        for a, b in zip(slots, slots[1:], strict=False):
            assert as_utc(a["end"]) == as_utc(b["start"])
            assert as_utc(a["end"]) - as_utc(a["start"]) == timedelta(minutes=30)


@pytest.mark.parametrize("day, now, peak_starts_utc", [
    (SATURDAY, BEFORE_FALL, utc(2026, 10, 24, 16)),       # 18:00 CEST
    (FALL_BACK, BEFORE_FALL, utc(2026, 10, 25, 17)),      # 18:00 CET
    (SPRING_FORWARD, BEFORE_SPRING, utc(2026, 3, 29, 16)),  # 18:00 CEST
])
def test_peak_pricing_follows_local_time(club, all_day_club, day, now, peak_starts_utc):
    for c in (club, all_day_club):
        slots = {as_utc(s["start"]): s["price"] for s in slots_of(c, day, now)}
        assert slots[peak_starts_utc] == "16.00"
        assert slots[peak_starts_utc - timedelta(minutes=30)] == "10.00"
        assert slots[peak_starts_utc + timedelta(hours=3, minutes=30)] == "16.00"  # 21:30 local
        if c is all_day_club:
            assert slots[peak_starts_utc + timedelta(hours=4)] == "10.00"  # 22:00 local


def test_booking_at_ten_local_on_the_25th_is_stored_as_0900_utc(club):
    court = club.courts.get()
    start = datetime(2026, 10, 25, 10, 0, tzinfo=MADRID)
    reservation = reservation_create(court=court, user=UserFactory(), start=start, end=start + timedelta(hours=1),
                                     now=BEFORE_FALL)
    reservation.refresh_from_db()
    assert reservation.period.lower == utc(2026, 10, 25, 9)
    assert reservation.period.upper == utc(2026, 10, 25, 10)
    assert reservation.price == Decimal("20.00")
    data = ReservationSerializer(reservation).data
    assert data["start"] == "2026-10-25T10:00:00+01:00"
    assert data["end"] == "2026-10-25T11:00:00+01:00"
    # and the Saturday before, the same local time is 08:00 UTC
    saturday = datetime(2026, 10, 24, 10, 0, tzinfo=MADRID)
    other = reservation_create(court=court, user=UserFactory(), start=saturday,
                               end=saturday + timedelta(hours=1), now=BEFORE_FALL)
    other.refresh_from_db()
    assert other.period.lower == utc(2026, 10, 24, 8)


def test_a_booking_across_the_peak_boundary_on_the_change_day_is_priced_by_local_pieces(club):
    court = club.courts.get()
    start = datetime(2026, 10, 25, 17, 0, tzinfo=MADRID)
    reservation = reservation_create(court=court, user=UserFactory(), start=start, end=start + timedelta(hours=2),
                                     now=BEFORE_FALL)
    assert reservation.price == Decimal("52.00")  # 2 x 10.00 before 18:00, 2 x 16.00 after


def test_durations_are_real_time_across_the_repeated_hour(all_day_club):
    court = all_day_club.courts.get()
    user = UserFactory()
    # 02:00 CEST -> 02:00 CET is one real hour although the wall clock did not move
    first = datetime(2026, 10, 25, 2, 0, tzinfo=MADRID)                       # fold=0: CEST
    second = datetime(2026, 10, 25, 2, 0, fold=1, tzinfo=MADRID)              # CET
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    reservation = reservation_create(court=court, user=user, start=first, end=second, now=BEFORE_FALL)
    assert reservation.period.lower == utc(2026, 10, 25, 0) and reservation.period.upper == utc(2026, 10, 25, 1)
    assert reservation.price == Decimal("20.00")
    # 00:30 -> 03:00 local on the long day shows 150 minutes on the
    # wall clock but lasts 210 real minutes: over the 180-minute maximum
    with pytest.raises(InvalidInput) as exc:
        reservation_create(court=court, user=user, start=datetime(2026, 10, 25, 0, 30, tzinfo=MADRID),
                           end=datetime(2026, 10, 25, 3, 0, tzinfo=MADRID), now=BEFORE_FALL)
    assert exc.value.code == "invalid_duration"
    # 01:30 -> 03:30 local on the short day is one real hour: allowed
    spring = reservation_create(court=court, user=user, start=datetime(2026, 3, 29, 1, 30, tzinfo=MADRID),
                                end=datetime(2026, 3, 29, 3, 30, tzinfo=MADRID), now=BEFORE_SPRING)
    assert spring.period.upper - spring.period.lower == timedelta(hours=1)


def test_today_and_the_horizon_are_the_clubs_local_days(all_day_club):
    court = all_day_club.courts.get()
    # 22:30 UTC on Saturday is already 00:30 on Sunday in Madrid
    now = utc(2026, 10, 24, 22, 30)
    assert club_today(all_day_club, now) == FALL_BACK
    with pytest.raises(InvalidInput) as exc:
        reservation_create(court=court, user=UserFactory(), start=datetime(2026, 10, 25, 0, 0, tzinfo=MADRID),
                           end=datetime(2026, 10, 25, 1, 0, tzinfo=MADRID), now=now)
    assert exc.value.code == "in_past"
    # the horizon (14 days) counts from Madrid's today, the 25th: the 8th of November is the last day
    last = datetime(2026, 11, 8, 23, 0, tzinfo=MADRID)
    reservation_create(court=court, user=UserFactory(), start=last, end=last + timedelta(hours=1), now=now)
    with pytest.raises(InvalidInput) as exc:
        start = datetime(2026, 11, 9, 0, 0, tzinfo=MADRID)
        reservation_create(court=court, user=UserFactory(), start=start, end=start + timedelta(hours=1), now=now)
    assert exc.value.code == "beyond_booking_horizon"


def test_past_slots_on_the_change_day_use_real_time(all_day_club):
    # 01:30 UTC on the 25th is 02:30 CET, the second time the clock shows 02:30
    now = utc(2026, 10, 25, 1, 30)
    slots = slots_of(all_day_club, FALL_BACK, now)
    statuses = {s["start"]: s["status"] for s in slots}
    assert statuses["2026-10-25T02:30:00+02:00"] == "past"
    assert statuses["2026-10-25T02:00:00+01:00"] == "past"
    assert statuses["2026-10-25T02:30:00+01:00"] == "free"


def test_opening_hours_are_local_on_both_days():
    club = ClubFactory(timezone="Europe/Madrid")
    OpeningHours.objects.filter(club=club).delete()
    OpeningHours.objects.create(club=club, weekday=5, opens=time(9), closes=time(21))   # Saturday
    OpeningHours.objects.create(club=club, weekday=6, opens=time(9), closes=time(21))   # Sunday
    CourtFactory(club=club)
    sat = slots_of(club, SATURDAY, BEFORE_FALL)
    sun = slots_of(club, FALL_BACK, BEFORE_FALL)
    assert (as_utc(sat[0]["start"]), as_utc(sun[0]["start"])) == (utc(2026, 10, 24, 7), utc(2026, 10, 25, 8))
    assert len(sat) == len(sun) == 24
