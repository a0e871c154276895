"""What happened -> which notification. Called by the booking signals (receivers.py), the payments
code (notify_payment_received / notify_payment_refunded), the periodic hold check and tournaments.

Every function may run inside the caller's transaction: the notification then commits (and its
in-app event goes out) with the change that caused it.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.clubs.models import AllocationStatus
from apps.core.i18n import language_of
from apps.notifications.models import Kind, Notification
from apps.notifications.services import notify
from apps.reservations.events import reservation_notification_data as _booking_data
from apps.reservations.lock_objects import reservation_qs_select_for_update
from apps.reservations.models import Reservation

HOLD_WARNING_WINDOW = timedelta(minutes=2)


def _when(reservation) -> str:
    """"Sat 28 Nov 18:00-19:30" in the club's time zone; day and month names in the active language."""
    club = reservation.court.club
    tz = ZoneInfo(club.timezone)
    start = reservation.period.lower.astimezone(tz)
    end = reservation.period.upper.astimezone(tz)
    # Translators: Django date format of a booking's start; Spanish writes months in lower case ("b").
    start_format = pgettext("booking start", "D j M H:i")
    return f"{date_format(start, start_format)}-{date_format(end, 'H:i')}"


def _money(amount, currency: str) -> str:
    return f"{Decimal(amount):.2f} {currency}"


def _refund_status(status: str) -> str:
    return {"pending": pgettext("refund status", "pending"),
            "refunded": pgettext("refund status", "refunded")}.get(status, status)


# Texts are rendered in the recipient's language (User.language) when the notification is made:
# what is stored is what every channel sends.

def notify_booking_confirmed(reservation):
    club = reservation.court.club
    with language_of(reservation.user):
        title = _("Booking confirmed at %(club)s") % {"club": club.name}
        body = _("%(court)s, %(when)s. Price %(price)s.") % {
            "court": reservation.court.name, "when": _when(reservation),
            "price": _money(reservation.price, reservation.currency)}
    return notify(
        user=reservation.user, kind=Kind.BOOKING_CONFIRMED, title=title, body=body,
        data={**_booking_data(reservation), "price": f"{reservation.price:.2f}", "currency": reservation.currency},
        dedupe_key=f"booking_confirmed:{reservation.pk}")


def notify_booking_cancelled(reservation, refund: dict | None = None):
    club = reservation.court.club
    with language_of(reservation.user):
        title = _("Booking cancelled at %(club)s") % {"club": club.name}
        body = _("%(court)s, %(when)s was cancelled.") % {"court": reservation.court.name,
                                                          "when": _when(reservation)}
        if refund and refund.get("status") in ("pending", "refunded") and Decimal(refund["amount"]) > 0:
            body += " " + _("Refund: %(amount)s (%(status)s).") % {
                "amount": _money(refund["amount"], refund["currency"]), "status": _refund_status(refund["status"])}
            if refund["status"] == "pending" and reservation.payment_mode == "pay_at_club":
                body += " " + _("Collect it at the club's front desk.")
    return notify(
        user=reservation.user, kind=Kind.BOOKING_CANCELLED, title=title, body=body,
        data={**_booking_data(reservation), "refund": refund},
        dedupe_key=f"booking_cancelled:{reservation.pk}")


def notify_payment_received(reservation, *, amount=None, user=None, reference: str | None = None):
    """For the payments code. `reference` (a PaymentIntent/charge id) makes repeats of one payment a no-op;
    `user` is the payer of a split share (default: the booking's owner)."""
    amount = reservation.paid_amount if amount is None else amount
    ref = reference or f"reservation:{reservation.pk}"
    user = user or reservation.user
    with language_of(user):
        title = _("Payment received: %(amount)s") % {"amount": _money(amount, reservation.currency)}
        body = _("Thank you. %(court)s, %(when)s.") % {"court": reservation.court.name, "when": _when(reservation)}
    return notify(
        user=user, kind=Kind.PAYMENT_RECEIVED, title=title, body=body,
        data={**_booking_data(reservation), "amount": f"{Decimal(amount):.2f}",
              "currency": reservation.currency, "reference": reference},
        dedupe_key=f"payment_received:{ref}"[:120])


