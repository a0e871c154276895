"""Reads of court time: availability in a constant number of queries, reservation lists."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import DateField, DateTimeField, F, Func
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from apps.clubs.events import slot_status_for
from apps.clubs.live import club_target
from apps.clubs.models import BLOCKING_STATUSES, Club, CourtAllocation
from apps.clubs.schedule import Rule, opening_windows, slot_grid, slot_price, sort_rules
from apps.reservations.models import Reservation
from routing.snapshots import read_snapshot
from routing.streams import CLUB


def club_rules(club: Club) -> list[Rule]:
    return sort_rules([
        Rule(r.court_id, tuple(r.weekdays), r.start_time, r.end_time, r.price_per_hour, r.priority)
        for r in club.pricing_rules.all()
    ])


def club_hours(club: Club) -> list[tuple]:
    return list(club.opening_hours.values_list("weekday", "opens", "closes"))


def club_today(club: Club, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(ZoneInfo(club.timezone)).date()


def availability_for(*, club: Club, day: date, now: datetime | None = None) -> dict:
    """The availability answer (CONTRACT §2): the slots and the club stream's `seq`, read in one
    snapshot (routing.snapshots.read_snapshot) so `since=seq` never skips a change."""
    _seq, data = read_snapshot(club_target(CLUB, club), {},
                               build=lambda target, params: availability_grid(club=club, day=day, now=now))
    return data


def availability_grid(*, club: Club, day: date, now: datetime | None = None) -> dict:
    """Every court's slots for `day` with status and price: four queries, whatever the size.
    Its `seq` is filled in by read_snapshot (the club snapshot and availability_for)."""
    now = now or timezone.now()
    tz = ZoneInfo(club.timezone)
    slot = timedelta(minutes=club.slot_minutes)
    courts = list(club.courts.all())
    windows = opening_windows(day, club_hours(club), tz)
    rules = club_rules(club)
    grid = slot_grid(windows, slot)
    allocations: dict = {}
    if grid:
        span = DateTimeTZRange(grid[0][0], grid[-1][1], "[)")
        rows = CourtAllocation.objects.filter(
            court__club=club, period__overlap=span, status__in=BLOCKING_STATUSES
        ).only("id", "court_id", "kind", "status", "period")
        for allocation in rows:
            allocations.setdefault(allocation.court_id, []).append(allocation)
    courts_out = []
    for court in courts:
        taken = allocations.get(court.pk, [])
        slots = []
        for start, end, is_open in grid:
            if not is_open or not court.is_active:
                status = "closed"
            else:
                hit = next((a for a in taken if a.period.lower < end and start < a.period.upper), None)
                if hit is not None:
                    status = slot_status_for(hit)
                elif start < now:
                    status = "past"
                else:
                    status = "free"
            price = slot_price(court_id=court.pk, slot_start=start, slot=slot, tz=tz, rules=rules,
                               default_per_hour=club.default_price_per_hour)
            slots.append({"start": start.astimezone(tz).isoformat(), "end": end.astimezone(tz).isoformat(),
                          "status": status, "price": f"{price:.2f}"})
        courts_out.append({"id": str(court.pk), "name": court.name, "is_active": court.is_active,
                           "indoor": court.indoor, "slots": slots})
    return {
        "club": str(club.pk),
        "date": day.isoformat(),
        "timezone": club.timezone,
        "currency": club.currency,
        "slot_minutes": club.slot_minutes,
        "seq": None,
        "courts": courts_out,
    }


class _LocalStartDate(Func):
    """The local calendar date of a reservation's start in its club's timezone (SQL side)."""

    arg_joiner = " AT TIME ZONE "
    template = "((%(expressions)s)::date)"
    output_field = DateField()


def reservation_list(*, user, scope, club_id=None, status: str | None = None, day: date | None = None,
                     refund_status: str | None = None, payment_mode: str | None = None):
    qs = Reservation.objects.select_related("court", "court__club", "user").order_by("period")
    if club_id is not None and scope.is_club_staff(club_id):
        qs = qs.filter(court__club_id=club_id)
    else:
        qs = qs.filter(user=user)
        if club_id is not None:
            qs = qs.filter(court__club_id=club_id)
    if status:
        qs = qs.filter(status=status)
    if refund_status:
        qs = qs.filter(refund_status=refund_status)
    if payment_mode:
        qs = qs.filter(payment_mode=payment_mode)
    if day is not None:
        # "date" is the club's day: a 19:00 booking in Mexico City starts on the next UTC day.
        qs = qs.alias(local_day=_LocalStartDate(
            Func(F("period"), function="LOWER", output_field=DateTimeField()), F("court__club__timezone"),
        )).filter(local_day=day)
    return qs


def reservations_of_day(*, club: Club, day: date):
    tz = ZoneInfo(club.timezone)
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    span = DateTimeTZRange(start, start + timedelta(days=1), "[)")
    return (Reservation.objects.filter(court__club=club, period__overlap=span)
            .select_related("user", "court", "court__club").order_by("period"))
