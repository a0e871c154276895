"""Plugs the club and staff streams (`club:{id}`, `staff:{id}`, CONTRACT §3) into the live layer:
both resolve a club; a club stream is readable by anyone when the club is public, else by its
staff, its organization's members and its display keys; a staff stream only by the club's
staff (a display key is read-only public data: never staff). Club snapshots are the
availability of a day, staff snapshots add that day's reservations with player names.
Registered from ReservationsConfig.ready() (availability lives here)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from apps.clubs.live import club_target
from apps.clubs.models import Club
from apps.organizations.selectors import tenant_scope_for
from apps.reservations import events
from apps.reservations.events import reservation_row
from apps.reservations.selectors import availability_grid, club_today, reservations_of_day
from routing.permissions import Principal, StreamTarget
from routing.registry import register_stream_kind
from routing.schemas import register_event_types
from routing.streams import CLUB, STAFF

_FIRST_DAY, _LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)  # far from datetime's overflow edges


def snapshot_day(club: Club, params: Mapping[str, str]) -> date:
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
    return club_today(club)


def is_club_staff(target: StreamTarget, principal: Principal) -> bool:
    """Staff, owners and org admins of the target's club (also the rule of private tournaments)."""
    return (principal.user is not None and target.club_id is not None
            and tenant_scope_for(principal.user).is_club_staff(target.club_id))


def may_read_club(target: StreamTarget, principal: Principal) -> bool:
    if target.is_public:
        return True
    key = principal.display_key
    if key is not None and key.club_id == target.club_id:
        return True
    if principal.user is None:
        return False
    scope = tenant_scope_for(principal.user)
    return scope.is_club_staff(target.club_id) or target.organization_id in scope.member_org_ids


def _resolver(kind: str):
    def resolve(ident) -> StreamTarget | None:
        club = Club.objects.filter(pk=ident).first()
        return None if club is None else club_target(kind, club)

    return resolve


def club_snapshot(target: StreamTarget, params: Mapping[str, str]) -> dict:
    club = Club.objects.get(pk=target.id)  # inside the snapshot: settings as of this seq
    return availability_grid(club=club, day=snapshot_day(club, params))


def staff_snapshot(target: StreamTarget, params: Mapping[str, str]) -> dict:
    club = Club.objects.get(pk=target.id)
    day = snapshot_day(club, params)
    data = availability_grid(club=club, day=day)
    rows = [reservation_row(r) for r in reservations_of_day(club=club, day=day)]
    data["reservations"] = sorted(rows, key=lambda r: (r["start"], r["court"], r["id"]))
    return data


def register() -> None:
    register_stream_kind(CLUB, resolve=_resolver(CLUB), allows=may_read_club, snapshot=club_snapshot)
    register_stream_kind(STAFF, resolve=_resolver(STAFF), allows=is_club_staff, snapshot=staff_snapshot)
    register_event_types(events.EVENT_TYPES)
