import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import psycopg2
import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test import AsyncClient
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange
from rest_framework_simplejwt.tokens import RefreshToken

from apps.clubs.models import AllocationStatus, MaintenanceBlock
from apps.reports import builders, tasks
from apps.reports.build import build
from apps.reports.models import Report, ReportLine, ReportStatus
from project.celery import app
from tests.support.api import client_for, err, ok
from tests.support.factories import ClubFactory, CourtFactory, ReservationFactory, UserFactory, staff_of
from tests.support.live import staff_events

MADRID = ZoneInfo("Europe/Madrid")
REPORTS = "/api/v1/reports/"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=MADRID)


def booking(court, day, hour, minute=0, minutes=60, **extra):
    start = local(day, hour, minute)
    return ReservationFactory(court=court, user=extra.pop("user", None) or UserFactory(), start=start,
                              end=start + timedelta(minutes=minutes), **extra)


def make_report(club, kind, date_from, date_to, user=None) -> Report:
    return Report.objects.create(club=club, kind=kind, created_by=user,
                                 params={"date_from": date_from.isoformat(), "date_to": date_to.isoformat()})


def csv_rows(report) -> list[dict]:
    text = "".join(ReportLine.objects.filter(report=report).order_by("n").values_list("text", flat=True))
    return list(csv.DictReader(io.StringIO(text)))


# A week of 2026 that includes the spring DST change in Madrid (Sunday 29 March, 02:00 -> 03:00).
MON, TUE, SUN = date(2026, 3, 23), date(2026, 3, 24), date(2026, 3, 29)


@pytest.fixture
def club_with_bookings(db):
    club = ClubFactory()  # open 08:00-22:00 every day
    a = CourtFactory(club=club, name="A")
    b = CourtFactory(club=club, name="B")
    booking(a, MON, 10, 30, minutes=90, price=Decimal("30.00"))          # 30 min in hour 10, 60 in 11
    booking(b, TUE, 21, minutes=60, price=Decimal("24.00"), payment_mode="online", paid_amount=Decimal("24.00"))
    booking(a, SUN, 10, minutes=60, price=Decimal("20.00"), status=AllocationStatus.COMPLETED)  # after DST
    booking(b, SUN, 9, minutes=60, price=Decimal("20.00"), status=AllocationStatus.NO_SHOW)
    # Not booked time / not revenue:
    booking(a, TUE, 12, status=AllocationStatus.CANCELLED, payment_mode="online", paid_amount=Decimal("20.00"),
            refund_amount=Decimal("20.00"), refund_status="refunded")
    booking(a, TUE, 14, status=AllocationStatus.EXPIRED)
    start = local(TUE, 16)
    MaintenanceBlock.objects.create(court=b, period=DateTimeTZRange(start, start + timedelta(hours=2), "[)"),
                                    status=AllocationStatus.BLOCKED)
    # Outside the range (Sunday before, Monday after) and another club: left out.
    booking(a, MON - timedelta(days=1), 10)
    booking(a, SUN + timedelta(days=1), 10)
    booking(CourtFactory(name="Elsewhere"), TUE, 10)
    return club, a, b


# --- occupancy -----------------------------------------------------------------------------------

