"""CONTRACT §2 `clubs/clubs/` and `clubs/courts/`."""
import pytest
from rest_framework.test import APIClient

from apps.clubs.models import Club, Court, OpeningHours
from apps.organizations.models import Role
from tests.support.api import client_for, err, ok
from tests.support.factories import ClubFactory, CourtFactory, OrganizationFactory, UserFactory, admin_of, staff_of

pytestmark = pytest.mark.django_db

CLUBS = "/api/v1/clubs/clubs/"
COURTS = "/api/v1/clubs/courts/"

FULL_CLUB = {
    "name": "Club Demo Padel",
    "timezone": "America/Mexico_City",
    "currency": "mxn",
    "is_public": True,
    "opening_hours": [{"weekday": d, "opens": "07:00", "closes": "23:00"} for d in range(5)]
    + [{"weekday": 5, "opens": "08:00", "closes": "14:00"}, {"weekday": 5, "opens": "16:00", "closes": "00:00"}],
    "slot_minutes": 30,
    "min_duration_minutes": 60,
    "max_duration_minutes": 120,
    "booking_horizon_days": 7,
    "cancellation_deadline_hours": 12,
    "default_price_per_hour": "350.00",
}


# --- clubs ---

def test_org_admin_creates_a_club_with_every_field():
    org = OrganizationFactory()
    admin = admin_of(org)
    data = ok(client_for(admin).post(CLUBS, {**FULL_CLUB, "organization": str(org.pk)}, format="json"), 201)
    assert data["organization"] == str(org.pk)
    assert data["slug"] == "club-demo-padel"  # derived
    assert data["currency"] == "MXN"
    assert data["default_price_per_hour"] == "350.00"
    assert data["timezone"] == "America/Mexico_City"
    for key in ("slot_minutes", "min_duration_minutes", "max_duration_minutes", "booking_horizon_days",
                "cancellation_deadline_hours", "is_public"):
        assert data[key] == FULL_CLUB[key]
    assert sorted((h["weekday"], h["opens"], h["closes"]) for h in data["opening_hours"]) == sorted(
        (h["weekday"], h["opens"], h["closes"]) for h in FULL_CLUB["opening_hours"])
    club = Club.objects.get(pk=data["id"])
    assert club.opening_hours.count() == 7
    assert not club.opening_hours.filter(weekday=6).exists()  # Sunday: no entry, closed


@pytest.mark.parametrize("change, field", [
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"currency": "EURO"}, "currency"),
    ({"slot_minutes": 7}, "slot_minutes"),
    ({"min_duration_minutes": 45}, "min_duration_minutes"),
    ({"min_duration_minutes": 120, "max_duration_minutes": 60}, "max_duration_minutes"),
    ({"default_price_per_hour": "-1.00"}, "default_price_per_hour"),
    ({"opening_hours": [{"weekday": 7, "opens": "08:00", "closes": "09:00"}]}, "opening_hours"),
    ({"opening_hours": [{"weekday": 1, "opens": "10:00", "closes": "09:00"}]}, "opening_hours"),
    ({"opening_hours": [{"weekday": 1, "opens": "08:00", "closes": "12:00"},
                        {"weekday": 1, "opens": "11:00", "closes": "13:00"}]}, "opening_hours"),
    ({"opening_hours": [{"weekday": 1, "opens": "8am", "closes": "12:00"}]}, "opening_hours"),
    ({"name": ""}, "name"),
])
def test_club_create_validation_names_the_field(change, field):
    org = OrganizationFactory()
    admin = admin_of(org)
    error = err(client_for(admin).post(CLUBS, {**FULL_CLUB, "organization": str(org.pk), **change},
                                       format="json"), 400)
    assert field in error["details"], error
    assert not Club.objects.exists()


def test_taken_club_slug_is_400():
    ClubFactory(slug="taken")
    org = OrganizationFactory()
    error = err(client_for(admin_of(org)).post(CLUBS, {**FULL_CLUB, "organization": str(org.pk), "slug": "taken"},
                                               format="json"), 400)
    assert "slug" in error["details"]


@pytest.mark.parametrize("role", [Role.CLUB_OWNER, Role.CLUB_STAFF, None])
def test_only_org_admins_create_clubs_in_their_organization(role):
    club = ClubFactory()
    user = staff_of(club, role=role) if role else UserFactory()
    error = err(client_for(user).post(CLUBS, {**FULL_CLUB, "organization": str(club.organization_id)},
                                      format="json"), 400)
    assert "organization" in error["details"]
    assert Club.objects.count() == 1


def test_club_list_anyone_sees_public_clubs_staff_also_their_private_ones():
    public = ClubFactory(is_public=True)
    private = ClubFactory(is_public=False)
    other_private = ClubFactory(is_public=False)
    staff = staff_of(private)
    anon = APIClient().get(CLUBS)
    assert {c["id"] for c in ok(anon, paginated=True)} == {str(public.pk)}
    assert {c["id"] for c in ok(client_for(staff).get(CLUBS))} == {str(public.pk), str(private.pk)}
    err(client_for(staff).get(f"{CLUBS}{other_private.pk}/"), 404, "not_found")
    err(APIClient().get(f"{CLUBS}{private.pk}/"), 404)
    data = ok(APIClient().get(f"{CLUBS}{public.pk}/"), paginated=False)
    assert data["id"] == str(public.pk) and len(data["opening_hours"]) == 7
    assert data["opening_hours"][0] == {"weekday": 0, "opens": "08:00", "closes": "22:00"}


