"""Every date the API takes is bounded (apps/core/fields.py: years 2000..2999): year 9999 or 1 is a
400 naming the field, never an overflow when the value meets a club's timezone; malformed path
tokens are 404 (issue 10, "Data that stays whole")."""
import pytest

from apps.clubs.models import MaintenanceBlock
from tests.support.api import client_for
from tests.support.factories import ClubFactory, CourtFactory, staff_of
from tests.support.tournaments import make_tournament

pytestmark = pytest.mark.django_db

FAR = ("9999-12-31T20:00:00Z", "9999-12-31T23:00:00Z")


@pytest.fixture
def desk():
    club = ClubFactory(timezone="Pacific/Kiritimati")  # UTC+14: year 9999 overflows here first
    court = CourtFactory(club=club)
    return club, court, client_for(staff_of(club))


def _error(response, status=400):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is False
    return body["error"]


@pytest.mark.parametrize("start, end, field", [
    (*FAR, "start"),
    ("2027-01-02T10:00:00Z", "9999-12-31T23:00:00Z", "end"),
    ("0001-01-01T10:00:00Z", "2027-01-02T10:00:00Z", "start"),
])
def test_a_maintenance_block_out_of_range_is_400_and_the_list_stays_whole(desk, start, end, field):
    club, court, client = desk
    error = _error(client.post("/api/v1/clubs/maintenance-blocks/",
                               {"court": str(court.pk), "start": start, "end": end, "reason": "x"}, format="json"))
    assert field in error["details"]
    assert not MaintenanceBlock.objects.filter(court=court).exists()
    assert client.get(f"/api/v1/clubs/maintenance-blocks/?court={court.pk}").status_code == 200


def test_a_block_ending_before_it_starts_is_400(desk):
    _club, court, client = desk
    error = _error(client.post("/api/v1/clubs/maintenance-blocks/", {
        "court": str(court.pk), "start": "2027-01-02T22:30:00-06:00", "end": "2027-01-02T22:00:00-06:00",
        "reason": "x"}, format="json"))
    assert "end" in error["details"]
    assert not MaintenanceBlock.objects.filter(court=court).exists()


def test_scheduling_a_tournament_in_year_9999_is_400(desk):
    club, _court, client = desk
    tournament = make_tournament(club, entries=4)
    client.post(f"/api/v1/tournaments/tournaments/{tournament.pk}/generate/")
    error = _error(client.post(f"/api/v1/tournaments/tournaments/{tournament.pk}/schedule/",
                               {"start_date": "9999-12-31", "match_minutes": 60}, format="json"))
    assert "start_date" in error["details"]


@pytest.mark.parametrize("path", [
    "/api/v1/reservations/availability/?club={club}&date=9999-12-31",
    "/api/v1/tournaments/matches/?club={club}&date=9999-12-31",
    "/api/v1/reservations/reservations/?date=9999-12-31",
])
def test_date_query_params_out_of_range_are_400(desk, path):
    club, _court, client = desk
    assert "date" in _error(client.get(path.format(club=club.pk)))["details"]


def test_a_report_over_year_9999_is_400(desk):
    club, _court, client = desk
    error = _error(client.post("/api/v1/reports/", {"club": str(club.pk), "kind": "revenue",
                                                    "date_from": "9999-12-01", "date_to": "9999-12-31"},
                               format="json"))
    assert "date_from" in error["details"] or "date_to" in error["details"]


@pytest.mark.parametrize("token", ["%00", "a%00b", "x" * 300, "not a token", "' OR 1=1 --"])
def test_malformed_pay_link_tokens_are_404(api_client, token):
    assert _error(api_client.get(f"/api/v1/payments/pay/{token}/"), 404)["code"] == "not_found"
