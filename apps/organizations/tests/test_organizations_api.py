"""CONTRACT §2 `root/organizations/`: create (slug derived), list mine, add members (org_admin only)."""
import pytest

from apps.organizations.models import Membership, Organization, Role
from apps.organizations.selectors import tenant_scope_for
from tests.support.api import client_for, err, ok
from tests.support.factories import ClubFactory, OrganizationFactory, UserFactory, admin_of, staff_of

pytestmark = pytest.mark.django_db

ORGS = "/api/v1/root/organizations/"


def members_url(org):
    return f"{ORGS}{org.pk}/members/"


def test_create_derives_the_slug_and_makes_the_creator_org_admin():
    user = UserFactory()
    data = ok(client_for(user).post(ORGS, {"name": "Padel Sur Málaga"}, format="json"), 201)
    assert set(data) >= {"id", "name", "slug"}
    assert data["slug"] == "padel-sur-malaga"
    assert Membership.objects.filter(user=user, organization_id=data["id"], role=Role.ORG_ADMIN,
                                     club=None).exists()
    # the same name again gets a different slug, not an error
    again = ok(client_for(UserFactory()).post(ORGS, {"name": "Padel Sur Málaga"}, format="json"), 201)
    assert again["slug"] != data["slug"] and again["slug"].startswith("padel-sur-malaga")


def test_create_with_an_explicit_slug_and_a_taken_slug():
    user = UserFactory()
    data = ok(client_for(user).post(ORGS, {"name": "Norte", "slug": "norte-padel"}, format="json"), 201)
    assert data["slug"] == "norte-padel"
    error = err(client_for(user).post(ORGS, {"name": "Other", "slug": "norte-padel"}, format="json"), 409,
                "slug_taken")
    assert "slug" in error["details"]
    error = err(client_for(user).post(ORGS, {"name": "Other", "slug": "not a slug!"}, format="json"), 400)
    assert "slug" in error["details"]
    error = err(client_for(user).post(ORGS, {"slug": "x"}, format="json"), 400)
    assert "name" in error["details"]


def test_create_needs_authentication():
    from rest_framework.test import APIClient

    err(APIClient().post(ORGS, {"name": "Anon"}, format="json"), 401, "not_authenticated")
    assert not Organization.objects.exists()


def test_list_shows_only_my_organizations():
    user = UserFactory()
    mine_admin = OrganizationFactory()
    admin_of(mine_admin, user=user)
    club = ClubFactory()
    staff_of(club, user=user)
    OrganizationFactory()  # someone else's
    response = client_for(user).get(ORGS)
    data = ok(response, paginated=True)
    assert {o["id"] for o in data} == {str(mine_admin.pk), str(club.organization_id)}
    assert response.json()["pagination"]["total_count"] == 2
    # a plain player has none
    assert ok(client_for(UserFactory()).get(ORGS)) == []


def test_retrieve_another_organization_is_404():
    org = OrganizationFactory()
    err(client_for(UserFactory()).get(f"{ORGS}{org.pk}/"), 404, "not_found")


@pytest.mark.parametrize("role, with_club", [(Role.ORG_ADMIN, False), (Role.CLUB_OWNER, True),
                                             (Role.CLUB_STAFF, True)])
def test_org_admin_adds_members_in_every_role(role, with_club):
    org = OrganizationFactory()
    admin = admin_of(org)
    club = ClubFactory(organization=org)
    newcomer = UserFactory(email="new@example.com")
    body = {"email": "NEW@example.com", "role": role}
    if with_club:
        body["club"] = str(club.pk)
    data = ok(client_for(admin).post(members_url(org), body, format="json"), 201)
    assert data["user"] == str(newcomer.pk) and data["role"] == role
    assert data["organization"] == str(org.pk)
    assert data["club"] == (str(club.pk) if with_club else None)
    scope = tenant_scope_for(newcomer)
    assert club.pk in scope.staff_club_ids
    assert (club.pk in scope.owner_club_ids) == (role != Role.CLUB_STAFF)
    # and they see the organization now
    assert [o["id"] for o in ok(client_for(newcomer).get(ORGS))] == [str(org.pk)]


def test_admin_lists_members():
    org = OrganizationFactory()
    admin = admin_of(org)
    data = ok(client_for(admin).get(members_url(org)), paginated=True)
    assert [m["user"] for m in data] == [str(admin.pk)]


def test_unknown_email_is_400_naming_email():
    org = OrganizationFactory()
    admin = admin_of(org)
    error = err(client_for(admin).post(members_url(org), {"email": "ghost@example.com", "role": "org_admin"},
                                       format="json"), 400, "validation_error")
    assert "email" in error["details"]


@pytest.mark.parametrize("body, field", [
    ({"role": "club_staff"}, "club"),                 # club roles need a club
    ({"role": "overlord"}, "role"),                   # not a role
    ({"role": "org_admin", "club": "CLUB"}, "club"),  # org_admin is not tied to a club
    ({"role": "club_staff", "club": "FOREIGN"}, "club"),  # a club of another organization
    ({"role": "club_staff", "club": "not-a-uuid"}, "club"),
])
def test_member_input_errors_name_the_field(body, field):
    org = OrganizationFactory()
    admin = admin_of(org)
    club = ClubFactory(organization=org)
    foreign = ClubFactory()
    UserFactory(email="new@example.com")
    body = {"email": "new@example.com", **body}
    if body.get("club") == "CLUB":
        body["club"] = str(club.pk)
    elif body.get("club") == "FOREIGN":
        body["club"] = str(foreign.pk)
    error = err(client_for(admin).post(members_url(org), body, format="json"), 400)
    assert field in error["details"], error
    assert Membership.objects.filter(organization=org).count() == 1


def test_adding_the_same_role_twice_is_409():
    org = OrganizationFactory()
    admin = admin_of(org)
    UserFactory(email="new@example.com")
    ok(client_for(admin).post(members_url(org), {"email": "new@example.com", "role": "org_admin"}, format="json"),
       201)
    err(client_for(admin).post(members_url(org), {"email": "new@example.com", "role": "org_admin"}, format="json"),
        409, "membership_exists")


@pytest.mark.parametrize("role", [Role.CLUB_OWNER, Role.CLUB_STAFF])
def test_only_org_admins_add_members(role):
    org = OrganizationFactory()
    club = ClubFactory(organization=org)
    member = staff_of(club, role=role)
    UserFactory(email="new@example.com")
    err(client_for(member).post(members_url(org), {"email": "new@example.com", "role": "org_admin"},
                                format="json"), 403, "permission_denied")
    err(client_for(member).get(members_url(org)), 403, "permission_denied")
    assert not Membership.objects.filter(user__email="new@example.com").exists()


def test_outsiders_get_404_on_members():
    org = OrganizationFactory()
    UserFactory(email="new@example.com")
    outsider = UserFactory()
    err(client_for(outsider).post(members_url(org), {"email": "new@example.com", "role": "org_admin"},
                                  format="json"), 404)
    err(client_for(outsider).get(members_url(org)), 404)
