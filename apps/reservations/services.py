"""Writes of reservations: one transaction each; the database forbids overlaps."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from apps.clubs.events import club_time
from apps.clubs.models import AllocationStatus, Club, Court
from apps.clubs.schedule import booking_price, opening_windows
from apps.clubs.services import court_time_claim, is_overlap_violation
from apps.core.errors import Conflict, CoreErrorCode, InvalidInput, NotFound
from apps.reservations.errors import ReservationErrorCode as Code
from apps.reservations.events import publish_checkin_event, publish_reservation_event
from apps.reservations.lock_objects import reservation_lock, reservation_qs_select_for_update
from apps.reservations.models import PaymentMode, RefundStatus, Reservation
from apps.reservations.payment_hooks import payments
from apps.reservations.selectors import club_hours, club_rules
from apps.reservations.signals import reservation_cancelled, reservation_confirmed


def _invalid(code: Code, message: str, field: str = "start") -> InvalidInput:
    return InvalidInput(code, message, details={field: [message]})


def validate_booking_times(*, club: Club, start: datetime, end: datetime, now: datetime,
                           hours: list[tuple]) -> None:
    """Raises the first failing rule in the contract's validation order."""
    tz = ZoneInfo(club.timezone)
    slot = timedelta(minutes=club.slot_minutes)
    if start < now:
        raise _invalid(Code.IN_PAST, "That time has already passed")
    # Compared as instants: the first local midnight after the horizon's last (inclusive) day.
    # (Converting `start` first would overflow for a year-9999 input.)
    last_day = now.astimezone(tz).date() + timedelta(days=club.booking_horizon_days)
    if start >= datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=tz):
        raise _invalid(Code.BEYOND_BOOKING_HORIZON,
                       f"Bookings open {club.booking_horizon_days} days ahead")
    local_day = start.astimezone(tz).date()
    duration = end - start
    minutes = duration.total_seconds() / 60
    if (end <= start or duration % slot or minutes < club.min_duration_minutes
            or minutes > club.max_duration_minutes):
        raise _invalid(Code.INVALID_DURATION,
                       f"Bookings last {club.min_duration_minutes}-{club.max_duration_minutes} minutes "
                       f"in steps of {club.slot_minutes}", field="end")
    windows = opening_windows(local_day, hours, tz)
    anchor = windows[0].start if windows else datetime.combine(local_day, datetime.min.time(), tzinfo=tz)
    if (start - anchor) % slot:
        raise _invalid(Code.MISALIGNED_START, f"Bookings start on the {club.slot_minutes}-minute grid")
    windows += opening_windows(local_day + timedelta(days=1), hours, tz)
    merged: list = []
    for w in sorted(windows, key=lambda w: w.start):
        if merged and w.start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], w.end))
        else:
            merged.append((w.start, w.end))
    if not any(ws <= start and end <= we for ws, we in merged):
        raise _invalid(Code.OUTSIDE_OPENING_HOURS, "The club is closed at that time")


def reservation_create(*, court: Court, user, start: datetime, end: datetime,
                       now: datetime | None = None) -> Reservation:
    club = court.club
    now = now or timezone.now()
    # Normalise to UTC: Python compares and subtracts datetimes sharing one tzinfo by wall clock,
    # which ignores `fold` (02:00 CEST and 02:00 CET would be 0 minutes apart).
    start, end, now = start.astimezone(UTC), end.astimezone(UTC), now.astimezone(UTC)
    validate_booking_times(club=club, start=start, end=end, now=now, hours=club_hours(club))
    if not court.is_active:
        raise InvalidInput(Code.COURT_INACTIVE, "This court is not taking bookings",
                           details={"court": ["This court is not taking bookings"]})
    price = booking_price(court_id=court.pk, start=start, end=end,
                          slot=timedelta(minutes=club.slot_minutes), tz=ZoneInfo(club.timezone),
                          rules=club_rules(club), default_per_hour=club.default_price_per_hour)
    online = club.requires_online_payment and _online_payments_enabled()
    with transaction.atomic():
        try:
            reservation = court_time_claim(court=court, create=lambda: Reservation.objects.create(
                court=court, user=user, period=DateTimeTZRange(start, end, "[)"),
                status=AllocationStatus.HELD if online else AllocationStatus.CONFIRMED,
                price=price, currency=club.currency,
                payment_mode=PaymentMode.ONLINE if online else PaymentMode.PAY_AT_CLUB,
                hold_expires_at=now + _hold_duration() if online else None,
            ))
        except IntegrityError as exc:
            if is_overlap_violation(exc):
                raise Conflict(Code.SLOT_UNAVAILABLE, "That slot was just taken") from exc
            raise
        publish_reservation_event(reservation, "reservation.created")
        if reservation.status == AllocationStatus.CONFIRMED:
            reservation_confirmed.send(sender=Reservation, reservation=reservation)
    return reservation


