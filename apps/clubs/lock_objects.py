"""Row locks of clubs, in one place (Saleor's lock_objects.py).

The court row is the queue of claims on its time (`apps.clubs.services.court_time_claim`): it is
taken first, before any allocation row (a reservation, a block, a match's court time), and the
stream counter rows `routing.publisher.publish` locks come last.
"""
from __future__ import annotations

from apps.clubs.models import Court


def court_claim_lock(court_id) -> None:
    """FOR NO KEY UPDATE of the court row: claims on one court wait their turn, while plain
    foreign-key checks on the court (which take FOR KEY SHARE) are not blocked."""
    Court.objects.select_for_update(no_key=True).filter(pk=court_id).values_list("pk").get()
