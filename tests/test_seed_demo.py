"""manage.py seed_demo: the demo club as the README promises it, and the same rows on a second run."""
from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from psycopg2.extras import DateTimeTZRange

from apps.accounts.models import User
from apps.clubs.models import AllocationStatus, Club, Court, DisplayKey, OpeningHours, PricingRule
from apps.demo import seed as seed_demo
from apps.organizations.models import Membership, Organization, Role
from apps.reservations.models import Reservation
from routing.models import StreamEvent
from tests.support.live import club_events

MX = ZoneInfo("America/Mexico_City")
WEDNESDAY_AFTERNOON = datetime(2026, 11, 25, 14, 10, tzinfo=MX)  # a weekday, mid-day
SATURDAY_MORNING = datetime(2026, 11, 28, 7, 0, tzinfo=MX)  # before a weekend opening

pytestmark = pytest.mark.django_db


def _counts() -> dict:
    return {
        "users": User.objects.count(), "organizations": Organization.objects.count(),
        "clubs": Club.objects.count(), "courts": Court.objects.count(),
        "opening_hours": OpeningHours.objects.count(), "pricing_rules": PricingRule.objects.count(),
        "memberships": Membership.objects.count(), "reservations": Reservation.objects.count(),
        "display_keys": DisplayKey.objects.count(), "events": StreamEvent.objects.count(),
    }


@pytest.fixture
def key_file(tmp_path):
    return tmp_path / "demo_display_key"


def test_second_run_creates_no_rows(key_file):
    first = seed_demo.seed(now=WEDNESDAY_AFTERNOON, key_file=key_file)
    after_first = _counts()
    second = seed_demo.seed(now=WEDNESDAY_AFTERNOON, key_file=key_file)
    assert _counts() == after_first
    assert second.club_id == first.club_id
    assert second.display_key == first.display_key
    assert second.reservations_created == 0
    assert second.reservations_today == first.reservations_today == len(seed_demo.DAY_PLAN)


def test_demo_club_settings(key_file):
    summary = seed_demo.seed(now=WEDNESDAY_AFTERNOON, key_file=key_file)
    club = Club.objects.get(pk=summary.club_id)
    assert (club.name, club.slug, club.timezone, club.currency) == (
        "Club Demo Padel", "club-demo-padel", "America/Mexico_City", "MXN")
    assert club.organization.name == "Padelyzer Demo"
    assert (club.slot_minutes, club.min_duration_minutes, club.max_duration_minutes) == (30, 60, 120)
    courts = list(club.courts.all())
    assert len(courts) == 6
    assert {court.indoor for court in courts} == {True, False}
    hours = set(club.opening_hours.values_list("weekday", "opens", "closes"))
    assert hours == {(d, time(7), time(23)) for d in range(5)} | {(d, time(8), time(22)) for d in (5, 6)}
    rules = {(tuple(r.weekdays), r.start_time, r.end_time, r.price_per_hour) for r in club.pricing_rules.all()}
    assert ((0, 1, 2, 3, 4), time(18), time(23), Decimal("550.00")) in rules  # weekday evening peak
    assert ((5, 6), time(8), time(22), Decimal("450.00")) in rules  # weekend
    assert club.default_price_per_hour == Decimal("350.00")  # off-peak


def test_accounts_and_roles(key_file, api_client):
    summary = seed_demo.seed(now=WEDNESDAY_AFTERNOON, key_file=key_file)
    club = Club.objects.get(pk=summary.club_id)
    roles = {account.role: account for account in summary.accounts}
    assert set(roles) == {"owner", "staff", "player"}
    assert sum(1 for a in summary.accounts if a.role == "player") == 2
    owner = User.objects.get(email=roles["owner"].email)
    staff = User.objects.get(email=roles["staff"].email)
    assert Membership.objects.filter(user=owner, club=club, role=Role.CLUB_OWNER).exists()
    assert Membership.objects.filter(user=owner, organization=club.organization, role=Role.ORG_ADMIN).exists()
    assert Membership.objects.filter(user=staff, club=club, role=Role.CLUB_STAFF).exists()
    for account in summary.accounts:  # the printed credentials sign in through the API
        response = api_client.post("/api/v1/auth/login/", {"email": account.email, "password": account.password},
                                   format="json")
        assert response.status_code == 200, (account.email, response.content)
        assert response.json()["data"]["access"]


def test_changed_demo_password_is_put_back(key_file):
    seed_demo.seed(now=WEDNESDAY_AFTERNOON, key_file=key_file)
    account = seed_demo.ACCOUNTS[2]
    user = User.objects.get(email=account.email)
    user.set_password("someone-changed-it")
    user.save()
    seed_demo.seed(now=WEDNESDAY_AFTERNOON, key_file=key_file)
    user.refresh_from_db()
    assert user.check_password(account.password)