def _online_payments_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def _hold_duration() -> timedelta:
    return timedelta(minutes=getattr(settings, "PAYMENT_HOLD_MINUTES", 10))


def refund_decision(*, reservation: Reservation, within_policy: bool) -> dict:
    paid = reservation.paid_amount or Decimal("0.00")
    if paid <= 0:
        return {"amount": "0.00", "currency": reservation.currency, "status": RefundStatus.NONE}
    if not within_policy:
        return {"amount": "0.00", "currency": reservation.currency, "status": RefundStatus.NONE}
    return {"amount": f"{paid:.2f}", "currency": reservation.currency, "status": RefundStatus.PENDING}


def reservation_cancel(*, reservation: Reservation, actor, actor_is_staff: bool,
                       now: datetime | None = None) -> tuple[Reservation, dict]:
    now = now or timezone.now()
    with transaction.atomic():
        reservation = reservation_qs_select_for_update().get(pk=reservation.pk)
        club = reservation.court.club
        if reservation.status not in (AllocationStatus.HELD, AllocationStatus.CONFIRMED):
            raise Conflict(Code.NOT_CANCELLABLE, f"A {reservation.status} reservation cannot be cancelled")
        deadline = reservation.period.lower - timedelta(hours=club.cancellation_deadline_hours)
        within_deadline = now <= deadline
        if not within_deadline and not actor_is_staff:
            raise Conflict(Code.CANCELLATION_WINDOW_CLOSED,
                           f"Cancellations close {club.cancellation_deadline_hours} h before the start; "
                           "please contact the club")
        refund = refund_decision(reservation=reservation, within_policy=within_deadline or actor_is_staff)
        reservation.status = AllocationStatus.CANCELLED
        reservation.cancelled_at = now
        reservation.cancelled_by = actor
        reservation.refund_amount = Decimal(refund["amount"])
        reservation.refund_status = refund["status"]
        reservation.save(update_fields=["status", "cancelled_at", "cancelled_by", "refund_amount",
                                        "refund_status", "updated_at"])
        publish_reservation_event(reservation, "reservation.cancelled", refund=refund)  # slot_status "free"
        reservation_cancelled.send(sender=Reservation, reservation=reservation, refund=refund)
    return reservation, refund


# --- Payment hooks (apps.payments calls these; it owns Stripe, this module owns booking state). ---

def reservation_expire_hold(*, reservation_id, now: datetime | None = None) -> Reservation | None:
    """Frees the slot of a hold that ran out unpaid; None when there is nothing to expire (idempotent)."""
    now = now or timezone.now()
    with transaction.atomic():
        reservation = reservation_lock(reservation_id)
        if (reservation is None or reservation.status != AllocationStatus.HELD
                or reservation.hold_expires_at is None or reservation.hold_expires_at > now):
            return None
        reservation.status = AllocationStatus.EXPIRED
        reservation.save(update_fields=["status", "updated_at"])
        publish_reservation_event(reservation, "reservation.updated", reason="hold_expired")  # slot_status "free"
    return reservation


def reservation_apply_payment(*, reservation: Reservation, amount: Decimal, reason: str) -> bool:
    """Counts money towards a booking the caller has locked (reservation_lock, same transaction).

    A held booking that is now fully paid becomes confirmed and every screen is told (slot_status
    booked). Returns True when this payment confirmed it.
    """
    reservation.paid_amount += amount
    fields = ["paid_amount", "updated_at"]
    confirmed = reservation.status == AllocationStatus.HELD and reservation.paid_amount >= reservation.price
    if confirmed:
        reservation.status = AllocationStatus.CONFIRMED
        fields.append("status")
    reservation.save(update_fields=fields)
    if confirmed:
        publish_reservation_event(reservation, "reservation.updated", reason=reason,  # slot_status "booked"
                                  paid_amount=f"{reservation.paid_amount:.2f}")
        reservation_confirmed.send(sender=Reservation, reservation=reservation)
    return confirmed


