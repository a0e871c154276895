from enum import StrEnum


class OrganizationErrorCode(StrEnum):
    SLUG_TAKEN = "slug_taken"
    MEMBERSHIP_EXISTS = "membership_exists"
