"""Revocation: logout and expiry close the token's sockets with 4401 within a second; revoking a
display key closes its sockets (CONTRACT §3)."""
from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async

from tests.support.live import LiveClient, access_token, close_code_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer")]


def login(user):
    from apps.accounts.services import tokens_issue

    return tokens_issue(user=user)


def rest_logout(tokens):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    response = client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200, response.content


async def test_logout_closes_that_tokens_sockets_within_a_second(world):
    first, second = await sync_to_async(lambda: (login(world.player), login(world.player)))()
    club = LiveClient(world.club_path, token=first["access"])
    mine = LiveClient("/ws/me/", token=first["access"])
    other_token = LiveClient(world.club_path, token=second["access"])
    anonymous = LiveClient(world.club_path)
    for client in (club, mine, other_token, anonymous):
        await client.connect()
    try:
        await sync_to_async(rest_logout)(first)
        answered = time.monotonic()
        assert await club.wait_closed(timeout=1) == 4401
        assert await mine.wait_closed(timeout=1) == 4401
        assert time.monotonic() - answered < 1.0
        for still_open in (other_token, anonymous):  # only that token's sockets
            assert (await still_open.ping())["type"] == "pong"
        assert await close_code_of(world.club_path, token=first["access"]) == 4401
    finally:
        for client in (club, mine, other_token, anonymous):
            await client.disconnect()


async def test_token_expiry_closes_the_socket(world):
    token = await sync_to_async(access_token)(world.player, timedelta(seconds=2))
    from rest_framework_simplejwt.tokens import AccessToken

    exp = AccessToken(token)["exp"]
    client = LiveClient("/ws/me/", token=token)
    await client.connect()
    try:
        assert await client.wait_closed(timeout=exp - time.time() + 1.0) == 4401
        assert exp <= time.time() < exp + 1.0
    finally:
        await client.disconnect()


async def test_display_key_revocation_closes_its_sockets(world):
    def setup():
        from apps.clubs.services import display_key_create

        world.club.is_public = False
        world.club.save(update_fields=["is_public"])
        key, raw = display_key_create(club=world.club, name="Court TV")
        _other, other_raw = display_key_create(club=world.club, name="Bar TV")
        return key, raw, other_raw, access_token(world.staff)

    key, raw, other_raw, staff_token = await sync_to_async(setup)()
    screen, other_screen = LiveClient(world.club_path, display_key=raw), LiveClient(world.club_path,
                                                                                     display_key=other_raw)
    await screen.connect()
    await other_screen.connect()
    try:
        def revoke():
            from rest_framework.test import APIClient

            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {staff_token}")
            response = client.delete(f"/api/v1/clubs/display-keys/{key.pk}/")
            assert response.status_code == 200, response.content

        await sync_to_async(revoke)()
        answered = time.monotonic()
        assert await screen.wait_closed(timeout=1) == 4401
        assert time.monotonic() - answered < 1.0
        assert (await other_screen.ping())["type"] == "pong"
        assert await close_code_of(world.club_path, display_key=raw) == 4401
    finally:
        await screen.disconnect()
        await other_screen.disconnect()


async def test_revocation_between_the_check_and_the_group_join_still_closes(world, monkeypatch):
    """The revocation message went out before this socket joined its token group; the check
    after joining catches it."""
    import consumers.base

    tokens = await sync_to_async(login)(world.player)
    original = consumers.base.check_subscription

    def check_then_logout(*args, **kwargs):
        decision = original(*args, **kwargs)
        rest_logout(tokens)
        return decision

    monkeypatch.setattr(consumers.base, "check_subscription", check_then_logout)
    assert await close_code_of(world.club_path, token=tokens["access"]) == 4401


async def test_periodic_check_closes_when_the_message_was_lost(world, settings, monkeypatch):
    import routing.signals

    settings.LIVE_CHECK_INTERVAL_SECONDS = 0.3
    monkeypatch.setattr(routing.signals, "close_group", lambda group: None)  # the layer lost it
    tokens = await sync_to_async(login)(world.player)
    client = LiveClient(world.club_path, token=tokens["access"])
    await client.connect()
    try:
        await sync_to_async(rest_logout)(tokens)
        assert await client.wait_closed(timeout=3) == 4401
    finally:
        await client.disconnect()


async def test_periodic_check_closes_staff_socket_when_membership_ends(world, settings):
    settings.LIVE_CHECK_INTERVAL_SECONDS = 0.3
    token = await sync_to_async(access_token)(world.staff)
    client = LiveClient(world.staff_path, token=token)
    await client.connect()
    try:
        await asyncio.sleep(0.5)
        assert (await client.ping())["type"] == "pong"  # checks so far let it stay

        def remove():
            from apps.organizations.models import Membership

            Membership.objects.filter(user=world.staff).delete()

        await sync_to_async(remove)()
        assert await client.wait_closed(timeout=3) == 4403
    finally:
        await client.disconnect()
