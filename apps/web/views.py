"""Server-rendered shells for the live pages; all data after first paint comes from the API and
the club stream (static/js/live.js). Language follows Accept-Language (LocaleMiddleware)."""
from __future__ import annotations

from datetime import timedelta

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.clubs.models import Club, DisplayKey
from apps.reservations.selectors import availability_for, club_today


def _state_labels() -> dict:
    return {
        "connecting": _("Connecting…"),
        "live": _("Live"),
        "reconnecting": _("Reconnecting…"),
        "offline": _("Offline"),
    }


def _status_labels() -> dict:
    return {
        "free": _("Free"),
        "booked": _("Booked"),
        "held": _("Held"),
        "blocked": _("Unavailable"),
        "closed": _("Closed"),
        "past": _("Past"),
    }


def _club_config(club: Club) -> dict:
    today = club_today(club)
    return {
        "id": str(club.pk),
        "slug": club.slug,
        "name": club.name,
        "timezone": club.timezone,
        "currency": club.currency,
        "slot_minutes": club.slot_minutes,
        "min_duration": club.min_duration_minutes,
        "max_duration": club.max_duration_minutes,
        "today": today.isoformat(),
        "last_day": (today + timedelta(days=club.booking_horizon_days)).isoformat(),
        "cancellation_deadline_hours": club.cancellation_deadline_hours,
        "stream": f"/ws/clubs/{club.pk}/",
    }


def _message(request, *, title: str, text: str, status: int):
    return render(request, "web/message.html", {"title": title, "text": text}, status=status)


def _club_not_found(request):
    return _message(request, title=_("Club not found"),
                    text=_("There is no club at this address. Check the link and try again."), status=404)


@require_GET
def booking_page(request, slug: str):
    # Private clubs are invisible to the public (as in the API): same 404 as an unknown slug.
    club = Club.objects.filter(slug=slug, is_public=True).first()
    if club is None:
        return _club_not_found(request)
    strings = {
        "states": _state_labels(),
        "statuses": _status_labels(),
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
    return render(request, "web/booking.html", {"club": club, "config": _club_config(club), "strings": strings})


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


@require_GET
def home_page(request):
    """/: the public clubs to book at, and where the API documentation is."""
    clubs = Club.objects.filter(is_public=True).order_by("name").only("name", "slug")[:100]
    return render(request, "web/home.html", {"clubs": clubs})


@never_cache
@require_GET
def password_reset_page(request):
    """/reset-password/: ask for the e-mail link; from the link (?uid=&token=), choose a new password."""
    has_token = bool(request.GET.get("uid") and request.GET.get("token"))
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""  # only our own pages: no open redirect through the link
    strings = {
        "network_error": _("Network error. Check your connection and try again."),
        "email_needed": _("Give your e-mail."),
        "link_sent": _("If that e-mail has an account, a link to choose a new password is on its way."),
        "mismatch": _("The two passwords differ."),
        "changed": _("Password changed. You can sign in with it now."),
    }
    response = render(request, "web/password_reset.html", {"has_token": has_token, "back": back, "strings": strings})
    response["Referrer-Policy"] = "no-referrer"  # the token in the address must not leak to other sites
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_GET
def display_page(request, slug: str):
    club = Club.objects.filter(slug=slug).first()
    if club is None:
        return _club_not_found(request)
    raw_key = request.GET.get("key", "").strip()
    if not raw_key:
        return _message(request, title=_("Display key needed"),
                        text=_("This board needs its display key in the address (…/display/?key=…). "
                               "Club staff can create one in the club settings."), status=401)
    key = DisplayKey.objects.filter(key_hash=DisplayKey.hash_key(raw_key), club=club).first()
    if key is None or key.revoked_at is not None:
        return _message(request, title=_("This display key does not work"),
                        text=_("The key is wrong or was revoked. Ask the club staff for a new display link."),
                        status=403)
    today = club_today(club)
    strings = {
        "states": _state_labels(),
        "statuses": _status_labels(),
        "now": _("Now"),
        "next": _("Next"),
        "in_play": _("In play"),
        "until": _("until %(time)s"),
        "min_left": _("%(n)s min left"),
        "free_for": _("%(n)s min"),
        "free_rest": _("Free for the rest of the day"),
        "nothing_next": _("Nothing else booked today"),
        "closed_now": _("Closed"),
        "opens_at": _("Opens at %(time)s"),
        "revoked": _("This display key was revoked. Ask the club staff for a new display link."),
        "denied": _("This board may not show this club any more."),
        "reconnecting_note": _("Connection lost; showing the last known state. Reconnecting…"),
        "no_courts": _("This club has no courts yet."),
    }
    response = render(request, "web/display.html", {
        "club": club,
        "config": {**_club_config(club), "today": today.isoformat()},
        "initial": availability_for(club=club, day=today),
        "display_key": raw_key,
        "strings": strings,
    })
    # The key is in this page's URL: never hand it to another site in a Referer header.
    response["Referrer-Policy"] = "no-referrer"
    return response
