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
    # check-in and no-show (staff, front desk)
    NOT_CONFIRMED = "reservation_not_confirmed"
    ALREADY_CHECKED_IN = "already_checked_in"
    ALREADY_NO_SHOW = "already_no_show"
    CHECK_IN_NOT_OPEN = "check_in_not_open"
    NO_SHOW_TOO_EARLY = "no_show_too_early"
