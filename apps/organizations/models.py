from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import BaseModel


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", "Organization admin"
    CLUB_OWNER = "club_owner", "Club owner"
    CLUB_STAFF = "club_staff", "Club staff"


class Organization(BaseModel):
    """The tenant: every tenant row reaches one of these."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(BaseModel):
    """A user's role in an organization; club roles name their club, org_admin has none."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    club = models.ForeignKey("clubs.Club", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "club", "role"],
                                    nulls_distinct=False, name="membership_unique_role"),
            models.CheckConstraint(
                condition=(Q(role="org_admin", club__isnull=True)
                           | Q(role__in=["club_owner", "club_staff"], club__isnull=False)),
                name="membership_club_matches_role",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.role} @ {self.organization_id}/{self.club_id}"
