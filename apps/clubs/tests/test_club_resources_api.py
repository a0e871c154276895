"""CONTRACT §2 `clubs/display-keys/`, `clubs/pricing-rules/`, `clubs/maintenance-blocks/`."""
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from apps.clubs.models import AllocationStatus, DisplayKey, MaintenanceBlock, PricingRule
from tests.support.api import at, booking_body, client_for, err, future_day, ok
from tests.support.factories import ClubFactory, CourtFactory, ReservationFactory, UserFactory, staff_of

pytestmark = pytest.mark.django_db

KEYS = "/api/v1/clubs/display-keys/"
RULES = "/api/v1/clubs/pricing-rules/"
BLOCKS = "/api/v1/clubs/maintenance-blocks/"
AVAILABILITY = "/api/v1/reservations/availability/"
BOOK = "/api/v1/reservations/reservations/"


# --- display keys ---

def test_display_key_is_shown_once_then_listed_without_it_and_revoked_by_delete():
    club = ClubFactory()
    staff = client_for(staff_of(club))
    data = ok(staff.post(KEYS, {"club": str(club.pk), "name": "Lobby TV"}, format="json"), 201)
    assert {"id", "name", "key", "created_at"} <= set(data)
    raw = data["key"]
    assert len(raw) >= 32 and data["name"] == "Lobby TV"
    stored = DisplayKey.objects.get(pk=data["id"])
    assert stored.key_hash == DisplayKey.hash_key(raw) and raw not in (stored.key_hash, stored.key_prefix)
    listed = ok(staff.get(KEYS, {"club": str(club.pk)}), paginated=True)
    assert [k["id"] for k in listed] == [data["id"]]
    assert "key" not in listed[0] and raw not in str(listed)
    assert "key" not in ok(staff.get(f"{KEYS}{data['id']}/"))
    response = staff.delete(f"{KEYS}{data['id']}/")
    assert ok(response, 200) is None
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    assert ok(staff.get(KEYS)) == []
    err(staff.delete(f"{KEYS}{data['id']}/"), 404)


def test_display_keys_are_staff_only():
    club = ClubFactory(is_public=True)
    key, _raw = DisplayKey.objects.create(club=club, name="TV", key_hash="h" * 64, key_prefix="dk_x"), None
    player = client_for(UserFactory())
    error = err(player.post(KEYS, {"club": str(club.pk), "name": "Mine"}, format="json"), 400)
    assert "club" in error["details"]
    assert ok(player.get(KEYS)) == []
    err(player.delete(f"{KEYS}{key.pk}/"), 404)
    err(APIClient().get(KEYS), 401)
    assert DisplayKey.objects.get(pk=key.pk).revoked_at is None


# --- pricing rules ---

def test_staff_create_and_list_pricing_rules():
    club = ClubFactory()
    court = CourtFactory(club=club)
    staff = client_for(staff_of(club))
    body = {"club": str(club.pk), "court": str(court.pk), "weekdays": [4, 0, 0, 1], "start_time": "18:00",
            "end_time": "00:00", "price_per_hour": "32.50", "priority": 5}
    data = ok(staff.post(RULES, body, format="json"), 201)
    assert data["weekdays"] == [0, 1, 4]
    assert (data["start_time"], data["end_time"], data["price_per_hour"], data["priority"]) == (
        "18:00", "00:00", "32.50", 5)
    assert data["court"] == str(court.pk)
    club_wide = ok(staff.post(RULES, {**body, "court": None}, format="json"), 201)
    assert club_wide["court"] is None
    listed = ok(staff.get(RULES, {"club": str(club.pk)}), paginated=True)
    assert {r["id"] for r in listed} == {data["id"], club_wide["id"]}
    assert ok(staff.delete(f"{RULES}{data['id']}/")) is None
    assert PricingRule.objects.count() == 1


@pytest.mark.parametrize("change, field", [
    ({"weekdays": [7]}, "weekdays"),
    ({"weekdays": []}, "weekdays"),
    ({"start_time": "20:00", "end_time": "18:00"}, "end_time"),
    ({"price_per_hour": "-3"}, "price_per_hour"),
    ({"price_per_hour": "abc"}, "price_per_hour"),
    ({"court": "OTHER_CLUB_COURT"}, "court"),
])
def test_pricing_rule_validation_names_the_field(change, field):
    club = ClubFactory()
    other_court = CourtFactory(club=ClubFactory())
    staff = staff_of(club)
    staff_of(other_court.club, user=staff)  # even a court the caller can manage, if of another club
    body = {"club": str(club.pk), "weekdays": [0], "start_time": "18:00", "end_time": "22:00",
            "price_per_hour": "30.00", **change}
    if body.get("court") == "OTHER_CLUB_COURT":
        body["court"] = str(other_court.pk)
    error = err(client_for(staff).post(RULES, body, format="json"), 400)
    assert field in error["details"], error
    assert not PricingRule.objects.exists()


def test_pricing_rules_are_staff_only():
    club = ClubFactory(is_public=True)
    rule = PricingRule.objects.create(club=club, weekdays=[0], start_time="18:00", end_time="22:00",
                                      price_per_hour="30.00")
    player = client_for(UserFactory())
    assert ok(player.get(RULES)) == []
    err(player.get(f"{RULES}{rule.pk}/"), 404)
    err(player.delete(f"{RULES}{rule.pk}/"), 404)
    error = err(player.post(RULES, {"club": str(club.pk), "weekdays": [0], "start_time": "08:00",
                                    "end_time": "09:00", "price_per_hour": "1.00"}, format="json"), 400)
    assert "club" in error["details"]


