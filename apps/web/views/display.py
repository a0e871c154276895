"""The club's display board (`/clubs/<slug>/display/?key=...`): a TV by the courts, opened with
a display key; it shows today's courts and follows the club stream."""
from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.clubs.live import club_target
from apps.clubs.models import Club, DisplayKey
from apps.web.views.common import club_config, club_page, message, state_labels, status_labels
from routing.snapshots import read_snapshot
from routing.streams import CLUB


@never_cache
@require_GET
@club_page()
def display_page(request, club: Club):
    raw_key = request.GET.get("key", "").strip()
    if not raw_key:
        return message(request, title=_("Display key needed"),
                       text=_("This board needs its display key in the address (…/display/?key=…). "
                              "Club staff can create one in the club settings."), status=401)
    key = DisplayKey.objects.filter(key_hash=DisplayKey.hash_key(raw_key), club=club).first()
    if key is None or key.revoked_at is not None:
        return message(request, title=_("This display key does not work"),
                       text=_("The key is wrong or was revoked. Ask the club staff for a new display link."),
                       status=403)
    config = club_config(club)
    # First paint without waiting for the socket: the club stream's snapshot of today and its seq.
    seq, data = read_snapshot(club_target(CLUB, club), {"date": config["today"]})
    initial = {**data, "seq": seq}  # display.js resumes the stream from this seq
    strings = {
        "states": state_labels(),
        "statuses": status_labels(),
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
        "config": config,
        "initial": initial,
        "display_key": raw_key,
        "strings": strings,
    })
    # The key is in this page's URL: never hand it to another site in a Referer header.
    response["Referrer-Policy"] = "no-referrer"
    return response
