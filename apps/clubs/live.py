"""Clubs in the live layer: display keys as credentials (`?display_key=`, revocation closing
their sockets) and the target of a club's streams. Registered from ClubsConfig.ready(); the
club and staff stream kinds themselves come with apps.reservations (availability lives there)."""
from __future__ import annotations

from apps.clubs import events
from apps.clubs.models import Club, DisplayKey
from apps.clubs.signals import display_key_revoked
from routing import signals
from routing.permissions import StreamTarget, register_credentials
from routing.schemas import register_event_types
from routing.streams import stream_for


def club_target(kind: str, club: Club) -> StreamTarget:
    """The target of `club:{id}` or `staff:{id}`."""
    return StreamTarget(kind=kind, id=club.pk, stream=stream_for(kind, club.pk), is_public=club.is_public,
                        club_id=club.pk, organization_id=club.organization_id, obj=club)


def read_display_key(raw: str) -> DisplayKey | None:
    return (DisplayKey.objects.filter(key_hash=DisplayKey.hash_key(raw), revoked_at__isnull=True)
            .select_related("club").first())


def display_key_still_valid(key: DisplayKey) -> bool:
    return DisplayKey.objects.filter(pk=key.pk, revoked_at__isnull=True).exists()


def register() -> None:
    register_credentials(read_display_key=read_display_key, display_key_valid=display_key_still_valid)
    display_key_revoked.connect(signals.on_display_key_revoked, dispatch_uid="live-display-key-revoked")
    register_event_types(events.EVENT_TYPES)
