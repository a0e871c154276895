"""Availability costs a constant number of SQL queries, whatever the courts and bookings (ISSUE 2 §6)."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.clubs.models import AllocationStatus
from apps.reservations.selectors import availability_for
from tests.support.api import at, future_day, make_block
from tests.support.factories import ClubFactory, CourtFactory, PricingRuleFactory, ReservationFactory, UserFactory

pytestmark = pytest.mark.django_db

# 5 SELECTs (seq, courts, opening hours, pricing rules, allocations) + 2 for the snapshot transaction
# (inside a test transaction: SAVEPOINT and RELEASE; in production: SET TRANSACTION ... and COMMIT, plus BEGIN)
SELECTOR_QUERIES = 7
# the selector plus the club lookup
API_QUERIES = SELECTOR_QUERIES + 1


def small_club():
    club = ClubFactory()
    CourtFactory(club=club)
    return club


def big_club():
    club = ClubFactory()
    courts = [CourtFactory(club=club) for _ in range(12)]
    for weekday_rule in range(3):
        PricingRuleFactory(club=club, priority=weekday_rule)
    PricingRuleFactory(club=club, court=courts[0])
    day = future_day(club, 2)
    users = [UserFactory() for _ in range(5)]
    made = 0
    # 200 bookings on the day asked for: 12 courts x 28 half-hour slots leave room for them
    for i, court in enumerate(courts):
        for slot in range(28):
            if made == 200:
                break
            if (slot + i) % 5 == 4:
                continue
            start = at(club, day, 8) + timedelta(minutes=30 * slot)
            status = AllocationStatus.HELD if slot % 7 == 0 else AllocationStatus.CONFIRMED
            ReservationFactory(court=court, user=users[made % 5], start=start, end=start + timedelta(minutes=30),
                               status=status)
            made += 1
    assert made == 200
    make_block(courts[-1], at(club, day, 21), at(club, day, 22))
    return club


def test_the_selector_query_count_is_the_same_for_1_court_and_for_12_courts_with_200_bookings(
        django_assert_max_num_queries):
    small, big = small_club(), big_club()
    day = future_day(big, 2)
    with django_assert_max_num_queries(SELECTOR_QUERIES):
        data = availability_for(club=small, day=day)
    assert len(data["courts"]) == 1
    with django_assert_max_num_queries(SELECTOR_QUERIES):
        data = availability_for(club=big, day=day)
    assert len(data["courts"]) == 12
    statuses = [s["status"] for c in data["courts"] for s in c["slots"]]
    assert statuses.count("booked") + statuses.count("held") == 200
    assert statuses.count("blocked") == 2


def test_the_bound_is_tight():
    """The constant is the real count, not a loose ceiling (so a regression that adds one query shows)."""
    big = big_club()
    with CaptureQueriesContext(connection) as captured:
        availability_for(club=big, day=future_day(big, 2))
    assert len(captured) == SELECTOR_QUERIES


def test_the_api_query_count_is_constant_too(django_assert_max_num_queries):
    small, big = small_club(), big_club()
    day = future_day(big, 2)
    client = APIClient()
    for club in (small, big):
        with django_assert_max_num_queries(API_QUERIES):
            response = client.get("/api/v1/reservations/availability/", {"club": str(club.pk), "date": str(day)})
        assert response.status_code == 200
