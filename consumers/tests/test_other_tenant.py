"""Another organization's staff may not listen to this club's private streams (CONTRACT §3):
its club staff, club owner and org admin all get 4403 on the staff stream, on a private club's
stream and on a private tournament's stream, while this club's staff get in."""
from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from apps.organizations.models import Role
from tests.support.factories import ClubFactory, admin_of, staff_of
from tests.support.live import access_token, close_code_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("channel_layer")]


def _other_organization_staff() -> dict[str, str]:
    """Tokens of every staff role of a club in another organization."""
    elsewhere = ClubFactory(is_public=False)
    return {"club_staff": access_token(staff_of(elsewhere)),
            "club_owner": access_token(staff_of(elsewhere, role=Role.CLUB_OWNER)),
            "org_admin": access_token(admin_of(elsewhere.organization))}


@pytest.fixture
async def strangers(world):
    return await sync_to_async(_other_organization_staff)()


async def _assert_refused(path: str, strangers: dict[str, str], own_staff_token: str):
    for role, token in strangers.items():
        assert await close_code_of(path, token=token) == 4403, role
    assert await close_code_of(path, token=own_staff_token) is None  # the club's own staff get in


async def test_other_organizations_staff_get_4403_on_a_staff_stream(world, strangers):
    own = await sync_to_async(access_token)(world.staff)
    await _assert_refused(world.staff_path, strangers, own)


async def test_other_organizations_staff_get_4403_on_a_private_club_stream(world, strangers):
    def make_private():
        world.club.is_public = False
        world.club.save(update_fields=["is_public"])
        return access_token(world.staff)

    own = await sync_to_async(make_private)()
    await _assert_refused(world.club_path, strangers, own)


async def test_other_organizations_staff_get_4403_on_a_private_tournament_stream(world, strangers):
    def private_tournament():
        from apps.tournaments.models import Tournament

        tournament = Tournament.objects.create(club=world.club, name="Closed cup", format="single_elimination",
                                               currency=world.club.currency, is_public=False)
        return f"/ws/tournaments/{tournament.pk}/", access_token(world.staff)

    path, own = await sync_to_async(private_tournament)()
    await _assert_refused(path, strangers, own)
