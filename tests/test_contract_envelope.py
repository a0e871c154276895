"""CONTRACT §1: every /api/v1/ answer is the envelope; status codes keep their meaning; request ids."""
import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from tests.support.api import at, client_for, err, future_day, ok
from tests.support.factories import ClubFactory, CourtFactory, UserFactory, staff_of

pytestmark = pytest.mark.django_db


def test_success_envelope_on_a_single_object():
    club = ClubFactory()
    response = APIClient().get(f"/api/v1/clubs/clubs/{club.pk}/")
    body = response.json()
    assert list(body) == ["success", "data", "message", "meta"]
    assert ok(response, paginated=False)["id"] == str(club.pk)


def test_list_envelope_carries_pagination():
    ClubFactory.create_batch(3)
    response = APIClient().get("/api/v1/clubs/clubs/", {"page_size": 2})
    body = response.json()
    assert list(body) == ["success", "data", "message", "pagination", "meta"]
    assert len(ok(response, paginated=True)) == 2
    assert body["pagination"] == {"page": 1, "page_size": 2, "total_count": 3, "total_pages": 2}


def test_created_answers_201_with_a_message():
    court = CourtFactory()
    day = future_day(court.club, 2)
    response = client_for(UserFactory()).post("/api/v1/reservations/reservations/", {
        "court": str(court.pk), "start": at(court.club, day, 10).isoformat(),
        "end": at(court.club, day, 11).isoformat()}, format="json")
    ok(response, 201)
    assert response.json()["message"] == "Reservation created"


def test_delete_answers_200_with_data_null():
    club = ClubFactory()
    staff = client_for(staff_of(club))
    key = ok(staff.post("/api/v1/clubs/display-keys/", {"club": str(club.pk), "name": "TV"}, format="json"), 201)
    response = staff.delete(f"/api/v1/clubs/display-keys/{key['id']}/")
    assert response.status_code == 200 and response.content  # never a bare 204
    assert ok(response) is None


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/clubs/clubs/not-a-uuid/",
                                  "/api/v1/clubs/clubs/00000000-0000-0000-0000-000000000000/"])
def test_404_is_an_envelope(path):
    err(APIClient().get(path), 404, "not_found")


def test_401_403_405_are_envelopes():
    club = ClubFactory()
    err(APIClient().get("/api/v1/auth/me/"), 401, "not_authenticated")
    err(client_for(staff_of(club)).patch(f"/api/v1/clubs/clubs/{club.pk}/", {"name": "x"}, format="json"),
        403, "permission_denied")
    err(client_for(UserFactory()).delete(f"/api/v1/clubs/clubs/{club.pk}/"), 405, "method_not_allowed")


def test_validation_errors_map_fields_to_messages():
    error = err(APIClient().post("/api/v1/auth/register/", {"email": "nope"}, format="json"), 400,
                "validation_error")
    assert isinstance(error["details"]["email"], list) and isinstance(error["details"]["email"][0], str)
    assert isinstance(error["details"]["password"], list)


def test_request_id_is_kept_when_sane_and_made_up_otherwise():
    response = APIClient().get("/api/v1/clubs/clubs/", HTTP_X_REQUEST_ID="edge-abc-12345678")
    assert response["X-Request-ID"] == "edge-abc-12345678"
    assert response.json()["meta"]["request_id"] == "edge-abc-12345678"
    response = APIClient().get("/api/v1/clubs/clubs/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert response["X-Request-ID"] != "<script>alert(1)</script>" and len(response["X-Request-ID"]) == 32
    assert response.json()["meta"]["request_id"] == response["X-Request-ID"]
    error_response = APIClient().get("/api/v1/auth/me/")
    assert error_response.json()["meta"]["request_id"] == error_response["X-Request-ID"]
    # two requests, two ids
    assert APIClient().get("/health/")["X-Request-ID"] != APIClient().get("/health/")["X-Request-ID"]


def test_an_unexpected_error_is_a_500_envelope_without_traceback(monkeypatch):
    from apps.reservations import selectors

    def explode(**kwargs):
        raise RuntimeError("secret internals: /work/main/apps/reservations/selectors.py line 42")

    monkeypatch.setattr(selectors, "availability_for", explode)
    club = ClubFactory()
    client = APIClient()
    client.raise_request_exception = False
    response = client.get("/api/v1/reservations/availability/", {"club": str(club.pk)})
    error = err(response, 500, "server_error")
    text = response.content.decode()
    assert "Traceback" not in text and "secret internals" not in text and "selectors.py" not in text
    assert error["details"] == {}


def test_a_lost_database_is_a_503_envelope_with_retry_after(monkeypatch):
    from apps.reservations import selectors

    def db_down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(selectors, "availability_for", db_down)
    club = ClubFactory()
    response = APIClient().get("/api/v1/reservations/availability/", {"club": str(club.pk)})
    err(response, 503, "service_unavailable")
    assert response["Retry-After"]
    assert "could not connect" not in response.content.decode()
