"""The database makes double booking impossible: 30 clients at once, each on its own connection.

Transactional tests (real commits), one thread per client with its own DB connection, all
released together by a Barrier, through the real HTTP API stack (APIClient -> DRF -> services).
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.clubs.models import BLOCKING_STATUSES, CourtAllocation, MaintenanceBlock
from apps.reservations.models import Reservation
from tests.support.api import at, future_day
from tests.support.factories import CourtFactory, UserFactory, staff_of

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 30
BOOK = "/api/v1/reservations/reservations/"
BLOCKS = "/api/v1/clubs/maintenance-blocks/"


def run_at_once(jobs):
    """Runs each (url, body, token) job in its own thread, all released by one barrier."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(i, url, body, token):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait(timeout=30)
            response = client.post(url, body, format="json")
            results[i] = (response.status_code, response.json())
        except Exception as exc:  # recorded, so the assertion shows it
            results[i] = (None, repr(exc))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=worker, args=(i, *job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a client hung"
    return results


def _token(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


@pytest.fixture
def court():
    yield CourtFactory()
    connections.close_all()


def test_thirty_clients_book_the_same_slot_one_wins(court):
    club = court.club
    start = at(club, future_day(club, 2), 18)
    body = {"court": str(court.pk), "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    jobs = [(BOOK, body, _token(UserFactory())) for _ in range(CLIENTS)]
    results = run_at_once(jobs)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (CLIENTS - 1), results
    codes = {body["error"]["code"] for status, body in results if status == 409}
    assert codes == {"slot_unavailable"}
    assert Reservation.objects.filter(court=court).count() == 1
    assert CourtAllocation.objects.filter(court=court, status__in=BLOCKING_STATUSES).count() == 1


def test_overlapping_intervals_racing_leave_no_overlap(court):
    club = court.club
    day = future_day(club, 2)
    jobs = []
    for i in range(CLIENTS):
        start = at(club, day, 10) + timedelta(minutes=30 * (i % 6))  # 10:00 .. 12:30, 60 or 90 minutes
        minutes = 60 if i % 2 else 90
        jobs.append((BOOK, {"court": str(court.pk), "start": start.isoformat(),
                            "end": (start + timedelta(minutes=minutes)).isoformat()}, _token(UserFactory())))
    results = run_at_once(jobs)
    assert {status for status, _ in results} <= {201, 409}, results
    won = [body["data"] for status, body in results if status == 201]
    assert won
    rows = sorted(Reservation.objects.filter(court=court), key=lambda r: r.period.lower)
    assert len(rows) == len(won)
    for before, after in zip(rows, rows[1:], strict=False):
        assert before.period.upper <= after.period.lower, "two reservations overlap"


def test_a_maintenance_block_racing_bookings(court):
    club = court.club
    staff = staff_of(club)
    start = at(club, future_day(club, 2), 18)
    end = start + timedelta(hours=1)
    booking = {"court": str(court.pk), "start": start.isoformat(), "end": end.isoformat()}
    block = {"court": str(court.pk), "start": (start - timedelta(minutes=30)).isoformat(),
             "end": (end + timedelta(minutes=30)).isoformat(), "reason": "net repair"}
    staff_token = _token(staff)
    jobs = []
    for i in range(CLIENTS):
        jobs.append((BLOCKS, block, staff_token) if i % 2 else (BOOK, booking, _token(UserFactory())))
    results = run_at_once(jobs)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (CLIENTS - 1), results
    assert {b["error"]["code"] for s, b in results if s == 409} == {"slot_unavailable"}
    live = CourtAllocation.objects.filter(court=court, status__in=BLOCKING_STATUSES)
    assert live.count() == 1
    assert Reservation.objects.filter(court=court).count() + MaintenanceBlock.objects.filter(court=court).count() == 1


def test_overlapping_claims_queue_per_court_instead_of_deadlocking(court):
    """Deterministic version of the race above, at the service layer.

    A holds an open transaction with a booking 10:00-11:00; B asks for 10:30-11:30 and must wait;
    A then books 11:00-12:00 too. Were B's row already in the index, A and B would wait for each
    other (PostgreSQL would kill one with a deadlock: a 503). Claims queue on the court instead:
    A's second booking succeeds, and B, once A commits, gets a clean slot_unavailable.
    """
    from django.db import transaction

    from apps.core.errors import Conflict
    from apps.reservations.services import reservation_create

    club = court.club
    day = future_day(club, 2)
    alice, bob = UserFactory(), UserFactory()
    b_pid: list = []
    a_first_done = threading.Event()
    a_may_commit = threading.Event()
    outcome: dict = {}

    def a():
        try:
            with transaction.atomic():
                reservation_create(court=court, user=alice, start=at(club, day, 10), end=at(club, day, 11))
                a_first_done.set()
                a_may_commit.wait(timeout=30)  # B is now waiting on us
                reservation_create(court=court, user=alice, start=at(club, day, 11), end=at(club, day, 12))
            outcome["a"] = "committed"
        except Exception as exc:
            outcome["a"] = repr(exc)
        finally:
            connection.close()

    def b():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                b_pid.append(cursor.fetchone()[0])
            reservation_create(court=court, user=bob, start=at(club, day, 10, 30), end=at(club, day, 11, 30))
            outcome["b"] = "booked"
        except Conflict as exc:
            outcome["b"] = exc.code
        except Exception as exc:
            outcome["b"] = repr(exc)
        finally:
            connection.close()

    thread_a = threading.Thread(target=a)
    thread_a.start()
    assert a_first_done.wait(timeout=30)
    thread_b = threading.Thread(target=b)
    thread_b.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # wait until B is blocked on a lock held by A
        with connection.cursor() as cursor:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [b_pid[0] if b_pid else 0])
            row = cursor.fetchone()
        if row and row[0] == "Lock":
            break
        time.sleep(0.05)
    else:
        a_may_commit.set()
        pytest.fail("B never waited for A")
    a_may_commit.set()
    thread_a.join(timeout=60)
    thread_b.join(timeout=60)
    assert outcome == {"a": "committed", "b": "slot_unavailable"}, outcome
    assert Reservation.objects.filter(court=court).count() == 2
