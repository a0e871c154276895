"""Occupancy and revenue, aggregated inside PostgreSQL one court at a time.

Each court is one query over that court's rows only (court_id index); PostgreSQL returns at most
7x24 (occupancy) or days x payment modes (revenue) aggregate rows, read through a server-side
cursor. Python keeps only per-hour / per-day totals, so memory does not grow with the number of
bookings, and each court finished is a progress step. Local hours and days are computed at the
club's timezone with `AT TIME ZONE` in SQL.

What counts:
- booked time: reservations that are confirmed, completed or no-show, and tournament matches that
  hold the court; maintenance is not booked time. Clamped to the report's local date range.
- open time: the club's opening hours on each day of the range, for every active court (an inactive
  court is counted only if it has bookings in the range).
- revenue by the booking's local start day: `bookings`/`revenue` = count/price of reservations that
  are confirmed, completed or no-show; `collected` = money received online (paid_amount) on any
  reservation, cancelled ones included; `refunded` = refunds that went through.
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection

from apps.clubs.models import BLOCKING_STATUSES, AllocationStatus, Club, CourtAllocation
from apps.clubs.schedule import opening_windows
from apps.reservations.models import PaymentMode, Reservation

BOOKED_RESERVATION = [AllocationStatus.CONFIRMED.value, AllocationStatus.COMPLETED.value,
                      AllocationStatus.NO_SHOW.value]
BOOKED_MATCH = [s.value for s in BLOCKING_STATUSES]
REVENUE_STATUSES = BOOKED_RESERVATION
CENT = Decimal("0.01")
FETCH_SIZE = 2000

OCCUPANCY_HEADER = ["section", "court_id", "court", "weekday", "hour", "booked_minutes", "open_minutes",
                    "occupancy"]
REVENUE_HEADER = ["section", "key", "label", "bookings", "revenue", "collected", "refunded", "currency"]

_ALLOC = CourtAllocation._meta.db_table
_RES = Reservation._meta.db_table

# Each booking is cut at local hour boundaries (generate_series over local wall-clock hours, each
# turned back into an instant) so 10:30-12:00 adds 30 min to hour 10 and 60 to hour 11.
BOOKED_SQL = f"""
WITH b AS (
    SELECT greatest(lower(a.period), %(start)s) AS s, least(upper(a.period), %(end)s) AS e
    FROM {_ALLOC} a
    WHERE a.court_id = %(court)s
      AND a.period && tstzrange(%(start)s, %(end)s, '[)')
      AND ((a.kind = 'reservation' AND a.status = ANY(%(reservation_statuses)s))
           OR (a.kind = 'match' AND a.status = ANY(%(match_statuses)s)))
), pieces AS (
    SELECT h,
           extract(epoch FROM least(b.e, (h + interval '1 hour') AT TIME ZONE %(tz)s)
                            - greatest(b.s, h AT TIME ZONE %(tz)s)) / 60.0 AS minutes
    FROM b CROSS JOIN LATERAL generate_series(
        date_trunc('hour', b.s AT TIME ZONE %(tz)s),
        (b.e AT TIME ZONE %(tz)s) - interval '1 microsecond',
        interval '1 hour') AS h
)
SELECT extract(isodow FROM h)::int - 1 AS weekday, extract(hour FROM h)::int AS hour,
       round(sum(minutes))::bigint AS minutes
FROM pieces
WHERE minutes > 0
GROUP BY 1, 2
"""

REVENUE_SQL = f"""
SELECT (lower(a.period) AT TIME ZONE %(tz)s)::date AS day, r.payment_mode,
       count(*) FILTER (WHERE a.status = ANY(%(revenue_statuses)s)) AS bookings,
       coalesce(sum(r.price) FILTER (WHERE a.status = ANY(%(revenue_statuses)s)), 0) AS revenue,
       coalesce(sum(r.paid_amount), 0) AS collected,
       coalesce(sum(r.refund_amount) FILTER (WHERE r.refund_status = 'refunded'), 0) AS refunded
FROM {_ALLOC} a
JOIN {_RES} r ON r.courtallocation_ptr_id = a.id
WHERE a.court_id = %(court)s AND a.kind = 'reservation'
  AND a.period && tstzrange(%(start)s, %(end)s, '[)')
  AND lower(a.period) >= %(start)s AND lower(a.period) < %(end)s
