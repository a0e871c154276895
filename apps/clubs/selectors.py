"""Reads of clubs: the querysets the clubs API lists (the tenant mixin narrows them to the
caller's scope) and the checks its serializers make."""
from __future__ import annotations

from django.db.models import Prefetch

from apps.clubs.models import Club, Court, DisplayKey, MaintenanceBlock, OpeningHours, PricingRule


def club_list():
    return Club.objects.prefetch_related(Prefetch("opening_hours", queryset=OpeningHours.objects.all()))


def court_list():
    return Court.objects.select_related("club")


def pricing_rule_list():
    return PricingRule.objects.all()


def maintenance_block_list():
    return MaintenanceBlock.objects.select_related("court", "court__club").order_by("period")


def display_key_list():
    """Keys still valid: a revoked key is gone for the API."""
    return DisplayKey.objects.filter(revoked_at__isnull=True)


def club_list_staffed(scope):
    """Clubs the caller may write to (staff, owners, org admins)."""
    return Club.objects.filter(id__in=scope.staff_club_ids)


def court_list_staffed(scope):
    return Court.objects.filter(club_id__in=scope.staff_club_ids).select_related("club")


def club_slug_taken(slug: str, *, exclude_pk=None) -> bool:
    taken = Club.objects.filter(slug=slug)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    return taken.exists()


def court_name_taken(*, club, name: str, exclude_pk=None) -> bool:
    clash = Court.objects.filter(club=club, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    return clash.exists()
