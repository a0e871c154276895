"""Report bench: a year of a 24-court club, both reports, streamed builder vs a naive baseline.

    .venv/bin/python bench/reports.py                 # ~150k reservations, prints a table
    .venv/bin/python bench/reports.py --courts 4 --days 30 --keep-db

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/padelyzer_bench_reports) is created when
missing, migrated, filled once with COPY (reused on the next run while it has the same size; dropped
at the end unless --keep-db). Each measured run is its own child process, so its peak RSS
(getrusage ru_maxrss) is that run's alone; "growth" is the peak minus the RSS after Django setup.

- streamed: the production path, apps.reports.build.build(): per-court SQL aggregates read
  through a server-side cursor, CSV written to ReportLine in batches, progress events published.
- naive: what one writes first: every reservation of the range loaded as ORM objects, then
  aggregated in Python, the CSV built in memory.
Both produce the same totals; the bench checks it.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loadkit import create_database_if_missing, drop_database  # noqa: E402  (bench/ is the script's own folder)

SLUG = "bench-reports-club"
TZ = "Europe/Madrid"
YEAR_START = date(2025, 1, 1)


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/padelyzer_bench_reports")
    env.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    env["REDIS_URL"] = ""  # in-process channel layer: the bench measures the report, not Redis
    env.setdefault("LOG_LEVEL", "WARNING")
    env["DEBUG"] = "0"  # DEBUG keeps every query in memory
    env["DJANGO_SETTINGS_MODULE"] = "project.settings"
    return env


def _setup():
    os.environ.update(_env())
    import django

    django.setup()



# --- data --------------------------------------------------------------------------------------------

def _copy_value(value) -> str:
    """One COPY ... CSV field (NULL is an unquoted empty field)."""
    from psycopg2.extras import DateTimeTZRange

    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, DateTimeTZRange):
        return f"[{value.lower.isoformat()},{value.upper.isoformat()})"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


class _Copier:
    """Rows of a table through COPY FROM STDIN, flushed every `batch` rows (bounded memory)."""

    def __init__(self, cursor, model, columns: list[str], batch: int = 20000):
        self.cursor, self.table, self.columns, self.batch = cursor, model._meta.db_table, columns, batch
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.pending = 0

    def add(self, values: list) -> None:
        self.writer.writerow([_copy_value(v) for v in values])
        self.pending += 1
        if self.pending >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        self.buffer.seek(0)
        cols = ", ".join(f'"{c}"' for c in self.columns)
        self.cursor.copy_expert(f'COPY "{self.table}" ({cols}) FROM STDIN WITH (FORMAT csv, NULL \'\')',
                                self.buffer)
        self.buffer.seek(0)
        self.buffer.truncate()
        self.pending = 0


def _columns(model, values: dict) -> tuple[list[str], list]:
    """Every local column of the model: ours from `values`, any other from the field's default, so a
    column added later by another app does not break the bench."""
    columns, defaults = [], []
    for field in model._meta.local_concrete_fields:
        columns.append(field.column)
        if field.attname in values:
            defaults.append(None)
        else:
            defaults.append(field.get_default())
    return columns, defaults


def build_data(courts: int, days: int, seed: int = 7) -> dict:
    """A club open 07:00-24:00 with `courts` courts booked back to back for `days` days (60 or 90
    minutes, ~8 % cancelled and re-booked, some online-paid, refunded and no-show)."""
    from zoneinfo import ZoneInfo

    from django.db import connection, transaction
    from psycopg2.extras import DateTimeTZRange

    from apps.accounts.models import User
    from apps.clubs.models import AllocationKind, AllocationStatus, Club, Court, CourtAllocation, OpeningHours
    from apps.organizations.models import Organization
    from apps.reservations.models import Reservation

    rng = random.Random(seed)
    tz = ZoneInfo(TZ)
    with transaction.atomic():
        org = Organization.objects.create(name="Bench org", slug=f"bench-org-{uuid.uuid4().hex[:8]}")
        club = Club.objects.create(organization=org, name="Bench club", slug=SLUG, timezone=TZ, currency="EUR")
        OpeningHours.objects.bulk_create(OpeningHours(club=club, weekday=d, opens="07:00", closes="00:00")
                                         for d in range(7))
        court_ids = [c.pk for c in Court.objects.bulk_create(
            Court(club=club, name=f"Court {i + 1:02d}") for i in range(courts))]
        users = User.objects.bulk_create(User(email=f"bench{i}@example.com", password="!") for i in range(300))
        user_ids = [u.pk for u in users]

    alloc_values = ["id", "created_at", "updated_at", "court_id", "kind", "period", "status"]
    res_values = ["courtallocation_ptr_id", "user_id", "price", "currency", "payment_mode", "paid_amount",
                  "hold_expires_at", "cancelled_at", "cancelled_by_id", "refund_amount", "refund_status"]
    a_cols, a_defaults = _columns(CourtAllocation, dict.fromkeys(alloc_values))
    r_cols, r_defaults = _columns(Reservation, dict.fromkeys(res_values))
    now = datetime.now(tz)
    count = 0
    with connection.cursor() as raw:
        cursor = raw.cursor  # psycopg2's, for copy_expert
        allocs = _Copier(cursor, CourtAllocation, a_cols)
        reservations = _Copier(cursor, Reservation, r_cols)

        def add(court_id, start, end, status, *, online=False, refunded=False):
            nonlocal count
            pk = uuid.uuid4()
            minutes = int((end - start).total_seconds() // 60)
            price = Decimal(minutes) * (Decimal("0.40") if start.hour >= 18 else Decimal("0.30"))
            paid = price if online and status != AllocationStatus.EXPIRED else Decimal("0.00")
            mine = {"id": pk, "created_at": now, "updated_at": now, "court_id": court_id,
                    "kind": AllocationKind.RESERVATION, "period": DateTimeTZRange(start, end, "[)"),
                    "status": status}
            allocs.add([mine[c] if c in mine else d for c, d in zip(a_cols, a_defaults, strict=False)])
            res = {"courtallocation_ptr_id": pk, "user_id": rng.choice(user_ids), "price": price,
                   "currency": "EUR", "payment_mode": "online" if online else "pay_at_club", "paid_amount": paid,
                   "hold_expires_at": None, "cancelled_at": now if status == AllocationStatus.CANCELLED else None,
                   "cancelled_by_id": None, "refund_amount": paid if refunded else Decimal("0.00"),
                   "refund_status": "refunded" if refunded else "none"}
            reservations.add([res[c] if c in res else d for c, d in zip(r_cols, r_defaults, strict=False)])
            count += 1

        for offset in range(days):
            day = YEAR_START + timedelta(days=offset)
            opens = datetime.combine(day, datetime.min.time(), tzinfo=tz).replace(hour=7)
            closes = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
            for court_id in court_ids:
                cursor_at = opens
                while True:
                    length = timedelta(minutes=90 if rng.random() < 0.3 else 60)
                    if cursor_at + length > closes:
                        break
                    online = rng.random() < 0.3
                    if rng.random() < 0.08:  # cancelled (refunded if paid), then booked again
                        add(court_id, cursor_at, cursor_at + length, AllocationStatus.CANCELLED,
                            online=online, refunded=online)
                    if rng.random() < 0.06:
                        cursor_at += timedelta(minutes=30)  # a gap
                        continue
                    status = (AllocationStatus.NO_SHOW if rng.random() < 0.02 else
                              AllocationStatus.COMPLETED if rng.random() < 0.8 else AllocationStatus.CONFIRMED)
                    add(court_id, cursor_at, cursor_at + length, status, online=online)
                    cursor_at += length
            # Parents before children: flush both every day so the FK always finds its row.
            allocs.flush()
            reservations.flush()
        cursor.execute("ANALYZE")
    return {"club": str(club.pk), "reservations": count}


# --- the two implementations measured -------------------------------------------------------------------

def run_streamed(club, kind: str, date_from: date, date_to: date) -> dict:
    from apps.reports.build import build
    from apps.reports.models import Report

    report = Report.objects.create(club=club, kind=kind, params={"date_from": date_from.isoformat(),
                                                                 "date_to": date_to.isoformat()})
    assert build(report.pk) == "ready"
    report.refresh_from_db()
    text = "".join(report.lines.order_by("n").values_list("text", flat=True).iterator(chunk_size=2000))
    return {"rows": report.rows, "summary": _summary(kind, text)}


def run_naive(club, kind: str, date_from: date, date_to: date) -> dict:
    """Everything in memory: one ORM object per reservation, Python loops, CSV in a string."""
    from collections import defaultdict
    from zoneinfo import ZoneInfo

    from apps.reports.builders import BOOKED_RESERVATION, REVENUE_STATUSES, local_bounds
    from apps.reservations.models import Reservation

    tz = ZoneInfo(club.timezone)
    start, end = local_bounds(club, date_from, date_to)
    rows = list(Reservation.objects.filter(court__club=club, period__overlap=(start, end))
                .select_related("court", "user").order_by("period"))
    out = io.StringIO()
    writer = csv.writer(out)
    if kind == "occupancy":
        booked = defaultdict(int)
        for r in rows:
            if r.status not in BOOKED_RESERVATION:
                continue
            cursor_at, stop = max(r.period.lower, start), min(r.period.upper, end)
            while cursor_at < stop:
                local = cursor_at.astimezone(tz)
                nxt = min(stop, local.replace(minute=0, second=0, microsecond=0).astimezone(tz)
                          + timedelta(hours=1))
                booked[(r.court.name, local.weekday(), local.hour)] += int((nxt - cursor_at).total_seconds() // 60)
                cursor_at = nxt
        for key, minutes in sorted(booked.items()):
            writer.writerow([*key, minutes])
        total = sum(booked.values())
        return {"rows": len(booked), "summary": {"booked_minutes": total}}
    by_day = defaultdict(lambda: [0, Decimal(0)])
    total = [0, Decimal(0), Decimal(0), Decimal(0)]
    for r in rows:
        if not (start <= r.period.lower < end):
            continue
        counted = r.status in REVENUE_STATUSES
        day = r.period.lower.astimezone(tz).date()
        if counted:
            by_day[day][0] += 1
            by_day[day][1] += r.price
            total[0] += 1
            total[1] += r.price
        total[2] += r.paid_amount
        total[3] += r.refund_amount if r.refund_status == "refunded" else 0
    for day, (n, revenue) in sorted(by_day.items()):
        writer.writerow([day, n, revenue])
    return {"rows": len(by_day), "summary": {"bookings": total[0], "revenue": f"{total[1]:.2f}",
                                             "collected": f"{total[2]:.2f}", "refunded": f"{total[3]:.2f}"}}


def _summary(kind: str, text: str) -> dict:
    rows = list(csv.DictReader(io.StringIO(text)))
    if kind == "occupancy":
        return {"booked_minutes": sum(int(r["booked_minutes"]) for r in rows if r["section"] == "court_hour")}
    total = next(r for r in rows if r["section"] == "total")
    return {"bookings": int(total["bookings"]), "revenue": total["revenue"], "collected": total["collected"],
            "refunded": total["refunded"]}


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def child(mode: str, kind: str, days: int) -> None:
    import resource

    _setup()
    from django.db import connection

    import apps.reports.build  # noqa: F401
    import apps.reports.builders  # noqa: F401  (imports before the baseline: measure the work only)
    from apps.clubs.models import Club

    club = Club.objects.get(slug=SLUG)
    connection.ensure_connection()
    baseline = _rss_kb()
    date_to = YEAR_START + timedelta(days=days - 1)
    started = time.perf_counter()
    result = (run_streamed if mode == "streamed" else run_naive)(club, kind, YEAR_START, date_to)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"mode": mode, "kind": kind, "seconds": round(elapsed, 2),
                      "peak_rss_mb": round(peak / 1024, 1), "growth_mb": round((peak - baseline) / 1024, 1),
                      **result}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--courts", type=int, default=24)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--keep-db", action="store_true", help="keep the bench database for the next run")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "KIND"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, days=args.days)
        return

    env = _env()
    create_database_if_missing(env["DATABASE_URL"])
    _setup()
    from django.core.management import call_command

    from apps.clubs.models import Club
    from apps.reservations.models import Reservation

    call_command("migrate", verbosity=0)
    club = Club.objects.filter(slug=SLUG).first()
    existing = Reservation.objects.filter(court__club=club).count() if club else 0
    if club and (club.courts.count() != args.courts or
                 Reservation.objects.filter(court__club=club).order_by("-period").first().period.lower.date()
                 < YEAR_START + timedelta(days=args.days - 2)):
        print("bench data has another size: rebuilding")
        from django.db import connection

        from apps.reports.models import Report

        Report.objects.filter(club=club).delete()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE reservations_reservation, clubs_courtallocation CASCADE")
        club.delete()
        club = None
    if club is None:
        started = time.perf_counter()
        info = build_data(args.courts, args.days)
        print(f"built {info['reservations']:,} reservations on {args.courts} courts over {args.days} days "
              f"in {time.perf_counter() - started:.1f} s (COPY)")
    else:
        print(f"reusing {existing:,} reservations on {args.courts} courts")
    from django.db import connections

    connections.close_all()

    results = []
    try:
        for kind in ("occupancy", "revenue"):
            for mode in ("streamed", "naive"):
                out = subprocess.run([sys.executable, __file__, "--child", mode, kind, "--days", str(args.days)],
                                     env=env, capture_output=True, text=True, check=False)
                if out.returncode:
                    print(out.stdout, out.stderr, file=sys.stderr)
                    raise SystemExit(f"{mode} {kind} failed")
                results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        if not args.keep_db:
            drop_database(env["DATABASE_URL"])

    print(f"\n{'report':<10} {'mode':<9} {'seconds':>8} {'peak RSS MB':>12} {'growth MB':>10}  csv rows")
    for r in results:
        print(f"{r['kind']:<10} {r['mode']:<9} {r['seconds']:>8.2f} {r['peak_rss_mb']:>12.1f} "
              f"{r['growth_mb']:>10.1f}  {r['rows']}")
    for kind in ("occupancy", "revenue"):
        streamed, naive = (next(r for r in results if r["kind"] == kind and r["mode"] == m)
                           for m in ("streamed", "naive"))
        same = streamed["summary"] == naive["summary"]
        print(f"{kind}: totals {'agree' if same else 'DIFFER'}: {streamed['summary']}"
              + ("" if same else f" vs naive {naive['summary']}"))
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
