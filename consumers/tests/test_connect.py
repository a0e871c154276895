"""Connecting: hello then snapshot, who may subscribe, close codes 4401/4403/4404 (CONTRACT §3)."""
from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async

from routing.streams import club_stream
from tests.support.factories import ClubFactory, UserFactory, admin_of, staff_of
from tests.support.live import LiveClient, abook, access_token, close_code_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer")]


async def test_hello_then_snapshot_in_availability_shape(world):
    await abook(world, hour=10)
    client = LiveClient(world.club_path)
    hello = await client.connect()
    try:
        assert hello["stream"] == club_stream(world.club.pk)
        assert hello["seq"] == 1 and hello["data"]["mode"] == "snapshot"
        snapshot = client.messages[1]
        assert snapshot["type"] == "snapshot" and snapshot["seq"] == 1
        from apps.reservations.selectors import availability_for, club_today

        today = await sync_to_async(club_today)(world.club)
        fresh = await sync_to_async(availability_for)(club=world.club, day=today)
        data = snapshot["data"]
        assert data["date"] == today.isoformat() and data["seq"] == 1  # default day: the club's today
        assert {k: v for k, v in data.items() if k != "courts"} == {k: v for k, v in fresh.items() if k != "courts"}
        assert [(c["id"], [s["start"] for s in c["slots"]]) for c in data["courts"]] == [
            (c["id"], [s["start"] for s in c["slots"]]) for c in fresh["courts"]]  # statuses may tick to "past"
    finally:
        await client.disconnect()


async def test_date_parameter_selects_the_snapshot_day(world):
    await abook(world, hour=10)
    client = LiveClient(world.club_path, date=world.day.isoformat())
    await client.connect()
    try:
        from apps.reservations.selectors import availability_for

        fresh = await sync_to_async(availability_for)(club=world.club, day=world.day)
        assert client.state == fresh
        statuses = [s["status"] for s in client.state["courts"][0]["slots"] if s["start"][11:13] == "10"]
        assert statuses == ["booked", "booked"]
    finally:
        await client.disconnect()


async def test_unreadable_date_falls_back_to_today(world):
    client = LiveClient(world.club_path, date="not-a-date")
    await client.connect()
    try:
        from apps.reservations.selectors import club_today

        assert client.state["date"] == (await sync_to_async(club_today)(world.club)).isoformat()
    finally:
        await client.disconnect()


async def test_empty_stream_says_seq_zero(world):
    client = LiveClient(world.club_path)
    hello = await client.connect()
    try:
        assert hello["seq"] == 0 and client.state["seq"] == 0
    finally:
        await client.disconnect()


async def test_staff_snapshot_adds_reservations_with_player_names(world):
    reservation = await abook(world, hour=12)
    token = await sync_to_async(access_token)(world.staff)
    client = LiveClient(world.staff_path, token=token, date=world.day.isoformat())
    hello = await client.connect()
    try:
        assert hello["stream"] == f"staff:{world.club.pk}" and hello["seq"] == 1
        rows = client.state["reservations"]
        assert [r["id"] for r in rows] == [str(reservation.pk)]
        assert rows[0]["player"]["name"] == world.player.full_name
        assert rows[0]["slot_status"] == "booked" and rows[0]["court"] == str(world.courts[0].pk)
        assert client.state["seq"] == 1  # the staff stream's seq, not the club stream's
    finally:
        await client.disconnect()


# --- refusals ---------------------------------------------------------------------------------

async def test_unknown_and_malformed_ids_are_4404(world):
    assert await close_code_of(f"/ws/clubs/{uuid.uuid4()}/") == 4404
    assert await close_code_of("/ws/clubs/not-a-uuid/") == 4404
    assert await close_code_of("/ws/clubs/123/staff/") == 4404
    assert await close_code_of(f"/ws/clubs/{uuid.uuid4()}/staff/") == 4404
    assert await close_code_of("/ws/nothing-here/") == 4404
    # unknown id wins over bad credentials: 4404 comes first
    assert await close_code_of(f"/ws/clubs/{uuid.uuid4()}/", token="garbage") == 4404


async def test_tournament_stream_without_resolver_is_4404(world):
    assert await close_code_of(f"/ws/tournaments/{uuid.uuid4()}/") == 4404


async def test_public_club_open_to_anyone_but_bad_credentials_are_4401(world):
    assert await close_code_of(world.club_path) is None
    assert await close_code_of(world.club_path, token="not-a-jwt") == 4401
    assert await close_code_of(world.club_path, display_key="dk_nope") == 4401
    token = await sync_to_async(access_token)(world.player)
    assert await close_code_of(world.club_path, token=token) is None
    # one good and one bad credential: still 4401
    assert await close_code_of(world.club_path, token=token, display_key="dk_nope") == 4401


async def test_expired_token_is_4401(world):
    from datetime import timedelta

    token = await sync_to_async(access_token)(world.player, timedelta(seconds=-5))
    assert await close_code_of(world.club_path, token=token) == 4401


