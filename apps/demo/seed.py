"""The demo (`manage.py seed_demo`): organization, club, accounts, a day of bookings and a tournament.

Idempotent: a second run on the same day finds every row and creates none (it only puts back
what someone changed, e.g. a demo password). Writes go through the services where they exist,
so the event log and the streams see the demo club like any other.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from apps.accounts.models import User
from apps.clubs import services as club_services
from apps.clubs.models import BLOCKING_STATUSES, AllocationStatus, Club, Court, DisplayKey, PricingRule
from apps.clubs.schedule import booking_price
from apps.clubs.services import is_overlap_violation
from apps.core.errors import ApplicationError
from apps.demo.tournament import seed_demo_tournament
from apps.organizations.models import Membership, Organization, Role
from apps.organizations.services import membership_create, organization_create
from apps.reservations.events import publish_reservation_event
from apps.reservations.models import Reservation
from apps.reservations.selectors import club_rules
from apps.reservations.services import reservation_create

ORG_NAME = "Padelyzer Demo"
ORG_SLUG = "padelyzer-demo"
CLUB_NAME = "Club Demo Padel"
CLUB_SLUG = "club-demo-padel"
CLUB_TZ = "America/Mexico_City"
DISPLAY_KEY_NAME = "Demo court board"
DEFAULT_KEY_FILE = Path(settings.BASE_DIR) / ".data" / "demo_display_key"

CLUB_FIELDS = {
    "name": CLUB_NAME,
    "timezone": CLUB_TZ,
    "currency": "MXN",
    "is_public": True,
    "slot_minutes": 30,
    "min_duration_minutes": 60,
    "max_duration_minutes": 120,
    "booking_horizon_days": 14,
    "cancellation_deadline_hours": 12,
    "default_price_per_hour": Decimal("350.00"),
    "requires_online_payment": False,
}
WEEKDAYS, WEEKEND = [0, 1, 2, 3, 4], [5, 6]
OPENING_HOURS = [(d, time(7, 0), time(23, 0)) for d in WEEKDAYS] + [(d, time(8, 0), time(22, 0)) for d in WEEKEND]
# (weekdays, start, end, MXN per hour, priority): off-peak, weekday evening peak, weekend.
PRICING_RULES = [
    (WEEKDAYS, time(7, 0), time(18, 0), Decimal("350.00"), 0),
    (WEEKDAYS, time(18, 0), time(23, 0), Decimal("550.00"), 10),
    (WEEKEND, time(8, 0), time(22, 0), Decimal("450.00"), 5),
]
COURTS = [  # (name, indoor, surface)
    ("Cancha 1", True, "panoramic_glass"),
    ("Cancha 2", True, "artificial_grass"),
    ("Cancha 3", True, "artificial_grass"),
    ("Cancha 4", False, "artificial_grass"),
    ("Cancha 5", False, "artificial_grass"),
    ("Cancha 6", False, "artificial_grass"),
]


@dataclass(frozen=True)
class Account:
    role: str
    email: str
    password: str | None  # None: a guest player without a login
    first_name: str
    last_name: str


ACCOUNTS = [
    Account("owner", "owner@padelyzer.example", "Demo-Owner-2026", "Olivia", "Ramírez"),
    Account("staff", "staff@padelyzer.example", "Demo-Staff-2026", "Sergio", "Méndez"),
    Account("player", "ana@padelyzer.example", "Demo-Player-2026", "Ana", "Torres"),
    Account("player", "luis@padelyzer.example", "Demo-Player-2026", "Luis", "García"),
]
GUESTS = [
    Account("guest", f"{first.lower()}.{last.lower()}@padelyzer.example", None, first, last)
    for first, last in [("Maria", "Lopez"), ("Diego", "Hernandez"), ("Sofia", "Martinez"),
                        ("Javier", "Cruz"), ("Valeria", "Flores"), ("Carlos", "Reyes")]
]
# A day at a busy club, local time, within both weekday (07-23) and weekend (08-22) hours:
# (court index, "HH:MM" start, minutes, booker index into ACCOUNTS[2:] + GUESTS).
DAY_PLAN = [
    (0, "08:00", 90, 0), (0, "10:00", 90, 2), (0, "13:00", 60, 3), (0, "18:00", 90, 1), (0, "19:30", 90, 4),
    (0, "21:00", 60, 5),
    (1, "09:00", 90, 6), (1, "12:00", 90, 7), (1, "17:00", 90, 0), (1, "18:30", 90, 2), (1, "20:00", 90, 3),
    (2, "08:30", 90, 4), (2, "11:00", 60, 5), (2, "16:00", 90, 6), (2, "19:00", 90, 7), (2, "20:30", 90, 1),
    (3, "08:00", 60, 2), (3, "10:30", 90, 3), (3, "18:00", 90, 5), (3, "19:30", 120, 6),
    (4, "09:30", 90, 7), (4, "17:30", 90, 4), (4, "19:00", 90, 0),
    (5, "11:00", 90, 1), (5, "18:30", 90, 3), (5, "20:00", 90, 2),
]


@dataclass
class SeedSummary:
    organization_id: str
    club_id: str
    club_slug: str
    club_name: str
    timezone: str
    display_key: str
    accounts: list[Account]
    reservations_today: int
    reservations_created: int
    created: dict = field(default_factory=dict)
    tournament_id: str = ""


def _ensure_user(account: Account, counts: dict) -> User:
    user = User.objects.filter(email__iexact=account.email).first()
    if user is None:
        user = User.objects.create_user(account.email, account.password,
                                        first_name=account.first_name, last_name=account.last_name)
        counts["users"] += 1
        return user
    if account.password is not None and not user.check_password(account.password):
        user.set_password(account.password)  # the printed credentials must keep working
        user.save(update_fields=["password"])
    return user


def _ensure_membership(*, organization, user, role, club=None) -> None:
    if not Membership.objects.filter(user=user, organization=organization, club=club, role=role).exists():
        membership_create(organization=organization, user=user, role=role, club=club)


def _ensure_club(organization: Organization, counts: dict) -> Club:
    hours = [{"weekday": d, "opens": o, "closes": c} for d, o, c in OPENING_HOURS]
    club = Club.objects.filter(slug=CLUB_SLUG).first()
    if club is None:
        counts["clubs"] += 1
        return club_services.club_create(organization=organization, slug=CLUB_SLUG, opening_hours=hours,
                                         **CLUB_FIELDS)
    changed = {name: value for name, value in CLUB_FIELDS.items() if getattr(club, name) != value}
    current_hours = sorted(club.opening_hours.values_list("weekday", "opens", "closes"))
    if changed or current_hours != sorted(OPENING_HOURS) or club.organization_id != organization.pk:
        # Only when something drifted: an update publishes club.updated, and a rerun must add no events.
        club = club_services.club_update(club=club, organization=organization, opening_hours=hours, **CLUB_FIELDS)
    return club


def _ensure_courts(club: Club, counts: dict) -> list[Court]:
    existing = {court.name: court for court in club.courts.all()}
    courts = []
    for name, indoor, surface in COURTS:
        court = existing.get(name)
        if court is None:
            court = club_services.court_create(club=club, name=name, indoor=indoor, surface=surface)
            counts["courts"] += 1
        elif (court.indoor, court.surface, court.is_active) != (indoor, surface, True):
            court = club_services.court_update(court=court, indoor=indoor, surface=surface, is_active=True)
        courts.append(court)
    return courts


def _ensure_pricing(club: Club, counts: dict) -> None:
    for weekdays, start, end, price, priority in PRICING_RULES:
        rule = PricingRule.objects.filter(club=club, court=None, weekdays=weekdays, start_time=start,
                                          end_time=end).first()
        if rule is None:
            club_services.pricing_rule_create(club=club, court=None, weekdays=weekdays, start_time=start,
                                              end_time=end, price_per_hour=price, priority=priority)
            counts["pricing_rules"] += 1
        elif (rule.price_per_hour, rule.priority) != (price, priority):
            rule.price_per_hour, rule.priority = price, priority
            rule.save(update_fields=["price_per_hour", "priority", "updated_at"])


def _ensure_display_key(club: Club, owner: User, key_file: Path, counts: dict) -> str:
    """Keeps the raw key in `key_file` (only its hash is in the database) and reuses it while it is valid."""
    raw = key_file.read_text().strip() if key_file.exists() else ""
    if raw and DisplayKey.objects.filter(club=club, key_hash=DisplayKey.hash_key(raw), revoked_at=None).exists():
        return raw
    # The raw key is lost (fresh .data/ or a new database): revoke the old demo keys, make a new one.
    for old in DisplayKey.objects.filter(club=club, name=DISPLAY_KEY_NAME, revoked_at=None):
        club_services.display_key_revoke(key=old)
    _key, raw = club_services.display_key_create(club=club, name=DISPLAY_KEY_NAME, user=owner)
    counts["display_keys"] += 1
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.touch(mode=0o600)
    key_file.write_text(raw + "\n")
    return raw


def _record_past_booking(*, club: Club, court: Court, user: User, start: datetime, end: datetime,
                         now: datetime) -> Reservation | None:
    """reservation_create refuses the past (in_past), so the morning's games are written directly."""
    price = booking_price(court_id=court.pk, start=start, end=end, slot=timedelta(minutes=club.slot_minutes),
                          tz=ZoneInfo(club.timezone), rules=club_rules(club),
                          default_per_hour=club.default_price_per_hour)
    status = AllocationStatus.COMPLETED if end <= now else AllocationStatus.CONFIRMED  # in play right now
    try:
        with transaction.atomic():
            reservation = Reservation.objects.create(court=court, user=user, period=DateTimeTZRange(start, end, "[)"),
                                                     status=status, price=price, currency=club.currency)
            publish_reservation_event(reservation, "reservation.created")
    except IntegrityError as exc:
        if is_overlap_violation(exc):
            return None  # someone else holds that court time: the demo leaves it alone
        raise
    return reservation


