from enum import StrEnum


class ReservationErrorCode(StrEnum):
    """Codes in the contract's validation order (CONTRACT §2), then the conflicts."""

    IN_PAST = "in_past"
    BEYOND_BOOKING_HORIZON = "beyond_booking_horizon"
    INVALID_DURATION = "invalid_duration"
    MISALIGNED_START = "misaligned_start"
    OUTSIDE_OPENING_HOURS = "outside_opening_hours"
    COURT_INACTIVE = "court_inactive"
    SLOT_UNAVAILABLE = "slot_unavailable"
    CANCELLATION_WINDOW_CLOSED = "cancellation_window_closed"
    NOT_CANCELLABLE = "not_cancellable"
