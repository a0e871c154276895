"""Without Stripe keys clubs run in pay-at-club mode; staff record desk payments."""
from decimal import Decimal

import pytest

from apps.payments.models import Payment
from tests.support.factories import ClubFactory, UserFactory, staff_of
from tests.support.live import staff_events
from tests.support.payments import auth, book, online_court

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


# --- refunds handed back at the desk ---

def _paid_at_desk(api_client, court, owner, *, days=2):
    data = book(api_client, owner, court, days=days)
    staff = staff_of(court.club)
    paid = auth(api_client, staff).post(f"/api/v1/reservations/reservations/{data['id']}/mark-paid/",
                                        format="json")
    assert paid.status_code == 200, paid.json()
    return data["id"], staff


def test_a_cancelled_desk_paid_booking_owes_a_refund_until_staff_hand_it_back(
        api_client, no_keys, django_capture_on_commit_callbacks):
    from apps.notifications.models import Kind, Notification
    from apps.payments.models import Refund
    from apps.reservations.models import Reservation

    court = online_court()
    owner = UserFactory()
    reservation_id, staff = _paid_at_desk(api_client, court, owner)
    cancelled = auth(api_client, owner).post(f"/api/v1/reservations/reservations/{reservation_id}/cancel/")
    assert cancelled.status_code == 200, cancelled.json()
    detail = auth(api_client, staff).get(f"/api/v1/reservations/reservations/{reservation_id}/").json()["data"]
    assert detail["payment"]["refund"] == {"amount": "20.00", "currency": "EUR", "status": "pending"}  # owed, not given yet

    url = f"/api/v1/reservations/reservations/{reservation_id}/refund-at-desk/"
    assert auth(api_client, UserFactory()).post(url).status_code == 404  # existence not revealed
    other_desk = staff_of(ClubFactory())
    assert auth(api_client, other_desk).post(url).status_code == 404  # another club's staff: not theirs
    refused = auth(api_client, owner).post(url)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"

    with django_capture_on_commit_callbacks(execute=True):
        given = auth(api_client, staff).post(url)
    assert given.status_code == 200, given.json()
    summary = given.json()["data"]
    assert summary["refund"] == {"amount": "20.00", "currency": "EUR", "status": "refunded"}
    assert summary["paid_amount"] == "0.00"
    assert [p["refunded_amount"] for p in summary["payments"]] == ["20.00"]
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.reason) == (Decimal("20.00"), "succeeded", "cancellation")
    assert Reservation.objects.get(pk=reservation_id).refund_status == "refunded"

    event = staff_events(court.club_id, "payment.refunded")[-1]
    assert event.data["refund_status"] == "refunded" and event.data["refund"]["amount"] == "20.00"
    assert event.data["recorded_by"]["id"] == str(staff.pk) and event.data["method"] == "desk"
    told = Notification.objects.get(user=owner, kind=Kind.PAYMENT_REFUNDED)
    assert told.body.endswith("Handed back at the club's front desk.")  # cash: nothing to wait for
    cancelled_note = Notification.objects.get(user=owner, kind=Kind.BOOKING_CANCELLED)
    assert cancelled_note.body.endswith("Collect it at the club's front desk.")

    again = auth(api_client, staff).post(url)  # a double click gives nothing twice
    assert again.status_code == 409 and again.json()["error"]["code"] == "no_refund_owed"
    assert Refund.objects.count() == 1
    assert Notification.objects.filter(user=owner, kind=Kind.PAYMENT_REFUNDED).count() == 1


def test_no_desk_refund_when_none_is_owed(api_client, no_keys):
    court = online_court()
    owner = UserFactory()
    reservation_id, staff = _paid_at_desk(api_client, court, owner)
    url = f"/api/v1/reservations/reservations/{reservation_id}/refund-at-desk/"
    live = auth(api_client, staff).post(url)  # not cancelled: nothing is owed
    assert live.status_code == 409 and live.json()["error"]["code"] == "no_refund_owed"

    unpaid = book(api_client, owner, court, hour=12)
    assert auth(api_client, owner).post(f"/api/v1/reservations/reservations/{unpaid['id']}/cancel/").status_code == 200
    nothing = auth(api_client, staff).post(f"/api/v1/reservations/reservations/{unpaid['id']}/refund-at-desk/")
    assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "no_refund_owed"
    assert staff_events(court.club_id, "payment.refunded") == []


def test_an_online_booking_is_not_refunded_at_the_desk(api_client, fake_stripe):
    court = online_court()
    data = book(api_client, UserFactory(), court)
    response = auth(api_client, staff_of(court.club)).post(
        f"/api/v1/reservations/reservations/{data['id']}/refund-at-desk/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_desk_refundable"


def test_staff_list_the_refunds_owed_at_the_desk_whatever_the_date(api_client, no_keys):
    court = online_court()
    owner = UserFactory()
    soon, staff = _paid_at_desk(api_client, court, owner, days=2)
    later, _ = _paid_at_desk(api_client, court, owner, days=9)
    kept = book(api_client, owner, court, days=5)  # not cancelled: nothing owed
    for reservation_id in (soon, later):
        assert auth(api_client, owner).post(f"/api/v1/reservations/reservations/{reservation_id}/cancel/").status_code == 200
    url = (f"/api/v1/reservations/reservations/?club={court.club_id}&refund_status=pending"
           f"&payment_mode=pay_at_club")
    listed = auth(api_client, staff).get(url).json()["data"]
    assert [r["id"] for r in listed] == [soon, later]
    assert all(r["payment"]["refund"] == {"amount": "20.00", "currency": "EUR", "status": "pending"} for r in listed)
    assert kept["id"] not in {r["id"] for r in listed}
    # Another club's staff asking for this club get only their own bookings (none).
    assert auth(api_client, staff_of(ClubFactory())).get(url).json()["data"] == []
    bad = auth(api_client, staff).get("/api/v1/reservations/reservations/?refund_status=someday")
    assert bad.status_code == 400 and "refund_status" in bad.json()["error"]["details"]


def test_a_refund_owed_with_no_desk_money_left_is_closed_and_screens_are_told(api_client, no_keys):
    from apps.payments.models import Payment
    from apps.reservations.models import Reservation

    court = online_court()
    owner = UserFactory()
    reservation_id, staff = _paid_at_desk(api_client, court, owner)
    assert auth(api_client, owner).post(f"/api/v1/reservations/reservations/{reservation_id}/cancel/").status_code == 200
    Payment.objects.filter(reservation_id=reservation_id).update(refunded_amount=Decimal("20.00"))  # given by hand
    given = auth(api_client, staff).post(f"/api/v1/reservations/reservations/{reservation_id}/refund-at-desk/")
    assert given.status_code == 200 and given.json()["data"]["refund"]["status"] == "refunded"
    assert Reservation.objects.get(pk=reservation_id).refund_status == "refunded"
    event = staff_events(court.club_id, "reservation.updated")[-1]
    assert event.data["refund"]["status"] == "refunded" and event.data["id"] == reservation_id
    assert event.data["slot_status"] == "free"  # still a cancelled booking for the club's screens