def _ensure_day_of_bookings(club: Club, courts: list[Court], bookers: list[User], now: datetime,
                            counts: dict) -> int:
    tz = ZoneInfo(club.timezone)
    today = now.astimezone(tz).date()
    day_start = datetime.combine(today, time(0, 0), tzinfo=tz)
    day_end = day_start + timedelta(days=1)
    live_today = Reservation.objects.filter(court__club=club, status__in=[s.value for s in BLOCKING_STATUSES],
                                            period__overlap=DateTimeTZRange(day_start, day_end, "[)"))
    taken = {(r.court_id, r.period.lower) for r in live_today.only("court_id", "period")}
    for court_index, hhmm, minutes, booker_index in DAY_PLAN:
        court = courts[court_index]
        start = datetime.combine(today, time.fromisoformat(hhmm), tzinfo=tz)
        end = start + timedelta(minutes=minutes)
        if (court.pk, start) in taken:
            continue
        user = bookers[booker_index % len(bookers)]
        if start >= now:
            try:
                reservation_create(court=court, user=user, start=start, end=end, now=now)
            except ApplicationError:  # slot taken by a real booking, or closed today: skip it
                continue
        elif _record_past_booking(club=club, court=court, user=user, start=start, end=end, now=now) is None:
            continue
        counts["reservations"] += 1
    return live_today.count()


