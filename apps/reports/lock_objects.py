"""Row locks of reports, in one place (Saleor's lock_objects.py).

Only one: the club row, taken first and alone, so two requests for a report of one club are
answered one after the other (the second sees the first's queued report).
"""
from __future__ import annotations

from django.db.models import QuerySet

from apps.clubs.models import Club


def club_qs_select_for_update() -> QuerySet[Club]:
    return Club.objects.select_for_update()