GROUP BY 1, 2
"""

Progress = Callable[[float], None]


def local_bounds(club: Club, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The range as instants: local midnight of date_from to local midnight after date_to."""
    tz = ZoneInfo(club.timezone)
    start = datetime.combine(date_from, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def _stream(sql: str, params: dict):
    """Rows through a server-side cursor, FETCH_SIZE at a time."""
    with connection.chunked_cursor() as cursor:
        cursor.cursor.itersize = FETCH_SIZE  # the psycopg2 cursor under Django's wrapper
        cursor.execute(sql, params)
        yield from cursor


def open_minutes_by_weekday_hour(club: Club, date_from: date, date_to: date) -> dict[tuple[int, int], int]:
    """Minutes one court is open in each (local weekday, local hour) over the range."""
    tz = ZoneInfo(club.timezone)
    hours = list(club.opening_hours.values_list("weekday", "opens", "closes"))
    totals: dict[tuple[int, int], int] = defaultdict(int)
    day = date_from
    while day <= date_to:
        for window in opening_windows(day, hours, tz):
            cursor = window.start
            while cursor < window.end:
                local = cursor.astimezone(tz)
                hour_start = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
                step_end = min(window.end, hour_start + timedelta(hours=1))
                totals[(local.weekday(), local.hour)] += int((step_end - cursor).total_seconds() // 60)
                cursor = step_end
        day += timedelta(days=1)
    return totals


def _ratio(booked: int, open_: int) -> str:
    return f"{booked / open_:.4f}" if open_ else ""


def build_occupancy(club: Club, date_from: date, date_to: date, writerow, progress: Progress) -> None:
    start, end = local_bounds(club, date_from, date_to)
    open_wd_hour = open_minutes_by_weekday_hour(club, date_from, date_to)
    open_hour: dict[int, int] = defaultdict(int)
    for (_wd, hour), minutes in open_wd_hour.items():
        open_hour[hour] += minutes
    booked_wd_hour: dict[tuple[int, int], int] = defaultdict(int)
    courts = list(club.courts.order_by("name").values_list("id", "name", "is_active"))
    counted_courts = 0
    writerow(OCCUPANCY_HEADER)
    for index, (court_id, name, is_active) in enumerate(courts):
        by_hour: dict[int, int] = defaultdict(int)
        for weekday, hour, minutes in _stream(BOOKED_SQL, {
                "court": court_id, "start": start, "end": end, "tz": club.timezone,
                "reservation_statuses": BOOKED_RESERVATION, "match_statuses": BOOKED_MATCH}):
            by_hour[hour] += minutes
            booked_wd_hour[(weekday, hour)] += minutes
        if is_active or by_hour:
            counted_courts += 1
            for hour in range(24):
                if open_hour[hour] or by_hour[hour]:
                    writerow(["court_hour", court_id, name, "", hour, by_hour[hour], open_hour[hour],
                              _ratio(by_hour[hour], open_hour[hour])])
        progress((index + 1) / (len(courts) + 1))
    for weekday in range(7):
        for hour in range(24):
            booked = booked_wd_hour[(weekday, hour)]
            open_ = open_wd_hour.get((weekday, hour), 0) * counted_courts
            if booked or open_:
                writerow(["weekday_hour", "", "", weekday, hour, booked, open_, _ratio(booked, open_)])


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


def build_revenue(club: Club, date_from: date, date_to: date, writerow, progress: Progress) -> None:
    start, end = local_bounds(club, date_from, date_to)
    zero = lambda: [0, Decimal(0), Decimal(0), Decimal(0)]  # noqa: E731  bookings, revenue, collected, refunded
    by_day: dict[date, list] = defaultdict(zero)
    by_mode: dict[str, list] = defaultdict(zero)
    total = zero()
    currency = club.currency
    courts = list(club.courts.order_by("name").values_list("id", "name"))
    writerow(REVENUE_HEADER)
    for index, (court_id, name) in enumerate(courts):
        court_total = zero()
        for day, mode, *values in _stream(REVENUE_SQL, {
                "court": court_id, "start": start, "end": end, "tz": club.timezone,
                "revenue_statuses": REVENUE_STATUSES}):
            for bucket in (by_day[day], by_mode[mode], court_total, total):
                for i, value in enumerate(values):
                    bucket[i] += value
        writerow(["court", court_id, name, court_total[0], *map(_money, court_total[1:]), currency])
        progress((index + 1) / (len(courts) + 1))
    day = date_from
    while day <= date_to:  # every day, zeros included, so a chart's axis has no holes
        row = by_day.get(day) or zero()
        writerow(["day", day.isoformat(), calendar.day_abbr[day.weekday()], row[0], *map(_money, row[1:]),
                  currency])
        day += timedelta(days=1)
    for mode in [*PaymentMode.values, *sorted(set(by_mode) - set(PaymentMode.values))]:
        row = by_mode.get(mode) or zero()
        writerow(["payment_mode", mode, PaymentMode(mode).label if mode in PaymentMode.values else mode,
                  row[0], *map(_money, row[1:]), currency])
    writerow(["total", "", "", total[0], *map(_money, total[1:]), currency])


BUILDERS = {"occupancy": build_occupancy, "revenue": build_revenue}