def test_a_realistic_day_past_games_completed_future_ones_booked(key_file):
    summary = seed_demo.seed(now=WEDNESDAY_AFTERNOON, key_file=key_file)
    today = Reservation.objects.filter(court__club_id=summary.club_id).select_related("court")
    assert today.count() == len(seed_demo.DAY_PLAN)
    assert len({r.court_id for r in today}) == 6  # spread over every court
    for reservation in today:
        start, end = reservation.period.lower, reservation.period.upper
        assert start.astimezone(MX).date() == WEDNESDAY_AFTERNOON.date()
        if end <= WEDNESDAY_AFTERNOON:
            assert reservation.status == AllocationStatus.COMPLETED
        elif start < WEDNESDAY_AFTERNOON:
            assert reservation.status == AllocationStatus.CONFIRMED  # in play now
        else:
            assert reservation.status == AllocationStatus.CONFIRMED
        assert reservation.currency == "MXN"
    statuses = {r.status for r in today}
    assert statuses == {AllocationStatus.COMPLETED, AllocationStatus.CONFIRMED}
    # Evening peak on a weekday: 90 minutes at 550/h.
    evening = today.get(court__name="Cancha 1", period__startswith=datetime(2026, 11, 25, 18, 0, tzinfo=MX))
    assert evening.price == Decimal("825.00")
    morning = today.get(court__name="Cancha 1", period__startswith=datetime(2026, 11, 25, 8, 0, tzinfo=MX))
    assert morning.price == Decimal("525.00")  # 90 minutes off-peak at 350/h


def test_future_bookings_go_through_the_service_and_publish_events(key_file):
    summary = seed_demo.seed(now=WEDNESDAY_AFTERNOON, key_file=key_file)
    created = club_events(summary.club_id, "reservation.created")
    assert len(created) == len(seed_demo.DAY_PLAN)
    seqs = [e.seq for e in club_events(summary.club_id)]
    assert seqs == list(range(1, len(seqs) + 1))  # gap-free


def test_weekend_day_fits_weekend_hours(key_file):
    summary = seed_demo.seed(now=SATURDAY_MORNING, key_file=key_file)
    assert summary.reservations_today == len(seed_demo.DAY_PLAN)
    weekend = Reservation.objects.filter(court__club_id=summary.club_id)
    assert all(r.status == AllocationStatus.CONFIRMED for r in weekend)
    evening = weekend.get(court__name="Cancha 1", period__startswith=datetime(2026, 11, 28, 18, 0, tzinfo=MX))
    assert evening.price == Decimal("675.00")  # 90 minutes at the weekend 450/h


def test_seed_leaves_other_bookings_alone(key_file):
    """A real booking on a demo slot wins: the seed skips that slot instead of failing."""
    summary = seed_demo.seed(now=WEDNESDAY_AFTERNOON, key_file=key_file)
    court = Court.objects.get(club_id=summary.club_id, name="Cancha 6")
    next_day = datetime(2026, 11, 26, 11, 0, tzinfo=MX)
    blocker = User.objects.create_user("walk-in@example.com", "x-Secret-123")
    Reservation.objects.create(court=court, user=blocker, period=DateTimeTZRange(
        next_day, next_day.replace(hour=13), "[)"), status=AllocationStatus.CONFIRMED, price=1, currency="MXN")
    result = seed_demo.seed(now=datetime(2026, 11, 26, 6, 0, tzinfo=MX), key_file=key_file)
    assert result.reservations_today == len(seed_demo.DAY_PLAN)  # 25 demo + the walk-in
    assert result.reservations_created == len(seed_demo.DAY_PLAN) - 1


def test_display_key_is_kept_and_valid(key_file):
    summary = seed_demo.seed(now=WEDNESDAY_AFTERNOON, key_file=key_file)
    raw = key_file.read_text().strip()
    assert raw == summary.display_key
    key = DisplayKey.objects.get(key_hash=DisplayKey.hash_key(raw))
    assert str(key.club_id) == summary.club_id and key.revoked_at is None
    assert key_file.stat().st_mode & 0o077 == 0  # not readable by other users


def test_lost_display_key_is_replaced_and_the_old_one_revoked(key_file):
    first = seed_demo.seed(now=WEDNESDAY_AFTERNOON, key_file=key_file)
    key_file.unlink()
    second = seed_demo.seed(now=WEDNESDAY_AFTERNOON, key_file=key_file)
    assert second.display_key != first.display_key
    old = DisplayKey.objects.get(key_hash=DisplayKey.hash_key(first.display_key))
    assert old.revoked_at is not None
    live = DisplayKey.objects.filter(club_id=second.club_id, revoked_at=None)
    assert [k.key_hash for k in live] == [DisplayKey.hash_key(second.display_key)]


def test_command_prints_credentials_and_key(tmp_path):
    out = StringIO()
    call_command("seed_demo", key_file=str(tmp_path / "key"), stdout=out)
    text = out.getvalue()
    for account in seed_demo.ACCOUNTS:
        assert account.email in text and account.password in text
    assert (tmp_path / "key").read_text().strip() in text
    assert "club-demo-padel" in text
    again = StringIO()
    call_command("seed_demo", key_file=str(tmp_path / "key"), stdout=again)
    assert "nothing new" in again.getvalue()