# --- maintenance blocks ---

def test_block_shape_blocks_slots_and_booking_then_delete_frees_them():
    court = CourtFactory()
    club = court.club
    staff = client_for(staff_of(club))
    day = future_day(club, 3)
    start, end = at(club, day, 10), at(club, day, 12)
    data = ok(staff.post(BLOCKS, {"court": str(court.pk), "start": start.isoformat(), "end": end.isoformat(),
                                  "reason": "Resurfacing"}, format="json"), 201)
    assert {"id", "court", "club", "start", "end", "reason", "status"} <= set(data)
    assert data["court"] == str(court.pk) and data["club"] == str(club.pk)
    assert data["start"] == start.isoformat() and data["end"] == end.isoformat()
    assert data["reason"] == "Resurfacing" and data["status"] == "blocked"

    slots = ok(APIClient().get(AVAILABILITY, {"club": str(club.pk), "date": day.isoformat()}))["courts"][0]["slots"]
    statuses = {s["start"]: s["status"] for s in slots}
    assert [statuses[at(club, day, h, m).isoformat()] for h in (10, 11) for m in (0, 30)] == ["blocked"] * 4
    assert statuses[at(club, day, 9, 30).isoformat()] == "free"
    assert statuses[at(club, day, 12).isoformat()] == "free"

    player = client_for(UserFactory())
    err(player.post(BOOK, booking_body(court, at(club, day, 11, 30)), format="json"), 409, "slot_unavailable")
    ok(player.post(BOOK, booking_body(court, at(club, day, 12)), format="json"), 201)  # touching is fine

    listed = ok(staff.get(BLOCKS, {"club": str(club.pk)}), paginated=True)
    assert [b["id"] for b in listed] == [data["id"]]
    assert ok(staff.delete(f"{BLOCKS}{data['id']}/")) is None
    assert not MaintenanceBlock.objects.exists()
    ok(player.post(BOOK, booking_body(court, at(club, day, 10)), format="json"), 201)


def test_block_overlapping_a_live_reservation_is_409_but_not_a_cancelled_one():
    court = CourtFactory()
    club = court.club
    staff = client_for(staff_of(club))
    day = future_day(club, 3)
    ReservationFactory(court=court, start=at(club, day, 10), end=at(club, day, 11))
    ReservationFactory(court=court, start=at(club, day, 14), end=at(club, day, 15),
                       status=AllocationStatus.CANCELLED)
    err(staff.post(BLOCKS, {"court": str(court.pk), "start": at(club, day, 10, 30).isoformat(),
                            "end": at(club, day, 12).isoformat()}, format="json"), 409, "slot_unavailable")
    assert not MaintenanceBlock.objects.exists()
    ok(staff.post(BLOCKS, {"court": str(court.pk), "start": at(club, day, 14).isoformat(),
                           "end": at(club, day, 16).isoformat()}, format="json"), 201)
    # another block over the same time also conflicts
    err(staff.post(BLOCKS, {"court": str(court.pk), "start": at(club, day, 15).isoformat(),
                            "end": at(club, day, 17).isoformat()}, format="json"), 409, "slot_unavailable")


@pytest.mark.parametrize("start, end, field", [
    ("2030-01-01T12:00:00+01:00", "2030-01-01T10:00:00+01:00", "end"),
    ("2030-01-01T12:00:00+01:00", "2030-01-01T12:00:00+01:00", "end"),
    ("2030-01-01T12:00:00", "2030-01-01T13:00:00+01:00", "start"),
    ("tomorrow", "2030-01-01T13:00:00+01:00", "start"),
])
def test_block_bad_times_are_400(start, end, field):
    court = CourtFactory()
    error = err(client_for(staff_of(court.club)).post(BLOCKS, {"court": str(court.pk), "start": start, "end": end},
                                                      format="json"), 400)
    assert field in error["details"]


def test_blocks_are_staff_only():
    court = CourtFactory(club=ClubFactory(is_public=True))
    player = client_for(UserFactory())
    day = future_day(court.club, 2)
    error = err(player.post(BLOCKS, {"court": str(court.pk), "start": at(court.club, day, 10).isoformat(),
                                     "end": at(court.club, day, 11).isoformat()}, format="json"), 400)
    assert "court" in error["details"]
    assert not MaintenanceBlock.objects.exists()
    block = MaintenanceBlock.objects.create(court=court, status=AllocationStatus.BLOCKED,
                                            period=(at(court.club, day, 10), at(court.club, day, 11)))
    assert ok(player.get(BLOCKS)) == []
    err(player.delete(f"{BLOCKS}{block.pk}/"), 404)
    assert MaintenanceBlock.objects.filter(pk=block.pk).exists()


def test_block_spanning_days_shows_on_both():
    court = CourtFactory()
    club = court.club
    staff = client_for(staff_of(club))
    day = future_day(club, 3)
    ok(staff.post(BLOCKS, {"court": str(court.pk), "start": at(club, day, 21).isoformat(),
                           "end": at(club, day + timedelta(days=1), 9).isoformat()}, format="json"), 201)
    for d, hour in ((day, 21), (day + timedelta(days=1), 8)):
        slots = ok(APIClient().get(AVAILABILITY, {"club": str(club.pk), "date": d.isoformat()}))["courts"][0]["slots"]
        assert {s["start"]: s["status"] for s in slots}[at(club, d, hour).isoformat()] == "blocked"