def test_occupancy_heatmap(club_with_bookings):
    club, a, b = club_with_bookings
    report = make_report(club, "occupancy", MON, SUN)
    assert build(report.pk) == "ready"
    rows = csv_rows(report)
    court_hour = {(r["court"], int(r["hour"])): r for r in rows if r["section"] == "court_hour"}
    # 7 days x 60 open minutes in each hour 08..21, for each court; closed hours are left out.
    assert sorted({h for _c, h in court_hour}) == list(range(8, 22))
    assert court_hour[("A", 10)]["booked_minutes"] == "90"  # 30 (Mon 10:30) + 60 (Sun 10:00 local, after DST)
    assert court_hour[("A", 11)]["booked_minutes"] == "60"
    assert court_hour[("A", 10)]["open_minutes"] == "420"
    assert court_hour[("A", 10)]["occupancy"] == f"{90 / 420:.4f}"
    assert court_hour[("B", 21)]["booked_minutes"] == "60"
    assert court_hour[("B", 9)]["booked_minutes"] == "60"
    assert court_hour[("A", 12)]["booked_minutes"] == "0"  # cancelled
    assert court_hour[("A", 14)]["booked_minutes"] == "0"  # expired
    assert court_hour[("B", 16)]["booked_minutes"] == "0"  # maintenance is not booked time
    assert court_hour[("A", 12)]["court_id"] == str(a.pk)
    weekday_hour = {(int(r["weekday"]), int(r["hour"])): r for r in rows if r["section"] == "weekday_hour"}
    assert weekday_hour[(0, 10)]["booked_minutes"] == "30" and weekday_hour[(0, 10)]["open_minutes"] == "120"
    assert weekday_hour[(0, 11)]["booked_minutes"] == "60"
    assert weekday_hour[(1, 21)]["booked_minutes"] == "60"
    assert weekday_hour[(6, 10)]["booked_minutes"] == "60" and weekday_hour[(6, 9)]["booked_minutes"] == "60"
    assert sum(int(r["booked_minutes"]) for r in weekday_hour.values()) == 90 + 60 + 60 + 60
    assert sum(int(r["booked_minutes"]) for r in court_hour.values()) == 270
    assert len(weekday_hour) == 7 * 14
    report.refresh_from_db()
    assert report.rows == len(rows) == 2 * 14 + 7 * 14


def test_open_minutes_follow_opening_hours_and_dst():
    club = ClubFactory(hours=(time(8, 0), time(0, 0)))  # until midnight
    totals = builders.open_minutes_by_weekday_hour(club, SUN, SUN)
    assert set(totals) == {(6, h) for h in range(8, 24)} and set(totals.values()) == {60}
    start, end = builders.local_bounds(club, SUN, SUN)
    assert end - start == timedelta(hours=23)  # the DST day is 23 hours long


def test_booking_across_local_midnight_is_split_by_day_and_clamped_to_the_range():
    club = ClubFactory(hours=(time(0, 0), time(0, 0)))
    court = CourtFactory(club=club)
    booking(court, MON, 23, minutes=120)  # Mon 23:00 - Tue 01:00
    report = make_report(club, "occupancy", MON, MON)
    build(report.pk)
    rows = {(r["section"], r["weekday"], r["hour"]): r["booked_minutes"] for r in csv_rows(report)}
    assert rows[("weekday_hour", "0", "23")] == "60"
    assert ("weekday_hour", "1", "0") not in rows  # Tuesday is outside the range


# --- revenue -----------------------------------------------------------------------------------------

def test_revenue_by_day_court_and_payment_mode(club_with_bookings):
    club, a, b = club_with_bookings
    report = make_report(club, "revenue", MON, SUN)
    build(report.pk)
    rows = csv_rows(report)
    sections = {}
    for r in rows:
        sections.setdefault(r["section"], {})[r["key"]] = r
    cols = ("bookings", "revenue", "collected", "refunded")

    def values(row):
        return tuple(row[c] for c in cols)

    assert values(sections["court"][str(a.pk)]) == ("2", "50.00", "20.00", "20.00")
    assert values(sections["court"][str(b.pk)]) == ("2", "44.00", "24.00", "0.00")
    assert sections["court"][str(a.pk)]["label"] == "A"
    days = sections["day"]
    assert list(days) == [(MON + timedelta(days=i)).isoformat() for i in range(7)]
    assert values(days[MON.isoformat()]) == ("1", "30.00", "0.00", "0.00")
    assert values(days[TUE.isoformat()]) == ("1", "24.00", "44.00", "20.00")
    assert values(days[SUN.isoformat()]) == ("2", "40.00", "0.00", "0.00")
    assert values(days["2026-03-25"]) == ("0", "0.00", "0.00", "0.00")
    assert values(sections["payment_mode"]["pay_at_club"]) == ("3", "70.00", "0.00", "0.00")
    assert values(sections["payment_mode"]["online"]) == ("1", "24.00", "44.00", "20.00")
    assert values(sections["total"][""]) == ("4", "94.00", "44.00", "20.00")
    assert {r["currency"] for r in rows} == {"EUR"}


