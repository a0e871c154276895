"""The tournament pages: the club's desk (`/clubs/<slug>/tournaments/`), the scoreboard
(`/tournaments/<id>/board/`) and the court-side scorer (`/tournaments/<id>/score/<match_id>/`).
Everything after first paint comes from the tournament stream and the REST API."""
from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.clubs.models import Club
from apps.reservations.selectors import club_today
from apps.tournaments.live import tournament_stream_target
from apps.tournaments.models import Match, Tournament, TournamentFormat
from apps.web.views.common import club_page, message, state_labels
from routing.snapshots import read_snapshot


def _common_strings() -> dict:
    return {
        "states": state_labels(),
        "formats": {
            "single_elimination": _("Knockout"), "round_robin": _("Round robin"),
            "groups_knockout": _("Groups and knockout"), "americano": _("Americano"), "mexicano": _("Mexicano"),
        },
        "status": {
            "draft": _("Entries open"), "ready": _("Draw made"), "in_progress": _("In progress"),
            "finished": _("Finished"),
        },
        "match_status": {
            "pending": _("Waiting for teams"), "scheduled": _("Scheduled"), "in_progress": _("Playing"),
            "finished": _("Finished"), "bye": _("Bye"),
        },
        "tbd": _("To be decided"),
        "winner_of": _("Winner of %(match)s"),
        "loser_of": _("Loser of %(match)s"),
        "third_place": _("Third place"),
        "group_place": _("Group %(group)s #%(place)s"),
        "round": _("Round %(n)s"),
        "group": _("Group %(name)s"),
        "league": _("Table"),
        "final": _("Final"),
        "semifinal": _("Semi-finals"),
        "quarterfinal": _("Quarter-finals"),
        "knockout": _("Knockout"),
        "nothing_on_court": _("No match is being played right now."),
        "nothing_next": _("No more matches scheduled."),
        "ranking": _("Ranking"),
        "rounds": _("Rounds"),
        "cols": {
            "rank": _("#"), "name": _("Team"), "player": _("Player"), "played": _("P"), "won": _("W"),
            "lost": _("L"), "sets": _("Sets ±"), "games": _("Games ±"), "points": _("Points"), "diff": _("±"),
        },
        "champion": _("Winner: %(name)s"),
        "court_time": _("%(court)s · %(time)s"),
        "signin_needed": _("This tournament is private. Sign in as club staff to follow it."),
        "denied": _("You may not follow this tournament."),
        "not_found": _("This tournament does not exist any more."),
        "network_error": _("Network error. Check your connection and try again."),
        "tiebreak": _("Tie-break"),
        "to_points": _("to %(n)s points"),
    }


def _not_found(request):
    return message(request, title=_("Tournament not found"),
                   text=_("There is no tournament at this address. Check the link and try again."), status=404)


@never_cache
@require_GET
def board_page(request, tournament_id):
    tournament = Tournament.objects.select_related("club").filter(pk=tournament_id).first()
    if tournament is None:
        return _not_found(request)
    initial = None
    if tournament.is_public:
        # First paint without waiting for the socket; the stream then resumes from this seq.
        seq, data = read_snapshot(tournament_stream_target(tournament), {})
        initial = {"seq": seq, "data": data}
    config = {
        "id": str(tournament.pk),
        "stream": f"/ws/tournaments/{tournament.pk}/",
        "timezone": tournament.club.timezone,
        "public": tournament.is_public,
    }
    return render(request, "web/tournaments/board.html", {
        # A private tournament's name is not shown before the stream has checked who is asking.
        "title": tournament.name if tournament.is_public else _("Tournament"),
        "club_name": tournament.club.name if tournament.is_public else "",
        "config": config,
        "initial": initial,
        "strings": _common_strings(),
    })


@never_cache
@require_GET
def scorer_page(request, tournament_id, match_id):
    # Only the ids go into the page: the match itself is read with the signed-in user's token.
    if not Match.objects.filter(pk=match_id, tournament_id=tournament_id).exists():
        return _not_found(request)
    config = {
        "tournament": str(tournament_id),
        "match": str(match_id),
        "stream": f"/ws/tournaments/{tournament_id}/",
        "board": f"/tournaments/{tournament_id}/board/",
    }
    strings = {
        **_common_strings(),
        "point_for": _("Point for %(team)s"),
        "signed_in_as": _("Signed in as %(name)s"),
        "not_allowed": _("You are not allowed to score this match."),
        "finished_note": _("The match is over. Undo takes the last point back."),
        "not_ready": _("This match cannot start yet: its teams are not both known."),
    }
    return render(request, "web/tournaments/scorer.html", {"config": config, "strings": strings})


