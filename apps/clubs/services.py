from __future__ import annotations

from datetime import UTC, datetime

from django.db import IntegrityError, OperationalError, transaction
from psycopg2.extras import DateTimeTZRange

from apps.clubs.errors import ClubErrorCode
from apps.clubs.events import (
    allocation_payload,
    club_updated_data,
    court_blocked_data,
    court_unblocked_data,
    court_updated_data,
    publish_club_event,
)
from apps.clubs.lock_objects import court_claim_lock
from apps.clubs.models import AllocationStatus, Club, Court, DisplayKey, MaintenanceBlock, OpeningHours, PricingRule
from apps.clubs.signals import display_key_revoked
from apps.core.errors import Conflict, InvalidInput

OVERLAP_CONSTRAINT = "court_allocation_no_overlap"


def is_overlap_violation(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None) == OVERLAP_CONSTRAINT or OVERLAP_CONSTRAINT in str(exc)


_DEADLOCK = "40P01"


def court_time_claim(*, court: Court, create):
    """Runs `create()` (one insert of a CourtAllocation of `court`) in a savepoint, claims queued per court.

    Two transactions inserting overlapping periods at once would each wait, in the exclusion
    check, for the other: PostgreSQL breaks that cycle by failing one with a deadlock (a 503
    instead of the contract's 409). Locking the court row first (FOR NO KEY UPDATE: it does
    not block plain FK checks) makes claims on one court wait their turn, so the loser sees a
    committed overlap and gets a clean exclusion violation. A deadlock with a writer that skips
    this lock is retried: after the rollback to the savepoint our row is gone.
    """
    for attempt in range(3):
        try:
            with transaction.atomic():
                court_claim_lock(court.pk)
                return create()
        except OperationalError as exc:
            if getattr(exc.__cause__, "pgcode", None) != _DEADLOCK or attempt == 2:
                raise


def _replace_opening_hours(club: Club, opening_hours: list[dict]) -> None:
    club.opening_hours.all().delete()
    OpeningHours.objects.bulk_create(OpeningHours(club=club, **row) for row in opening_hours)


@transaction.atomic
def club_create(*, organization, opening_hours: list[dict] | None = None, **fields) -> Club:
    club = Club.objects.create(organization=organization, **fields)
    if opening_hours:
        _replace_opening_hours(club, opening_hours)
    return club


@transaction.atomic
def club_update(*, club: Club, opening_hours: list[dict] | None = None, **fields) -> Club:
    for name, value in fields.items():
        setattr(club, name, value)
    club.save()
    if opening_hours is not None:
        _replace_opening_hours(club, opening_hours)
    # Opening hours or slot length may have changed: screens refetch their snapshot.
    publish_club_event(club_id=club.pk, type="club.updated", public=club_updated_data(club))
    return club


@transaction.atomic
def court_create(*, club: Club, name: str, indoor: bool = False, surface: str = "", is_active: bool = True) -> Court:
    court = Court.objects.create(club=club, name=name, indoor=indoor, surface=surface or "artificial_grass",
                                 is_active=is_active)
    publish_club_event(club_id=club.pk, type="court.updated", public=court_updated_data(court))
    return court


@transaction.atomic
def court_update(*, court: Court, **fields) -> Court:
    for name, value in fields.items():
        setattr(court, name, value)
    court.save()
    publish_club_event(club_id=court.club_id, type="court.updated", public=court_updated_data(court))
    return court


@transaction.atomic
def pricing_rule_create(*, club: Club, court: Court | None, weekdays: list[int], start_time, end_time,
                        price_per_hour, priority: int = 0) -> PricingRule:
    return PricingRule.objects.create(club=club, court=court, weekdays=sorted(set(weekdays)),
                                      start_time=start_time, end_time=end_time,
                                      price_per_hour=price_per_hour, priority=priority)


@transaction.atomic
def maintenance_block_create(*, court: Court, start: datetime, end: datetime, reason: str = "",
                             user=None) -> MaintenanceBlock:
    start, end = start.astimezone(UTC), end.astimezone(UTC)  # compare instants, not wall clocks (DST folds)
    if end <= start:
        raise InvalidInput(ClubErrorCode.INVALID_PERIOD, "end must be after start",
                           details={"end": ["end must be after start"]})
    try:
        block = court_time_claim(court=court, create=lambda: MaintenanceBlock.objects.create(
            court=court, period=DateTimeTZRange(start, end, "[)"), status=AllocationStatus.BLOCKED,
            reason=reason, created_by=user,
        ))
    except IntegrityError as exc:
        if is_overlap_violation(exc):
            raise Conflict(ClubErrorCode.SLOT_UNAVAILABLE,
                           "The court has a booking or another block in that time") from exc
        raise
    publish_club_event(club_id=court.club_id, type="court.blocked",
                       public=court_blocked_data(block, club_id=court.club_id, reason=reason))
    return block


@transaction.atomic
def maintenance_block_delete(*, block: MaintenanceBlock) -> None:
    club_id = block.court.club_id
    payload = allocation_payload(block, club_id=club_id)
    block.delete()
    publish_club_event(club_id=club_id, type="court.unblocked", public=court_unblocked_data(payload, status="removed"))


@transaction.atomic
def display_key_create(*, club: Club, name: str, user=None) -> tuple[DisplayKey, str]:
    raw = DisplayKey.generate_key()
    key = DisplayKey.objects.create(club=club, name=name, key_hash=DisplayKey.hash_key(raw),
                                    key_prefix=raw[:10], created_by=user)
    return key, raw


@transaction.atomic
def display_key_revoke(*, key: DisplayKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        key.save(update_fields=["revoked_at", "updated_at"])
        transaction.on_commit(lambda: display_key_revoked.send(sender=DisplayKey, key_id=key.pk))
