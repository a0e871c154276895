from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from apps.core.errors import Conflict, CoreErrorCode, InvalidInput
from apps.organizations.errors import OrganizationErrorCode
from apps.organizations.models import Membership, Organization, Role


def unique_slug(model, base: str, *, field: str = "slug") -> str:
    root = slugify(base)[:120] or "org"
    slug, n = root, 2
    while model.objects.filter(**{field: slug}).exists():
        slug, n = f"{root}-{n}", n + 1
    return slug


@transaction.atomic
def organization_create(*, name: str, creator, slug: str | None = None) -> Organization:
    if slug and Organization.objects.filter(slug=slug).exists():
        raise Conflict(OrganizationErrorCode.SLUG_TAKEN, "That slug is already in use", details={"slug": ["That slug is already in use"]})
    try:
        with transaction.atomic():
            organization = Organization.objects.create(name=name, slug=slug or unique_slug(Organization, name))
    except IntegrityError as exc:
        raise Conflict(OrganizationErrorCode.SLUG_TAKEN, "That slug is already in use",
                       details={"slug": ["That slug is already in use"]}) from exc
    Membership.objects.create(user=creator, organization=organization, role=Role.ORG_ADMIN)
    return organization


@transaction.atomic
def membership_create(*, organization: Organization, user, role: str, club=None) -> Membership:
    if role == Role.ORG_ADMIN and club is not None:
        raise InvalidInput(CoreErrorCode.VALIDATION_ERROR, "An org_admin is not tied to a club",
                           details={"club": ["Leave club empty for org_admin"]})
    if role != Role.ORG_ADMIN and club is None:
        raise InvalidInput(CoreErrorCode.VALIDATION_ERROR, "Club roles need a club", details={"club": ["This field is required."]})
    if club is not None and club.organization_id != organization.pk:
        raise InvalidInput(CoreErrorCode.VALIDATION_ERROR, "That club is not in this organization",
                           details={"club": ["That club is not in this organization"]})
    membership, created = Membership.objects.get_or_create(user=user, organization=organization, club=club, role=role)
    if not created:
        raise Conflict(OrganizationErrorCode.MEMBERSHIP_EXISTS, "That user already has this role",
                       details={"email": ["That user already has this role"]})
    return membership