async def test_private_club(world):
    def setup():
        from apps.clubs.services import display_key_create
        from apps.organizations.models import Membership, Role

        world.club.is_public = False
        world.club.save(update_fields=["is_public"])
        _key, raw = display_key_create(club=world.club, name="TV")
        _other, other_raw = display_key_create(club=ClubFactory(), name="TV elsewhere")
        member = UserFactory()  # staff of a sibling club in the same organization
        sibling = ClubFactory(organization=world.club.organization)
        Membership.objects.create(user=member, organization=world.club.organization, club=sibling,
                                  role=Role.CLUB_STAFF)
        return {"key": raw, "other_key": other_raw, "player": access_token(world.player),
                "staff": access_token(world.staff), "admin": access_token(admin_of(world.club.organization)),
                "member": access_token(member)}

    creds = await sync_to_async(setup)()
    assert await close_code_of(world.club_path) == 4401  # credentials needed and missing
    assert await close_code_of(world.club_path, token=creds["player"]) == 4403
    assert await close_code_of(world.club_path, display_key=creds["other_key"]) == 4403
    assert await close_code_of(world.club_path, display_key=creds["key"]) is None
    assert await close_code_of(world.club_path, token=creds["staff"]) is None
    assert await close_code_of(world.club_path, token=creds["admin"]) is None
    assert await close_code_of(world.club_path, token=creds["member"]) is None


async def test_staff_stream(world):
    def setup():
        from apps.clubs.services import display_key_create
        from apps.organizations.models import Role

        _key, raw = display_key_create(club=world.club, name="TV")
        return {"key": raw, "player": access_token(world.player), "staff": access_token(world.staff),
                "owner": access_token(staff_of(world.club, role=Role.CLUB_OWNER)),
                "admin": access_token(admin_of(world.club.organization))}

    creds = await sync_to_async(setup)()
    assert await close_code_of(world.staff_path) == 4401
    assert await close_code_of(world.staff_path, token="garbage") == 4401
    assert await close_code_of(world.staff_path, token=creds["player"]) == 4403
    assert await close_code_of(world.staff_path, display_key=creds["key"]) == 4403  # screens are not staff
    for who in ("staff", "owner", "admin"):
        assert await close_code_of(world.staff_path, token=creds[who]) is None, who


@pytest.mark.placeholder_events  # made-up event data
async def test_user_stream_is_the_token_owners(world):
    from routing.publisher import publish
    from routing.streams import user_stream

    token = await sync_to_async(access_token)(world.player)
    assert await close_code_of("/ws/me/") == 4401
    assert await close_code_of("/ws/me/", token="garbage") == 4401
    client = LiveClient("/ws/me/", token=token)
    hello = await client.connect()
    try:
        assert hello["stream"] == user_stream(world.player.pk)
        assert client.state == {"user": str(world.player.pk), "notifications": []}

        def notify():
            from django.db import transaction

            with transaction.atomic():
                publish(user_stream(world.player.pk), "notification", {"title": "Court 1 is yours"})
                publish(user_stream(world.staff.pk), "notification", {"title": "not for the player"})

        await sync_to_async(notify)()
        await client.wait_for_seq(1)
        assert client.events[0]["type"] == "notification"
        assert client.events[0]["data"] == {"title": "Court 1 is yours"}
        assert await client.pump() == 0
    finally:
        await client.disconnect()


@pytest.mark.placeholder_events  # made-up event data
async def test_tournament_stream_with_test_resolver(world, tournaments):
    from django.db import transaction

    from routing.publisher import publish
    from routing.streams import tournament_stream

    public_id, private_id = uuid.uuid4(), uuid.uuid4()
    tournaments[public_id] = {"is_public": True, "bracket": {"rounds": 1}, "matches": [{"id": "m1"}]}
    tournaments[private_id] = {"is_public": False, "club_id": world.club.pk, "bracket": {}, "matches": []}
    assert await close_code_of(f"/ws/tournaments/{uuid.uuid4()}/") == 4404
    assert await close_code_of(f"/ws/tournaments/{private_id}/") == 4401
    player, staff = await sync_to_async(lambda: (access_token(world.player), access_token(world.staff)))()
    assert await close_code_of(f"/ws/tournaments/{private_id}/", token=player) == 4403
    assert await close_code_of(f"/ws/tournaments/{private_id}/", token=staff) is None

    client = LiveClient(f"/ws/tournaments/{public_id}/")
    await client.connect()
    try:
        assert client.state == {"tournament": str(public_id), "bracket": {"rounds": 1}, "matches": [{"id": "m1"}]}

        def score():
            with transaction.atomic():
                publish(tournament_stream(public_id), "match.score", {"match": "m1", "points": ["15", "0"]})

        await sync_to_async(score)()
        await client.wait_for_seq(1)
        assert client.events[0]["type"] == "match.score"
        assert client.events[0]["stream"] == tournament_stream(public_id)
    finally:
        await client.disconnect()


async def test_wrong_origin_is_refused_at_handshake(world):
    from channels.testing import WebsocketCommunicator

    from project.asgi import application

    comm = WebsocketCommunicator(application, world.club_path, headers=[(b"origin", b"http://evil.example")])
    connected, _ = await comm.connect()
    assert not connected
    await comm.disconnect()
