"""Front-desk check-in and no-show: staff only, once each, in the right window, live on both streams."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from apps.clubs.models import AllocationStatus
from apps.core.errors import Conflict
from apps.reservations.models import Reservation
from apps.reservations.services import reservation_check_in
from routing.streams import club_stream, staff_stream
from tests.support.factories import ClubFactory, CourtFactory, ReservationFactory, UserFactory, admin_of, staff_of
from tests.support.live import stream_events

pytestmark = pytest.mark.django_db


def auth(client, user):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def world():
    club = ClubFactory(timezone="Europe/Madrid")
    court = CourtFactory(club=club, name="Pista 1")
    player = UserFactory(first_name="Lucía", last_name="Gómez")
    staff = staff_of(club)
    now = timezone.now().replace(microsecond=0)
    return club, court, player, staff, now


def booking(court, player, start, minutes=60, status=AllocationStatus.CONFIRMED):
    return ReservationFactory(court=court, user=player, start=start, end=start + timedelta(minutes=minutes),
                              status=status)


def url(reservation, action):
    return f"/api/v1/reservations/reservations/{reservation.pk}/{action}/"


def test_staff_checks_players_in_and_every_screen_hears_it(api_client, world):
    club, court, player, staff, now = world
    reservation = booking(court, player, now + timedelta(minutes=20))
    response = auth(api_client, staff).post(url(reservation, "check-in"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["message"] == "Checked in"
    assert body["data"]["status"] == "confirmed"
    checked = datetime.fromisoformat(body["data"]["checked_in_at"])
    assert checked.utcoffset() == datetime.now(ZoneInfo("Europe/Madrid")).utcoffset()  # club time
    assert abs((checked - timezone.now()).total_seconds()) < 30
    reservation.refresh_from_db()
    assert reservation.checked_in_at is not None

    (desk,) = stream_events(staff_stream(club.pk), "checkin.checked_in")
    assert desk.data["reservation"] == str(reservation.pk)
    assert desk.data["player"]["name"] == player.full_name
    assert desk.data["by"]["id"] == str(staff.pk)
    assert desk.data["checked_in_at"] is not None
    (public,) = stream_events(club_stream(club.pk), "reservation.updated")
    assert public.data["id"] == str(reservation.pk)
    assert public.data["slot_status"] == "booked"
    assert "player" not in public.data  # the club stream is public: no names
    (staff_update,) = stream_events(staff_stream(club.pk), "reservation.updated")
    assert staff_update.data["reason"] == "checked_in"
    assert staff_update.seq + 1 == desk.seq  # one transaction, consecutive seqs
    # the list staff load the day from carries it too
    listed = api_client.get(f"/api/v1/reservations/reservations/?club={club.pk}").json()["data"]
    assert listed[0]["checked_in_at"] == body["data"]["checked_in_at"]


def test_check_in_twice_is_a_conflict_and_publishes_nothing_more(api_client, world):
    club, court, player, staff, now = world
    reservation = booking(court, player, now - timedelta(minutes=5))
    auth(api_client, staff)
    assert api_client.post(url(reservation, "check-in")).status_code == 200
    before = len(stream_events(staff_stream(club.pk)))
    again = api_client.post(url(reservation, "check-in"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_checked_in"
    assert len(stream_events(staff_stream(club.pk))) == before


@pytest.mark.parametrize("status", [AllocationStatus.HELD, AllocationStatus.CANCELLED, AllocationStatus.EXPIRED,
                                    AllocationStatus.COMPLETED])
def test_only_confirmed_bookings_check_in(api_client, world, status):
    club, court, player, staff, now = world
    reservation = booking(court, player, now + timedelta(minutes=10), status=status)
    response = auth(api_client, staff).post(url(reservation, "check-in"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reservation_not_confirmed"
    assert response.json()["success"] is False
    assert stream_events(staff_stream(club.pk)) == []


def test_check_in_opens_an_hour_before_the_start(api_client, world):
    club, court, player, staff, now = world
    tomorrow = booking(court, player, now + timedelta(hours=3))
    response = auth(api_client, staff).post(url(tomorrow, "check-in"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "check_in_not_open"
    # exactly an hour before is already fine (service with a fixed clock)
    reservation = booking(court, player, now + timedelta(hours=5))
    reservation_check_in(reservation=reservation, actor=staff, now=reservation.period.lower - timedelta(hours=1))


def test_no_show_only_after_the_start(api_client, world):
    club, court, player, staff, now = world
    upcoming = booking(court, player, now + timedelta(minutes=30))
    auth(api_client, staff)
    early = api_client.post(url(upcoming, "no-show"))
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "no_show_too_early"
    upcoming.refresh_from_db()
    assert upcoming.status == AllocationStatus.CONFIRMED

    started = booking(CourtFactory(club=club), player, now - timedelta(minutes=15), minutes=90)
    response = api_client.post(url(started, "no-show"))
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["status"] == "no_show"
    started.refresh_from_db()
    assert started.status == AllocationStatus.NO_SHOW
    (desk,) = stream_events(staff_stream(club.pk), "checkin.no_show")
    assert desk.data["reservation"] == str(started.pk)
    assert desk.data["status"] == "no_show"
    (public,) = stream_events(club_stream(club.pk), "reservation.updated")
    assert public.data["status"] == "no_show"
    assert public.data["slot_status"] == "booked"  # the court time stays taken (and counted)

    again = api_client.post(url(started, "no-show"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_no_show"
    after = api_client.post(url(started, "check-in"))
    assert after.status_code == 409
    assert after.json()["error"]["code"] == "already_no_show"


def test_checked_in_players_are_not_a_no_show(api_client, world):
    club, court, player, staff, now = world
    reservation = booking(court, player, now - timedelta(minutes=10))
    auth(api_client, staff)
    assert api_client.post(url(reservation, "check-in")).status_code == 200
    response = api_client.post(url(reservation, "no-show"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_checked_in"
    reservation.refresh_from_db()
    assert reservation.status == AllocationStatus.CONFIRMED


def test_cancelled_booking_cannot_be_a_no_show(api_client, world):
    club, court, player, staff, now = world
    reservation = booking(court, player, now - timedelta(minutes=10), status=AllocationStatus.CANCELLED)
    response = auth(api_client, staff).post(url(reservation, "no-show"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reservation_not_confirmed"


def test_players_and_strangers_may_not(api_client, world):
    club, court, player, staff, now = world
    reservation = booking(court, player, now - timedelta(minutes=10))
    # the player who booked sees the booking but may not check themselves in
    for action in ("check-in", "no-show"):
        response = auth(api_client, player).post(url(reservation, action))
        assert response.status_code == 403, action
        assert response.json()["error"]["code"] == "permission_denied"
    # staff of another club, and a random player: not even its existence
    other_staff = staff_of(ClubFactory())
    for user in (other_staff, UserFactory()):
        response = auth(api_client, user).post(url(reservation, "check-in"))
        assert response.status_code == 404
    api_client.credentials()
    assert api_client.post(url(reservation, "check-in")).status_code == 401
    reservation.refresh_from_db()
    assert (reservation.status, reservation.checked_in_at) == (AllocationStatus.CONFIRMED, None)
    assert stream_events(staff_stream(club.pk)) == []


def test_org_admins_and_owners_may(api_client, world):
    from apps.organizations.models import Role

    club, court, player, staff, now = world
    owner = staff_of(club, role=Role.CLUB_OWNER)
    admin = admin_of(club.organization)
    first = booking(court, player, now - timedelta(minutes=10))
    second = booking(CourtFactory(club=club), player, now - timedelta(minutes=10))
    assert auth(api_client, owner).post(url(first, "check-in")).status_code == 200
    assert auth(api_client, admin).post(url(second, "no-show")).status_code == 200


def test_unknown_id_is_a_404_envelope(api_client, world):
    club, court, player, staff, now = world
    response = auth(api_client, staff).post("/api/v1/reservations/reservations/"
                                            "00000000-0000-0000-0000-000000000000/check-in/")
    assert response.status_code == 404
    assert response.json()["success"] is False


@pytest.mark.django_db(transaction=True)
def test_a_failed_transaction_publishes_nothing(world):
    club, court, player, staff, now = world
    reservation = booking(court, player, now - timedelta(minutes=10))

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        reservation_check_in(reservation=reservation, actor=staff)
        raise Boom
    reservation.refresh_from_db()
    assert reservation.checked_in_at is None
    assert stream_events(staff_stream(club.pk)) == [] and stream_events(club_stream(club.pk)) == []


@pytest.mark.django_db(transaction=True)
def test_two_desks_checking_in_at_once_make_one_check_in(world):
    """The row lock serialises the two: one wins, the other sees it done."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection

    club, court, player, staff, now = world
    reservation = booking(court, player, now - timedelta(minutes=10))
    barrier = Barrier(2)

    def desk():
        try:
            barrier.wait(timeout=10)
            reservation_check_in(reservation=Reservation.objects.get(pk=reservation.pk), actor=staff)
            return "ok"
        except Conflict as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(lambda _: desk(), range(2)))
    assert results == ["already_checked_in", "ok"]
    assert len(stream_events(staff_stream(club.pk), "checkin.checked_in")) == 1
