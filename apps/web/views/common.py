"""What the page views share: the live badge's and the slots' labels, a club's page settings,
the message page, and finding the club a page is about."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.clubs.models import Club
from apps.reservations.selectors import club_today


def state_labels() -> dict:
    """The connection badge (static/js/live.js bindBadge)."""
    return {
        "connecting": _("Connecting…"),
        "live": _("Live"),
        "reconnecting": _("Reconnecting…"),
        "offline": _("Offline"),
    }


def status_labels() -> dict:
    """A slot's status, as the booking page and the display board name it."""
    return {
        "free": _("Free"),
        "booked": _("Booked"),
        "held": _("Held"),
        "blocked": _("Unavailable"),
        "closed": _("Closed"),
        "past": _("Past"),
    }


def club_config(club: Club) -> dict:
    """The club settings the booking page and the display board run on."""
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


def message(request, *, title: str, text: str, status: int):
    return render(request, "web/message.html", {"title": title, "text": text}, status=status)


def club_not_found(request):
    return message(request, title=_("Club not found"),
                   text=_("There is no club at this address. Check the link and try again."), status=404)


def club_page(*, public_only: bool = False) -> Callable:
    """A page at /clubs/<slug>/...: the view gets the club, an unknown slug gets the 404 page.
    With `public_only`, a private club answers exactly like an unknown slug (as in the API)."""
    def decorate(view):
        @wraps(view)
        def wrapper(request, slug: str, **kwargs):
            clubs = Club.objects.filter(slug=slug)
            club = (clubs.filter(is_public=True) if public_only else clubs).first()
            if club is None:
                return club_not_found(request)
            return view(request, club, **kwargs)
        return wrapper
    return decorate
