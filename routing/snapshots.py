"""What a `snapshot` message carries, per stream kind (CONTRACT §3), pluggable like resolvers.

A provider gets the stream target and the socket's query parameters and returns the data;
`read_snapshot` runs it inside one REPEATABLE READ snapshot together with the stream's seq,
so the seq says exactly which events the data already contains.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from zoneinfo import ZoneInfo

from django.utils import timezone

from routing.eventlog import repeatable_read
from routing.permissions import StreamTarget
from routing.publisher import current_seq
from routing.streams import CLUB, STAFF, USER

_FIRST_DAY, _LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)  # far from datetime's overflow edges
SnapshotProvider = Callable[[StreamTarget, Mapping[str, str]], dict]
_PROVIDERS: dict[str, SnapshotProvider] = {}


def register_snapshot_provider(kind: str, provider: SnapshotProvider | None) -> SnapshotProvider | None:
    """Install (or with None remove) the snapshot provider of a kind; returns the previous one."""
    previous = _PROVIDERS.get(kind)
    if provider is None:
        _PROVIDERS.pop(kind, None)
    else:
        _PROVIDERS[kind] = provider
    return previous


def snapshot_day(club, params: Mapping[str, str]) -> date:
    """`?date=YYYY-MM-DD`, else (also when unreadable) today in the club's timezone. The
    snapshot's `date` field tells the client which day it got."""
    raw = params.get("date") or ""
    if len(raw) == 10:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            day = None
        if day is not None and _FIRST_DAY <= day <= _LAST_DAY:
            return day
    return _today(club)


def _today(club) -> date:
    return timezone.now().astimezone(ZoneInfo(club.timezone)).date()


def _fresh_club(target: StreamTarget):
    from apps.clubs.models import Club

    return Club.objects.get(pk=target.id)  # inside the snapshot: settings as of this seq


def club_snapshot(target: StreamTarget, params: Mapping[str, str]) -> dict:
    from apps.reservations.selectors import availability_for

    club = _fresh_club(target)
    return availability_for(club=club, day=snapshot_day(club, params))


def reservation_row(reservation, tz: ZoneInfo) -> dict:
    """A staff snapshot's reservation; the same fields a staff `reservation.*` event carries."""
    from apps.clubs.events import slot_status_for

    user = reservation.user
    return {
        "id": str(reservation.pk),
        "court": str(reservation.court_id),
        "start": reservation.period.lower.astimezone(tz).isoformat(),
        "end": reservation.period.upper.astimezone(tz).isoformat(),
        "status": reservation.status,
        "slot_status": slot_status_for(reservation),
        "player": {"id": str(user.pk), "name": user.full_name, "email": user.email},
        "price": f"{reservation.price:.2f}",
        "currency": reservation.currency,
    }


def staff_snapshot(target: StreamTarget, params: Mapping[str, str]) -> dict:
    from apps.reservations.selectors import availability_for, reservations_of_day

    club = _fresh_club(target)
    day = snapshot_day(club, params)
    data = availability_for(club=club, day=day)
    tz = ZoneInfo(club.timezone)
    rows = [reservation_row(r, tz) for r in reservations_of_day(club=club, day=day)]
    data["reservations"] = sorted(rows, key=lambda r: (r["start"], r["court"], r["id"]))
    return data


def user_snapshot(target: StreamTarget, params: Mapping[str, str]) -> dict:
    """The user's unread notifications (CONTRACT §3), when the notifications app is installed."""
    from django.apps import apps

    notifications: list = []
    if apps.is_installed("apps.notifications"):
        from apps.notifications.selectors import unread_notifications_snapshot

        notifications = unread_notifications_snapshot(target.obj if target.obj is not None else target.id)
    return {"user": str(target.id), "notifications": notifications}


register_snapshot_provider(CLUB, club_snapshot)
register_snapshot_provider(STAFF, staff_snapshot)
register_snapshot_provider(USER, user_snapshot)


def read_snapshot(target: StreamTarget, params: Mapping[str, str]) -> tuple[int, dict]:
    """(seq, data) from one database snapshot."""
    provider = _PROVIDERS.get(target.kind)
    if provider is None:
        raise LookupError(f"no snapshot provider for {target.kind!r} streams")
    with repeatable_read():
        seq = current_seq(target.stream)
        data = provider(target, params)
    if isinstance(data, dict) and "seq" in data:
        data["seq"] = seq  # staff data embeds the club availability, whose seq is the club's
    return seq, data