def seed(*, now: datetime | None = None, key_file: Path | str | None = None) -> SeedSummary:
    """Creates what is missing of the demo and returns what to print. Safe to run any number of times."""
    now = now or timezone.now()
    key_file = Path(key_file or os.environ.get("DEMO_DISPLAY_KEY_FILE") or DEFAULT_KEY_FILE)
    counts = dict.fromkeys(["users", "organizations", "clubs", "courts", "pricing_rules", "display_keys",
                            "reservations"], 0)
    with transaction.atomic():
        users = {account.email: _ensure_user(account, counts) for account in ACCOUNTS + GUESTS}
        owner, staff = users[ACCOUNTS[0].email], users[ACCOUNTS[1].email]
        organization = Organization.objects.filter(slug=ORG_SLUG).first()
        if organization is None:
            organization = organization_create(name=ORG_NAME, creator=owner, slug=ORG_SLUG)  # owner: org_admin
            counts["organizations"] += 1
        _ensure_membership(organization=organization, user=owner, role=Role.ORG_ADMIN)
        club = _ensure_club(organization, counts)
        _ensure_membership(organization=organization, user=owner, role=Role.CLUB_OWNER, club=club)
        _ensure_membership(organization=organization, user=staff, role=Role.CLUB_STAFF, club=club)
        courts = _ensure_courts(club, counts)
        _ensure_pricing(club, counts)
        display_key = _ensure_display_key(club, owner, key_file, counts)
    # Bookings after the club is committed: each reservation_create is its own transaction.
    bookers = [users[a.email] for a in ACCOUNTS[2:] + GUESTS]
    today_count = _ensure_day_of_bookings(club, courts, bookers, now, counts)
    # A knockout in progress on today's courts, for the scoreboard (idempotent too).
    tournament = seed_demo_tournament(club, bookers[:8], now=now)
    return SeedSummary(
        organization_id=str(organization.pk), club_id=str(club.pk), club_slug=club.slug, club_name=club.name,
        timezone=club.timezone, display_key=display_key, accounts=list(ACCOUNTS),
        reservations_today=today_count, reservations_created=counts["reservations"], created=counts,
        tournament_id=str(tournament.pk),
    )