def notify_payment_refunded(reservation, *, amount, user=None, reference: str | None = None,
                            at_desk: bool = False):
    """For the payments code, once the refund succeeded at the provider (or, `at_desk`, once staff
    handed the money back at the club)."""
    ref = reference or f"reservation:{reservation.pk}"
    user = user or reservation.user
    with language_of(user):
        title = _("Refund issued: %(amount)s") % {"amount": _money(amount, reservation.currency)}
        values = {"court": reservation.court.name, "when": _when(reservation)}
        body = (_("For %(court)s, %(when)s. Handed back at the club's front desk.") if at_desk
                else _("For %(court)s, %(when)s. It may take a few days to show.")) % values
    return notify(
        user=user, kind=Kind.PAYMENT_REFUNDED, title=title, body=body,
        data={**_booking_data(reservation), "amount": f"{Decimal(amount):.2f}",
              "currency": reservation.currency, "reference": reference},
        dedupe_key=f"payment_refunded:{ref}"[:120])


def notify_match_called(users, match_info: dict) -> list:
    """For tournaments: `match_info` carries at least `court` (a name) and, to make a repeat call of
    the same match a no-op, `match` (its id) and optionally `call` (1, 2... for deliberate re-calls)."""
    match_id = match_info.get("match")
    dedupe = f"match_called:{match_id}:{match_info.get('call', 1)}" if match_id else None
    sent = []
    for user in users:
        with language_of(user):
            court = match_info.get("court") or _("your court")
            title = _("Your match is called: %(court)s") % {"court": court}
            body = match_info.get("message") or _("Please go to %(court)s now.") % {"court": court}
        sent.append(notify(user=user, kind=Kind.MATCH_CALLED, title=title, body=body, data=dict(match_info),
                           dedupe_key=dedupe))
    return sent


def notify_hold_expiring(reservation_id) -> Notification | None:
    """Re-checked under the reservation's lock, so a payment confirming it meanwhile wins."""
    with transaction.atomic():
        reservation = (reservation_qs_select_for_update()
                       .filter(pk=reservation_id, status=AllocationStatus.HELD).first())
        if reservation is None or reservation.hold_expires_at is None:
            return None
        if reservation.hold_expires_at <= timezone.now():
            return None
        tz = ZoneInfo(reservation.court.club.timezone)
        with language_of(reservation.user):
            title = _("Your booking hold is about to expire")
            body = _("Pay before %(deadline)s to keep %(court)s, %(when)s.") % {
                "deadline": f"{reservation.hold_expires_at.astimezone(tz):%H:%M}",
                "court": reservation.court.name, "when": _when(reservation)}
        return notify(
            user=reservation.user, kind=Kind.HOLD_EXPIRING, title=title, body=body,
            data={**_booking_data(reservation), "hold_expires_at": reservation.hold_expires_at.isoformat()},
            dedupe_key=f"hold_expiring:{reservation.pk}")


def holds_to_warn(now=None):
    """Held reservations expiring within the window that were not warned yet (the dedupe row is the flag)."""
    now = now or timezone.now()
    warned = Notification.objects.filter(
        user=OuterRef("user"),
        dedupe_key=Concat(Value("hold_expiring:"), Cast(OuterRef("pk"), CharField())))
    return (Reservation.objects.filter(status=AllocationStatus.HELD, hold_expires_at__gt=now,
                                       hold_expires_at__lte=now + HOLD_WARNING_WINDOW)
            .exclude(Exists(warned)).order_by("hold_expires_at").values_list("pk", flat=True))


def notify_expiring_holds() -> int:
    """The periodic hold check: warns each hold in the window once; returns how many were warned."""
    return sum(1 for reservation_id in list(holds_to_warn()) if notify_hold_expiring(reservation_id) is not None)
