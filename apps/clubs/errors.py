from enum import StrEnum


class ClubErrorCode(StrEnum):
    SLOT_UNAVAILABLE = "slot_unavailable"
    INVALID_PERIOD = "invalid_period"