# --- the task, its events and its idempotency --------------------------------------------------------------

def test_build_streams_progress_then_ready_to_the_staff_stream(club_with_bookings, django_capture_on_commit_callbacks):
    club, _a, _b = club_with_bookings
    for i in range(20):  # enough courts for several progress steps
        CourtFactory(club=club, name=f"Z{i:02d}")
    report = make_report(club, "occupancy", MON, SUN)
    with django_capture_on_commit_callbacks(execute=False):
        assert tasks.build_report.apply(args=[str(report.pk)]).get() == "ready"
    events = staff_events(club.pk)
    assert [e.type for e in events[:-1]] == ["report.progress"] * (len(events) - 1)
    progress = [e.data["progress"] for e in events[:-1]]
    assert progress[0] == 0 and progress == sorted(set(progress)) and len(progress) >= 5 and progress[-1] < 100
    ready = events[-1]
    assert ready.type == "report.ready"
    assert ready.data["report"] == str(report.pk) and ready.data["progress"] == 100
    assert ready.data["download"] == f"/api/v1/reports/{report.pk}/download/"
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    report.refresh_from_db()
    assert (report.status, report.progress) == ("ready", 100) and report.finished_at >= report.started_at


def test_build_is_idempotent_and_restarts_after_a_crash(club_with_bookings):
    club, _a, _b = club_with_bookings
    report = make_report(club, "revenue", MON, SUN)
    build(report.pk)
    first = csv_rows(report)
    events = len(staff_events(club.pk))
    assert build(report.pk) == "ready"  # a redelivered copy changes nothing
    assert len(staff_events(club.pk)) == events
    assert [e.type for e in staff_events(club.pk)].count("report.ready") == 1
    assert csv_rows(report) == first
    # A worker died mid-build: status left running with a partial CSV; the redelivery starts over.
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING, progress=40)
    ReportLine.objects.filter(report=report, n__gt=3).delete()
    assert build(report.pk) == "ready"
    assert csv_rows(report) == first


def test_a_second_builder_backs_off_while_one_holds_the_report(club_with_bookings):
    club, _a, _b = club_with_bookings
    report = make_report(club, "occupancy", MON, SUN)
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [f"report:{report.pk}"])
        assert build(report.pk) == "busy"
        report.refresh_from_db()
        assert report.status == ReportStatus.QUEUED
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [f"report:{report.pk}"])
    finally:
        other.close()
    assert build(report.pk) == "ready"


def test_a_failing_build_is_marked_failed_and_raises(club_with_bookings):
    club, _a, _b = club_with_bookings
    report = make_report(club, "occupancy", MON, SUN)
    with mock.patch.dict(builders.BUILDERS, {"occupancy": mock.Mock(side_effect=RuntimeError("disk on fire"))}):
        with pytest.raises(RuntimeError):
            tasks.build_report.apply(args=[str(report.pk)], throw=True).get()
    report.refresh_from_db()
    assert (report.status, report.error) == ("failed", "RuntimeError")
    assert [e.type for e in staff_events(club.pk)] == ["report.progress", "report.failed"]
    assert not ReportLine.objects.filter(report=report).exists()


def test_reads_through_a_server_side_cursor(club_with_bookings):
    club, _a, _b = club_with_bookings
    report = make_report(club, "revenue", MON, SUN)
    with mock.patch.object(connection, "chunked_cursor", wraps=connection.chunked_cursor) as chunked:
        build(report.pk)
    assert chunked.call_count == 2  # one aggregate query per court, streamed