def _desk_strings() -> dict:
    return {
        **_common_strings(),
        "signed_in_as": _("Signed in as %(name)s"),
        "session_expired": _("Your session ended. Sign in again."),
        "stream_denied": _("You may not follow this tournament."),
        "denied": _("You are signed in as %(name)s, who is not on the staff of this club. "
                    "Sign in with a staff account."),
        "none_yet": _("No tournaments yet. Create the first one with the form."),
        "entries_count": _("Entries: %(n)s"),
        "created": _("%(name)s created. Add the entries next."),
        "entry_added": _("Entry added: %(name)s."),
        "entry_removed": _("Entry withdrawn: %(name)s."),
        "confirm_remove": _("Withdraw %(name)s from the tournament?"),
        "confirm_generate": _("Make the draw with %(n)s entries? Entries and seeds cannot change afterwards."),
        "generated": _("Draw made: %(n)s matches."),
        "scheduled": _("%(n)s matches put on court."),
        "next_round_drawn": _("Next round drawn."),
        "no_entries": _("No entries yet."),
        "no_matches": _("The matches appear here once the draw is made."),
        "remove": _("Withdraw"),
        "staff_scores": _("Staff"),
        "call": _("Call players"),
        "call_label": _("Call the players of %(teams)s to %(court)s"),
        "called": _("%(n)s players called to %(court)s."),
        "move": _("Move"),
        "move_label": _("Move %(teams)s to another court or time"),
        "move_for": _("Move %(teams)s. It keeps its length; the club's screens follow."),
        "moved": _("%(teams)s moved to %(court)s, %(when)s."),
        "set_scorer": pgettext("match scorer", "Change"),  # plain "Change" is Django admin's
        "set_scorer_label": _("Choose who scores %(teams)s"),
        "scorer_for": _("Who scores %(teams)s? Club staff always can; a scorer opens the Score link signed in "
                        "with their own account."),
        "scorer_saved": _("%(name)s scores %(teams)s."),
        "scorer_removed": _("Only staff score %(teams)s now."),
        "seed_up_label": _("Seed %(name)s one place higher"),
        "seed_down_label": _("Seed %(name)s one place lower"),
        "seeds_saved": _("Seeds saved: the list's order is the seeding."),
        "remove_label": _("Withdraw %(name)s"),
        "score": _("Score"),
        "score_label": _("Score %(teams)s"),
        "unscheduled": _("Not on court yet"),
        "teams": _("%(team1)s vs %(team2)s"),
        "seed": _("Seed %(n)s"),
        "player_email_solo": _("Player e-mail"),
        "player_email_first": _("Player 1 e-mail"),
        "public": _("Public"),
        "private": _("Private"),
        "open": _("Manage"),
        "open_label": _("Manage %(name)s"),
        "board": _("Scoreboard"),
    }


@never_cache
@require_GET
@club_page()
def desk_page(request, club: Club):
    """`/clubs/<slug>/tournaments/`: staff create tournaments, enter pairs by e-mail, make the
    draw, put matches on court and open the scorer. Who may do it is decided by the API and the
    stream, like the staff dashboard: the page holds only the club's settings and its strings."""
    config = {
        "id": str(club.pk),
        "slug": club.slug,
        "name": club.name if club.is_public else "",  # a private club's name comes with sign-in
        "timezone": club.timezone,
        "currency": club.currency,
        "today": club_today(club).isoformat(),
        "slot_minutes": club.slot_minutes,
        "staff_page": f"/clubs/{club.slug}/staff/",
        "solo_formats": [TournamentFormat.AMERICANO, TournamentFormat.MEXICANO],
    }
    response = render(request, "web/tournaments/desk.html", {
        "club": club, "public_name": config["name"], "config": config, "strings": _desk_strings(),
        "formats": TournamentFormat.choices,
    })
    response["X-Robots-Tag"] = "noindex"
    return response
