"""Row locks of tournaments, in one place (Saleor's lock_objects.py).

Every service takes its locks in this order, top to bottom, so two writers never wait on each
other in opposite orders:

1. the tournament (always first: it serialises every write of one tournament);
2. its entries;
3. its matches (in play order, the model's ordering);
4. a match's court allocation;
then, outside this app, the court's queue (`apps.clubs.lock_objects.court_claim_lock`) and the
stream counter rows that `routing.publisher.publish` locks, last.

`of=("self",)` locks only the named table's rows, not the rows a select_related joins.
"""
from __future__ import annotations

from django.db.models import QuerySet

from apps.tournaments.models import Entry, Match, MatchAllocation, Tournament


def tournament_qs_select_for_update() -> QuerySet[Tournament]:
    # The club comes along for its timezone and settings, unlocked.
    return Tournament.objects.select_for_update(of=("self",)).select_related("club")


def entry_qs_select_for_update() -> QuerySet[Entry]:
    return Entry.objects.select_for_update(of=("self",))


def match_qs_select_for_update() -> QuerySet[Match]:
    return Match.objects.select_for_update(of=("self",)).select_related("tournament")


def match_allocation_qs_select_for_update() -> QuerySet[MatchAllocation]:
    # The child row and its CourtAllocation parent, whose court and period a move rewrites.
    return MatchAllocation.objects.select_for_update(of=("self", "courtallocation_ptr"))
