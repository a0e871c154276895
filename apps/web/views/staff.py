"""The staff dashboard shell (`/clubs/<slug>/staff/`).

Like the booking page, the server sends only the club's settings and the interface strings:
staff sign in through the API (tokens stay in sessionStorage), and everything else comes from
the staff stream (timeline, payments, check-ins, report progress) and the REST API. Who may see
the data is decided there, not here: a signed-in user who is not staff of this club is refused
by the stream (4403) and the page says so.
"""
from __future__ import annotations

from datetime import timedelta

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.clubs.models import Club
from apps.reports.services import MAX_RANGE_DAYS
from apps.reservations.selectors import club_today
from apps.reservations.services import CHECK_IN_OPENS_BEFORE
from apps.web.views.common import club_page, state_labels


def _strings() -> dict:
    return {
        "states": state_labels(),
        "status": {
            "held": _("Awaiting payment"), "confirmed": _("Confirmed"), "cancelled": _("Cancelled"),
            "expired": _("Expired"), "completed": _("Completed"), "no_show": _("No-show"),
            "checked_in": _("Checked in %(time)s"),
        },
        "payment": {
            "paid": _("Paid"), "due": _("%(amount)s due"), "online": _("Paying online"),
            "refunded": _("Refunded"), "none": "—",
            "refund_owed": _("Refund %(amount)s owed"), "refund_pending": _("Refund pending"),
            "kept": _("Paid, not refunded"),
        },
        "feed": {
            "payment.succeeded": _("Paid online"),
            "payment.received": _("Paid at the desk"),
            "payment.refunded": _("Refunded"),
            "payment.refund_pending": _("Refund pending"),
            "payment.refund_failed": _("Refund failed"),
            "payment.failed": _("Payment failed"),
            "payment.split": _("Split into shares"),
            "other": _("Payment update"),
        },
        "feed_line": _("%(player)s · %(court)s %(start)s"),
        "feed_empty": _("Payments appear here as they happen."),
        "due_empty": _("Nothing is due today."),
        "check_in": _("Check in"),
        "no_show": _("No-show"),
        "mark_paid": _("Mark paid"),
        "refund_given": _("Refund given"),
        "refund_line": _("Refund to %(player)s"),
        "confirm_refund": _("Record %(amount)s handed back to %(player)s at the desk?"),
        "done_refund": _("%(amount)s refund recorded for %(player)s."),
        "action_label": _("%(action)s: %(player)s, %(court)s %(start)s"),
        "confirm_no_show": _("Mark %(player)s (%(court)s %(start)s) as a no-show?"),
        "confirm_paid": _("Record %(amount)s paid at the desk by %(player)s?"),
        "done_check_in": _("%(player)s checked in."),
        "done_no_show": _("%(player)s marked as a no-show."),
        "done_paid": _("%(amount)s recorded for %(player)s."),
        "booking_new": _("New booking: %(player)s, %(court)s %(start)s–%(end)s"),
        "booking_cancelled": _("Cancelled: %(player)s, %(court)s %(start)s"),
        "booking_updated": _("%(player)s, %(court)s %(start)s: %(status)s"),
        "checked_in_event": _("%(player)s checked in (%(court)s %(start)s)"),
        "no_show_event": _("%(player)s did not show up (%(court)s %(start)s)"),
        "block_added": _("%(court)s blocked %(start)s–%(end)s"),
        "block_removed": _("%(court)s unblocked %(start)s–%(end)s"),
        "block_label": _("%(court)s, %(day)s %(start)s–%(end)s"),
        "block_remove": pgettext("maintenance block", "Remove"),  # plain "Remove" is Django admin's
        "block_remove_label": _("Remove the block on %(court)s, %(day)s %(start)s–%(end)s"),
        "blocks_empty": _("No maintenance planned."),
        "block_created": _("Block added."),
        "block_deleted": _("Block removed."),
        "confirm_block_remove": _("Remove this maintenance block?"),
        "block_bad_times": _("Choose an end after the start."),
        "maintenance": _("Maintenance"),
        "tournament_block": _("Tournament"),
        "matches_empty": _("No tournament matches on this day."),
        "match_label": _("%(start)s–%(end)s · %(court)s"),
        "match_teams": _("%(team1)s vs %(team2)s"),
        "to_be_decided": _("to be decided"),
        "match_status": {"pending": _("Waiting for teams"), "scheduled": _("Scheduled"),
                         "in_progress": _("Playing"), "finished": _("Finished"), "bye": _("Bye")},
        "call": _("Call players"),
        "called": _("%(n)s players called to %(court)s."),
        "move": _("Move"),
        "move_label": _("Move %(teams)s"),
        "move_save": _("Save"),
        "move_cancel": _("Cancel"),
        "moved": _("Moved to %(court)s at %(start)s."),
        "court": _("Court"),
        "start_time": _("Start"),
        "reservation_label": _("%(player)s, %(court)s %(start)s–%(end)s, %(status)s, %(payment)s"),
        "no_bookings": _("No bookings today yet."),
        "no_courts": _("This club has no courts yet."),
        "signed_in_as": _("Signed in as %(name)s"),
        "network_error": _("Network error. Check your connection and try again."),
        "session_expired": _("Your session ended. Sign in again."),
        "denied": _("You are signed in as %(name)s, who is not on the staff of this club. "
                    "Sign in with a staff account."),
        "report_queued": _("Queued…"),
        "report_running": _("Building… %(percent)s%%"),
        "report_ready": _("Ready: %(rows)s rows"),
        "report_failed": _("The report failed. Try again."),
        "report_progress": _("%(kind)s report progress"),
        "report_bad_range": _("Choose a range of up to %(days)s days, the end not before the start."),
        "kind": {"occupancy": _("Occupancy"), "revenue": _("Revenue")},
        "heatmap_title": _("Occupancy by court and hour, %(from)s to %(to)s"),
        "heatmap_desc": _("Overall occupancy %(overall)s. Busiest: %(court)s at %(hour)s (%(value)s)."),
        "heatmap_cell": _("%(court)s, %(hour)s: %(value)s (%(booked)s of %(open)s min)"),
        "heatmap_empty": _("No opening hours in this range."),
        "chart_title": _("Revenue by day, %(from)s to %(to)s"),
        "chart_desc": _("Total %(revenue)s from %(bookings)s bookings; %(collected)s collected. Best day %(day)s "
                        "with %(best)s."),
        "chart_bar": _("%(day)s: %(revenue)s booked, %(collected)s collected, %(bookings)s bookings"),
        "booked_value": _("Booked value"),
        "collected": _("Collected"),
        "refunded": _("Refunded"),
        "bookings": _("Bookings"),
        "overall": _("Overall"),
        "low": _("Low"),
        "high": _("High"),
        "by_mode": {"pay_at_club": _("Pay at club"), "online": _("Online")},
    }


@never_cache
@require_GET
@club_page()
def staff_page(request, club: Club):
    today = club_today(club)
    config = {
        "id": str(club.pk),
        "slug": club.slug,
        # A private club's name is for its members: the page learns it from the API after sign-in.
        "name": club.name if club.is_public else "",
        "timezone": club.timezone,
        "currency": club.currency,
        "slot_minutes": club.slot_minutes,
        "today": today.isoformat(),
        "report_from": (today - timedelta(days=29)).isoformat(),
        "max_report_days": MAX_RANGE_DAYS,
        "check_in_opens_minutes": int(CHECK_IN_OPENS_BEFORE.total_seconds() // 60),
        "stream": f"/ws/clubs/{club.pk}/staff/",
    }
    response = render(request, "web/staff.html", {
        "club": club, "public_name": config["name"], "config": config, "strings": _strings(),
        "slot_seconds": club.slot_minutes * 60,
    })
    response["X-Robots-Tag"] = "noindex"
    return response