# --- Front desk: check-in and no-show (staff only; the API checks who may call these). ---

CHECK_IN_OPENS_BEFORE = timedelta(minutes=60)  # players arrive early, but not a day early


def _publish_desk_change(reservation: Reservation, *, actor, now: datetime, event: str, reason: str) -> None:
    """Every screen hears reservation.updated (club stream first, then staff: the lock order every
    publisher keeps); staff screens also get the desk event itself."""
    publish_reservation_event(reservation, "reservation.updated", reason=reason,
                              checked_in_at=club_time(reservation.checked_in_at, reservation.court.club.timezone))
    publish_checkin_event(reservation, event, actor=actor, now=now)


def _desk_locked(reservation: Reservation) -> Reservation:
    locked = reservation_lock(reservation.pk)
    if locked is None:  # deleted meanwhile (a club removed); the view read it a moment ago
        raise NotFound(CoreErrorCode.NOT_FOUND, "Not found")
    return locked


def reservation_check_in(*, reservation: Reservation, actor, now: datetime | None = None) -> Reservation:
    """The players arrived: records checked_in_at (once). From an hour before the start on."""
    now = now or timezone.now()
    with transaction.atomic():
        reservation = _desk_locked(reservation)
        if reservation.checked_in_at is not None:
            raise Conflict(Code.ALREADY_CHECKED_IN, "These players are already checked in")
        if reservation.status == AllocationStatus.NO_SHOW:
            raise Conflict(Code.ALREADY_NO_SHOW, "This booking was marked as a no-show")
        if reservation.status != AllocationStatus.CONFIRMED:
            raise Conflict(Code.NOT_CONFIRMED, f"A {reservation.status} booking cannot be checked in")
        if now < reservation.period.lower - CHECK_IN_OPENS_BEFORE:
            minutes = int(CHECK_IN_OPENS_BEFORE.total_seconds() // 60)
            raise Conflict(Code.CHECK_IN_NOT_OPEN, f"Check-in opens {minutes} minutes before the start")
        reservation.checked_in_at = now
        reservation.save(update_fields=["checked_in_at", "updated_at"])
        _publish_desk_change(reservation, actor=actor, now=now, event="checkin.checked_in", reason="checked_in")
    return reservation


def reservation_mark_no_show(*, reservation: Reservation, actor, now: datetime | None = None) -> Reservation:
    """Nobody came: status no_show (the court time stays counted as booked). Only once it started."""
    now = now or timezone.now()
    with transaction.atomic():
        reservation = _desk_locked(reservation)
        if reservation.status == AllocationStatus.NO_SHOW:
            raise Conflict(Code.ALREADY_NO_SHOW, "This booking is already marked as a no-show")
        if reservation.checked_in_at is not None:
            raise Conflict(Code.ALREADY_CHECKED_IN, "These players checked in; they are not a no-show")
        if reservation.status != AllocationStatus.CONFIRMED:
            raise Conflict(Code.NOT_CONFIRMED, f"A {reservation.status} booking cannot be marked as a no-show")
        if now < reservation.period.lower:
            raise Conflict(Code.NO_SHOW_TOO_EARLY, "A booking can be marked as a no-show only once it has started")
        reservation.status = AllocationStatus.NO_SHOW
        reservation.save(update_fields=["status", "updated_at"])
        _publish_desk_change(reservation, actor=actor, now=now, event="checkin.no_show", reason="no_show")
    return reservation


def holds_expire_due(*, limit: int = 500) -> dict:
    """Free the slots of payment holds that ran out (live reservation.updated, slot free).

    A webhook can be late or lost, so each hold's open PaymentIntents are re-read from Stripe
    first: a hold that was in fact paid is confirmed, not freed. Idempotent; overlapping runs
    are safe (each hold is expired under its row lock, once).
    """
    now = timezone.now()
    due = list(Reservation.objects.filter(status=AllocationStatus.HELD, hold_expires_at__lte=now)
               .order_by("hold_expires_at").values_list("pk", flat=True)[:limit])
    result = {"expired": 0, "confirmed": 0}
    for reservation_id in due:
        if payments.hold_paid(reservation_id=reservation_id):  # asks Stripe; a failed check expires anyway
            result["confirmed"] += 1
            continue
        if reservation_expire_hold(reservation_id=reservation_id, now=now) is not None:
            result["expired"] += 1
            payments.hold_expired(reservation_id=reservation_id)  # cancel intents, refund split shares
    return result