def test_owner_patches_club_and_replaces_opening_hours():
    club = ClubFactory()
    owner = staff_of(club, role=Role.CLUB_OWNER)
    body = {"name": "Renamed", "opening_hours": [{"weekday": 0, "opens": "09:00", "closes": "00:00"}],
            "cancellation_deadline_hours": 6}
    data = ok(client_for(owner).patch(f"{CLUBS}{club.pk}/", body, format="json"))
    assert data["name"] == "Renamed" and data["cancellation_deadline_hours"] == 6
    assert data["opening_hours"] == [{"weekday": 0, "opens": "09:00", "closes": "00:00"}]
    assert list(OpeningHours.objects.filter(club=club).values_list("weekday", flat=True)) == [0]
    # a PATCH without opening_hours leaves them alone
    ok(client_for(owner).patch(f"{CLUBS}{club.pk}/", {"is_public": False}, format="json"))
    assert OpeningHours.objects.filter(club=club).count() == 1
    club.refresh_from_db()
    assert club.is_public is False


def test_patch_cannot_move_a_club_to_another_organization():
    club = ClubFactory()
    admin = admin_of(club.organization)
    other = OrganizationFactory()
    admin_of(other, user=admin)
    ok(client_for(admin).patch(f"{CLUBS}{club.pk}/", {"organization": str(other.pk)}, format="json"))
    club.refresh_from_db()
    assert club.organization_id != other.pk


def test_club_staff_may_not_patch_the_club_and_outsiders_see_404_or_403():
    club = ClubFactory(is_public=True)
    staff = staff_of(club)
    err(client_for(staff).patch(f"{CLUBS}{club.pk}/", {"name": "X"}, format="json"), 403, "permission_denied")
    err(client_for(UserFactory()).patch(f"{CLUBS}{club.pk}/", {"name": "X"}, format="json"), 403)
    err(APIClient().patch(f"{CLUBS}{club.pk}/", {"name": "X"}, format="json"), 401)
    private = ClubFactory(is_public=False)
    err(client_for(UserFactory()).patch(f"{CLUBS}{private.pk}/", {"name": "X"}, format="json"), 404)
    club.refresh_from_db()
    assert club.name != "X"


def test_put_and_delete_are_not_offered_on_clubs():
    club = ClubFactory()
    owner = admin_of(club.organization)
    err(client_for(owner).put(f"{CLUBS}{club.pk}/", {**FULL_CLUB}, format="json"), 405, "method_not_allowed")
    err(client_for(owner).delete(f"{CLUBS}{club.pk}/"), 405, "method_not_allowed")


# --- courts ---

def test_staff_create_courts_and_anyone_lists_public_ones_with_club_filter():
    club = ClubFactory()
    other = ClubFactory()
    CourtFactory(club=other, name="Elsewhere")
    staff = staff_of(club)
    data = ok(client_for(staff).post(COURTS, {"club": str(club.pk), "name": "Pista 1", "indoor": True,
                                              "surface": "crystal"}, format="json"), 201)
    assert {k: data[k] for k in ("club", "name", "indoor", "surface", "is_active")} == {
        "club": str(club.pk), "name": "Pista 1", "indoor": True, "surface": "crystal", "is_active": True}
    listed = ok(APIClient().get(COURTS, {"club": str(club.pk)}), paginated=True)
    assert [c["id"] for c in listed] == [data["id"]]
    assert len(ok(APIClient().get(COURTS))) == 2
    err(APIClient().get(COURTS, {"club": "not-a-uuid"}), 400)


def test_court_names_are_unique_in_a_club():
    club = ClubFactory()
    CourtFactory(club=club, name="Pista 1")
    error = err(client_for(staff_of(club)).post(COURTS, {"club": str(club.pk), "name": "Pista 1"}, format="json"),
                400)
    assert "name" in error["details"]


def test_courts_of_a_private_club_are_hidden_and_foreign_club_is_400():
    private = ClubFactory(is_public=False)
    court = CourtFactory(club=private)
    outsider = UserFactory()
    assert ok(client_for(outsider).get(COURTS)) == []
    err(client_for(outsider).get(f"{COURTS}{court.pk}/"), 404)
    error = err(client_for(outsider).post(COURTS, {"club": str(private.pk), "name": "Mine now"}, format="json"),
                400)
    assert "club" in error["details"]
    # staff of a public club may not add courts to another public club
    public = ClubFactory(is_public=True)
    error = err(client_for(staff_of(ClubFactory())).post(COURTS, {"club": str(public.pk), "name": "X"},
                                                         format="json"), 400)
    assert "club" in error["details"]


def test_staff_patch_court_and_outsider_gets_403():
    court = CourtFactory()
    staff = staff_of(court.club)
    data = ok(client_for(staff).patch(f"{COURTS}{court.pk}/", {"is_active": False, "name": "Central"},
                                      format="json"))
    assert data["is_active"] is False and data["name"] == "Central"
    err(client_for(UserFactory()).patch(f"{COURTS}{court.pk}/", {"name": "Hacked"}, format="json"), 403)
    court.refresh_from_db()
    assert court.name == "Central"
    # club cannot be changed on update
    other = ClubFactory()
    staff_of(other, user=staff)
    ok(client_for(staff).patch(f"{COURTS}{court.pk}/", {"club": str(other.pk)}, format="json"))
    assert Court.objects.get(pk=court.pk).club_id == court.club_id