# --- REST ----------------------------------------------------------------------------------------------

def test_request_report_is_202_and_enqueued_on_analytics_after_commit(club_with_bookings,
                                                                      django_capture_on_commit_callbacks):
    club, _a, _b = club_with_bookings
    staff = staff_of(club)
    with mock.patch.object(tasks.build_report, "apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=True):
            data = ok(client_for(staff).post(REPORTS, {"club": str(club.pk), "kind": "occupancy",
                                                       "date_from": "2026-03-23", "date_to": "2026-03-29"},
                                             format="json"), 202)
            assert apply_async.call_count == 0
    apply_async.assert_called_once_with((data["id"],), {})
    assert app.amqp.router.route({}, tasks.build_report.name)["queue"].name == "analytics"  # project/celery.py
    assert data["status"] == "queued" and data["progress"] == 0 and data["download_url"] is None
    assert (data["club"], data["kind"], data["date_from"], data["date_to"]) == (
        str(club.pk), "occupancy", "2026-03-23", "2026-03-29")
    assert Report.objects.get(pk=data["id"]).created_by == staff
    # The same request while that one is queued answers the same report.
    with mock.patch.object(tasks.build_report, "apply_async"):
        again = ok(client_for(staff).post(REPORTS, {"club": str(club.pk), "kind": "occupancy",
                                                    "date_from": "2026-03-23", "date_to": "2026-03-29"},
                                          format="json"), 202)
    assert again["id"] == data["id"]
    # Untouched for longer than STALE_AFTER: its task was lost, so asking again sends it again.
    Report.objects.filter(pk=data["id"]).update(updated_at=timezone.now() - timedelta(minutes=11))
    with mock.patch.object(tasks.build_report, "apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=True):
            third = ok(client_for(staff).post(REPORTS, {"club": str(club.pk), "kind": "occupancy",
                                                        "date_from": "2026-03-23", "date_to": "2026-03-29"},
                                              format="json"), 202)
    assert third["id"] == data["id"]
    apply_async.assert_called_once_with((data["id"],), {})
    assert app.amqp.router.route({}, tasks.build_report.name)["queue"].name == "analytics"  # project/celery.py


def test_request_then_status_then_csv_download(club_with_bookings, eager_celery, django_capture_on_commit_callbacks):
    club, _a, _b = club_with_bookings
    client = client_for(staff_of(club))
    with django_capture_on_commit_callbacks(execute=True):
        created = ok(client.post(REPORTS, {"club": str(club.pk), "kind": "revenue", "date_from": "2026-03-23",
                                           "date_to": "2026-03-29"}, format="json"), 202)
    status = ok(client.get(f"{REPORTS}{created['id']}/"))
    assert status["status"] == "ready" and status["progress"] == 100 and status["rows"] == 2 + 7 + 2 + 1
    assert status["download_url"] == f"/api/v1/reports/{created['id']}/download/"
    listed = ok(client.get(f"{REPORTS}?club={club.pk}"), paginated=True)
    assert [r["id"] for r in listed] == [created["id"]]


@pytest.mark.django_db(transaction=True)
async def test_csv_download_streams_text_csv_without_envelope():
    club, staff, report = await sync_to_async(_ready_report)()
    token = await sync_to_async(lambda: str(RefreshToken.for_user(staff).access_token))()
    try:
        response = await AsyncClient().get(f"{REPORTS}{report.pk}/download/",
                                           headers={"authorization": f"Bearer {token}", "accept": "text/csv"})
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            f'attachment; filename="padelyzer-revenue-{club.slug}-2026-03-23-2026-03-29.csv"')
        body = b"".join([chunk async for chunk in response.streaming_content]).decode()
        assert body.startswith("section,key,label,bookings,revenue,collected,refunded,currency\r\n")
        assert body.endswith("total,,,4,94.00,44.00,20.00,EUR\r\n")
        assert len(body.splitlines()) == 13
    finally:
        await sync_to_async(connections.close_all)()


def _ready_report():
    club = ClubFactory()
    a, b = CourtFactory(club=club, name="A"), CourtFactory(club=club, name="B")
    booking(a, MON, 10, 30, minutes=90, price=Decimal("30.00"))
    booking(b, TUE, 21, price=Decimal("24.00"), payment_mode="online", paid_amount=Decimal("24.00"))
    booking(a, SUN, 10, price=Decimal("20.00"), status=AllocationStatus.COMPLETED)
    booking(b, SUN, 9, price=Decimal("20.00"), status=AllocationStatus.NO_SHOW)
    booking(a, TUE, 12, status=AllocationStatus.CANCELLED, payment_mode="online", paid_amount=Decimal("20.00"),
            refund_amount=Decimal("20.00"), refund_status="refunded")
    staff = staff_of(club)
    report = make_report(club, "revenue", MON, SUN, user=staff)
    build(report.pk)
    return club, staff, report


def test_download_rules(club_with_bookings):
    club, _a, _b = club_with_bookings
    staff = staff_of(club)
    report = make_report(club, "occupancy", MON, SUN, user=staff)
    client = client_for(staff)
    err(client.get(f"{REPORTS}{report.pk}/download/"), 409, "report_not_ready")
    err(client.get(f"{REPORTS}{report.pk}/download/", HTTP_ACCEPT="text/csv"), 409, "report_not_ready")
    build(report.pk)
    other_staff = staff_of(ClubFactory())
    err(client_for(other_staff).get(f"{REPORTS}{report.pk}/download/"), 404, "not_found")
    err(client_for(other_staff).get(f"{REPORTS}{report.pk}/"), 404, "not_found")
    err(client_for(UserFactory()).get(f"{REPORTS}{report.pk}/download/"), 404, "not_found")
    err(client_for().get(f"{REPORTS}{report.pk}/download/"), 401)
    err(client.get(f"{REPORTS}not-a-uuid/download/"), 404)
    assert ok(client_for(other_staff).get(REPORTS), paginated=True) == []


@pytest.mark.parametrize("change, field", [
    ({"kind": "weather"}, "kind"),
    ({"date_from": "2026-13-01"}, "date_from"),
    ({"date_to": "2026-03-01"}, "date_to"),
    ({"date_from": "2025-01-01", "date_to": "2026-01-02"}, "date_to"),
    ({"club": "00000000-0000-0000-0000-000000000000"}, "club"),
    ({"club": "nope"}, "club"),
])
def test_bad_requests_are_400(change, field):
    club = ClubFactory()
    body = {"club": str(club.pk), "kind": "revenue", "date_from": "2026-03-23", "date_to": "2026-03-29", **change}
    error = err(client_for(staff_of(club)).post(REPORTS, body, format="json"), 400)
    assert field in error["details"]
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_only_that_clubs_staff_may_request():
    club = ClubFactory()
    body = {"club": str(club.pk), "kind": "revenue", "date_from": "2026-03-23", "date_to": "2026-03-29"}
    for user in (UserFactory(), staff_of(ClubFactory())):
        assert "club" in err(client_for(user).post(REPORTS, body, format="json"), 400)["details"]
    err(client_for().post(REPORTS, body, format="json"), 401)


def test_a_full_year_is_allowed():
    club = ClubFactory()
    body = {"club": str(club.pk), "kind": "revenue", "date_from": "2025-01-01", "date_to": "2025-12-31"}
    with mock.patch.object(tasks.build_report, "apply_async"):
        ok(client_for(staff_of(club)).post(REPORTS, body, format="json"), 202)


pytestmark = pytest.mark.django_db
