"""The player's pages: the home page (the public clubs) and a club's booking page."""
from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.clubs.models import Club
from apps.web.views.common import club_config, club_page, state_labels, status_labels


@require_GET
def home_page(request):
    """/: the public clubs to book at, and where the API documentation is."""
    clubs = Club.objects.filter(is_public=True).order_by("name").only("name", "slug")[:100]
    return render(request, "web/home.html", {"clubs": clubs})


@require_GET
@club_page(public_only=True)  # private clubs are invisible to the public, as in the API
def booking_page(request, club: Club):
    strings = {
        "states": state_labels(),
        "statuses": status_labels(),
        "slot_label": _("%(court)s, %(start)s to %(end)s, %(status)s, %(price)s"),
        "now_status": _("%(court)s %(start)s is now %(status)s"),
        "minutes": _("%(n)s min"),
        "time": _("Time"),
        "book": _("Book %(court)s at %(start)s"),
        "booked_ok": _("Booked: %(court)s, %(day)s %(start)s–%(end)s"),
        "cancelled_ok": _("Booking cancelled"),
        "cancel": _("Cancel booking"),
        "confirm_cancel": _("Cancel this booking?"),
        "no_bookings": _("You have no upcoming bookings here."),
        "signed_in_as": _("Signed in as %(name)s"),
        "signin_first": _("Sign in to book this slot."),
        "loading": _("Loading…"),
        "load_failed": _("Could not load the courts. Retrying…"),
        "network_error": _("Network error. Check your connection and try again."),
        "pick_slot": _("Choose a free slot to book it."),
        "slot_gone": _("Somebody just booked part of that time. Pick another slot."),
        "no_duration": _("No booking length fits here: the next slots are taken or closed."),
        "status_word": {
            "held": _("awaiting payment"), "confirmed": _("confirmed"), "cancelled": _("cancelled"),
            "expired": _("expired"), "completed": _("completed"), "no_show": _("no show"),
        },
        "no_courts": _("This club has no courts yet."),
        "refund": _("Refund: %(amount)s (%(status)s)"),
        "inbox": _inbox_strings(),
    }
    return render(request, "web/booking.html", {"club": club, "config": club_config(club), "strings": strings})


def _inbox_strings() -> dict:
    """static/js/inbox.js: the player's notifications and their settings."""
    return {
        "empty": _("No new notifications."),
        "arrived": _("New notification: %(title)s"),
        "mark_read": _("Mark read"),
        "mark_read_label": _("Mark read: %(title)s"),
        "saved": _("Settings saved."),
        "code_sent": _("We sent a 6-digit code to %(phone)s."),
        "code_needed": _("Enter the code we sent by SMS, or ask for a new one."),
        "phone_verified": _("Phone number verified."),
        "code_resent": _("A new code is on its way."),
        "channels": {"in_app": _("On this page"), "email": _("E-mail"), "sms": _("SMS")},
        "kinds": {
            "booking_confirmed": _("Booking confirmed"), "booking_cancelled": _("Booking cancelled"),
            "payment_received": _("Payment received"), "payment_refunded": _("Refund issued"),
            "hold_expiring": _("Hold about to expire"), "match_called": _("Tournament match called"),
        },
    }
