"""Without Stripe keys clubs run in pay-at-club mode; staff record desk payments."""
import pytest

from apps.payments.models import Payment
from apps.payments.tests.helpers import auth, book, online_court, staff_events
from tests.factories import UserFactory, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_keys(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""


def test_club_requiring_online_payment_runs_pay_at_club_without_keys(api_client, no_keys):
    court = online_court()  # requires_online_payment, but nothing to take payments with
    data = book(api_client, UserFactory(), court)
    assert data["status"] == "confirmed"
    assert data["payment"]["mode"] == "pay_at_club" and "client_secret" not in data["payment"]
    assert data["payment"]["amount_due"] == "20.00"
    assert Payment.objects.count() == 0


def test_staff_mark_paid_at_the_desk(api_client, no_keys):
    court = online_court()
    owner = UserFactory()
    data = book(api_client, owner, court)
    url = f"/api/v1/reservations/reservations/{data['id']}/mark-paid/"
    assert auth(api_client, UserFactory()).post(url).status_code == 404  # existence not revealed
    assert auth(api_client, owner).post(url).status_code == 403  # the player cannot mark it paid
    staff = staff_of(court.club)

    too_much = auth(api_client, staff).post(url, {"amount": "25.00"}, format="json")
    assert too_much.status_code == 400 and "amount" in too_much.json()["error"]["details"]
    part = auth(api_client, staff).post(url, {"amount": "5.00"}, format="json")
    assert part.status_code == 200, part.json()
    assert part.json()["data"]["amount_due"] == "15.00"
    rest = auth(api_client, staff).post(url, format="json")
    assert rest.status_code == 200 and rest.json()["data"]["paid_amount"] == "20.00"
    again = auth(api_client, staff).post(url, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_paid"

    received = staff_events(court.club_id, "payment.received")
    assert [e.data["amount"] for e in received] == ["5.00", "15.00"]
    assert received[-1].data["recorded_by"]["id"] == str(staff.pk) and received[-1].data["method"] == "desk"
    assert list(Payment.objects.values_list("method", flat=True)) == ["desk", "desk"]


def test_online_booking_cannot_be_marked_paid_at_the_desk(api_client, fake_stripe):
    court = online_court()
    data = book(api_client, UserFactory(), court)
    response = auth(api_client, staff_of(court.club)).post(
        f"/api/v1/reservations/reservations/{data['id']}/mark-paid/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_payable"
