"""Opening windows, the slot grid and slot prices of a club day. Pure functions on plain data.

Local wall-clock rules (opening hours, pricing windows) are turned into UTC instants and the
grid is stepped in UTC, so a 23- or 25-hour day at a DST change yields the right slots.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")
MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class Window:
    start: datetime  # aware, UTC
    end: datetime


@dataclass(frozen=True)
class Rule:
    court_id: object | None
    weekdays: tuple[int, ...]
    start_time: time
    end_time: time  # 00:00 = midnight
    price_per_hour: Decimal
    priority: int


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)


def opening_windows(day: date, hours: list[tuple[int, time, time]], tz: ZoneInfo) -> list[Window]:
    """The day's opening intervals as UTC windows, merged where they touch."""
    windows = []
    for weekday, opens, closes in hours:
        if weekday != day.weekday():
            continue
        start = local_instant(day, opens, tz)
        end = local_instant(day + timedelta(days=1), MIDNIGHT, tz) if closes == MIDNIGHT \
            else local_instant(day, closes, tz)
        if end > start:
            windows.append(Window(start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))))
    windows.sort(key=lambda w: w.start)
    merged: list[Window] = []
    for window in windows:
        if merged and window.start <= merged[-1].end:
            merged[-1] = Window(merged[-1].start, max(merged[-1].end, window.end))
        else:
            merged.append(window)
    return merged


def slot_grid(windows: list[Window], slot: timedelta) -> list[tuple[datetime, datetime, bool]]:
    """Slots from the first opening to the last closing: (start, end, open?)."""
    if not windows:
        return []
    grid = []
    cursor, last = windows[0].start, windows[-1].end
    while cursor + slot <= last:
        end = cursor + slot
        is_open = any(w.start <= cursor and end <= w.end for w in windows)
        grid.append((cursor, end, is_open))
        cursor = end
    return grid


def _rule_matches(rule: Rule, court_id, local_start: datetime) -> bool:
    if rule.court_id is not None and rule.court_id != court_id:
        return False
    if local_start.weekday() not in rule.weekdays:
        return False
    t = local_start.time().replace(tzinfo=None)
    if rule.end_time == MIDNIGHT:
        return t >= rule.start_time
    return rule.start_time <= t < rule.end_time


def sort_rules(rules: list[Rule]) -> list[Rule]:
    """Highest priority first; at equal priority a court's own rule beats a club-wide one."""
    return sorted(rules, key=lambda r: (-r.priority, r.court_id is None))


def slot_price(*, court_id, slot_start: datetime, slot: timedelta, tz: ZoneInfo, rules: list[Rule],
               default_per_hour: Decimal) -> Decimal:
    """Price of one slot piece: the rule that applies at its local start, pro rata of an hour."""
    local_start = slot_start.astimezone(tz)
    per_hour = default_per_hour
    for rule in rules:  # already sorted by sort_rules
        if _rule_matches(rule, court_id, local_start):
            per_hour = rule.price_per_hour
            break
    hours = Decimal(int(slot.total_seconds())) / Decimal(3600)
    return (per_hour * hours).quantize(CENT, rounding=ROUND_HALF_UP)


def booking_price(*, court_id, start: datetime, end: datetime, slot: timedelta, tz: ZoneInfo,
                  rules: list[Rule], default_per_hour: Decimal) -> Decimal:
    total = Decimal("0.00")
    cursor = start
    while cursor < end:
        total += slot_price(court_id=court_id, slot_start=cursor, slot=slot, tz=tz, rules=rules,
                            default_per_hour=default_per_hour)
        cursor += slot
    return total
