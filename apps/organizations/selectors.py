"""Who may see and change what: the one source every view and consumer asks."""
from __future__ import annotations

from dataclasses import dataclass, field

from apps.organizations.models import Membership, Organization, Role


@dataclass(frozen=True)
class TenantScope:
    user_id: object | None = None
    admin_org_ids: frozenset = field(default_factory=frozenset)
    member_org_ids: frozenset = field(default_factory=frozenset)
    staff_club_ids: frozenset = field(default_factory=frozenset)  # staff, owners, org admins
    owner_club_ids: frozenset = field(default_factory=frozenset)  # owners and org admins

    def is_club_staff(self, club_id) -> bool:
        return club_id in self.staff_club_ids

    def is_club_owner(self, club_id) -> bool:
        return club_id in self.owner_club_ids


ANONYMOUS_SCOPE = TenantScope()


def tenant_scope_for(user) -> TenantScope:
    """Two queries whatever the number of memberships."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS_SCOPE
    rows = list(Membership.objects.filter(user=user).values_list("organization_id", "club_id", "role"))
    admin_orgs = frozenset(org for org, _club, role in rows if role == Role.ORG_ADMIN)
    # Through the clubs' reverse relation: organizations sits below clubs and imports none of it.
    admin_clubs = set(Organization.objects.filter(pk__in=admin_orgs, clubs__isnull=False)
                      .values_list("clubs__id", flat=True)) if admin_orgs else set()
    staff = {club for _org, club, role in rows if club is not None} | admin_clubs
    owners = {club for _org, club, role in rows if role == Role.CLUB_OWNER} | admin_clubs
    return TenantScope(
        user_id=user.pk,
        admin_org_ids=admin_orgs,
        member_org_ids=frozenset(org for org, _c, _r in rows),
        staff_club_ids=frozenset(staff),
        owner_club_ids=frozenset(owners),
    )


def memberships_for(user):
    return Membership.objects.filter(user=user).select_related("organization", "club")


def memberships_of(organization):
    return Membership.objects.filter(organization=organization).select_related("user")


def me_memberships(user) -> dict:
    """auth/me/'s `memberships` and `staff_clubs` (registered with apps.accounts.me in apps.py)."""
    return {
        "memberships": list(memberships_for(user)),
        # The same rule every view applies (apps.core.tenancy), so pages need not re-derive it.
        "staff_clubs": sorted(tenant_scope_for(user).staff_club_ids, key=str),
    }


def organization_list_administered(scope: TenantScope):
    return Organization.objects.filter(id__in=scope.admin_org_ids)


def organization_list_for(user):
    return Organization.objects.filter(memberships__user=user).distinct()
