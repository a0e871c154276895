"""Cancellation refunds follow the club's policy, by a task; each refund reaches Stripe once."""
import pytest

from apps.payments import services, tasks
from apps.payments.models import Payment, Refund, RefundState
from apps.reservations.models import Reservation
from tests.support.factories import UserFactory, staff_of
from tests.support.live import staff_events
from tests.support.payments import auth, book, deliver, online_court

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(api_client, fake_stripe, run_commits):
    court = online_court()
    owner = UserFactory()
    data = book(api_client, owner, court, days=3)
    payment = Payment.objects.get(reservation_id=data["id"])
    body = fake_stripe.event("payment_intent.succeeded", fake_stripe.pay(payment.stripe_payment_intent_id))
    run_commits(deliver, api_client, body)
    reservation = Reservation.objects.get(pk=data["id"])
    assert reservation.status == "confirmed"
    return reservation, court, payment, owner


def _cancel(api_client, user, reservation):
    return auth(api_client, user).post(f"/api/v1/reservations/reservations/{reservation.pk}/cancel/")


def test_cancellation_refund_is_sent_by_a_task(api_client, paid, fake_stripe, run_commits):
    reservation, court, payment, owner = paid
    response = run_commits(_cancel, api_client, owner, reservation)
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["refund"] == {"amount": "20.00", "currency": "EUR", "status": "pending"}

    reservation.refresh_from_db()
    assert reservation.refund_status == "refunded" and reservation.paid_amount == 0
    refund = Refund.objects.get(payment=payment)
    assert refund.reason == "cancellation" and refund.status == RefundState.SUCCEEDED
    [request] = fake_stripe.posts("/v1/refunds")
    assert request["idempotency_key"] == f"padelyzer-refund-{payment.pk}"
    assert request["params"]["amount"] == "2000"
    [event] = staff_events(court.club_id, "payment.refunded")
    assert event.data["refund"]["amount"] == "20.00" and event.data["refund"]["reason"] == "cancellation"
    # Re-running the work (a redelivered task) sends nothing twice.
    assert run_commits(tasks.settle_reservation.apply, args=[str(reservation.pk)]).get()["refunds"] == 0
    assert tasks.submit_refund.apply(args=[str(refund.pk)]).get() == "already_final"
    assert len(fake_stripe.posts("/v1/refunds")) == 1
    assert len(staff_events(court.club_id, "payment.refunded")) == 1
    summary = auth(api_client, owner).get(f"/api/v1/payments/reservations/{reservation.pk}/").json()["data"]
    assert summary["refund"]["status"] == "refunded"
    assert summary["payments"][0]["refund"]["status"] == "succeeded"


def test_refund_settling_later_completes_by_webhook(api_client, paid, fake_stripe, run_commits):
    reservation, court, payment, owner = paid
    fake_stripe.refund_status = "pending"
    run_commits(_cancel, api_client, owner, reservation)
    refund = Refund.objects.get(payment=payment)
    assert refund.status == RefundState.SUBMITTED
    reservation.refresh_from_db()
    assert reservation.refund_status == "pending"

    body = fake_stripe.event("refund.updated", fake_stripe.settle_refund(refund.stripe_refund_id))
    run_commits(deliver, api_client, body)
    run_commits(deliver, api_client, body)

    refund.refresh_from_db()
    reservation.refresh_from_db()
    assert refund.status == RefundState.SUCCEEDED and reservation.refund_status == "refunded"
    assert len(staff_events(court.club_id, "payment.refunded")) == 1


def test_lost_refund_answer_makes_one_refund(api_client, paid, fake_stripe, run_commits):
    reservation, court, payment, owner = paid
    fake_stripe.fault("post", "/v1/refunds", "lost_response")
    run_commits(_cancel, api_client, owner, reservation)
    assert len(fake_stripe.refunds) == 1
    posts = fake_stripe.posts("/v1/refunds")
    assert len(posts) == 2 and len({p["idempotency_key"] for p in posts}) == 1
    assert Refund.objects.get(payment=payment).status == RefundState.SUCCEEDED


def test_staff_cancel_after_deadline_still_refunds(api_client, fake_stripe, run_commits):
    court = online_court(cancellation_deadline_hours=200)  # every booking is inside the deadline
    data = book(api_client, UserFactory(), court)
    payment = Payment.objects.get(reservation_id=data["id"])
    run_commits(deliver, api_client,
                fake_stripe.event("payment_intent.succeeded", fake_stripe.pay(payment.stripe_payment_intent_id)))
    staff = staff_of(court.club)
    reservation = Reservation.objects.get(pk=data["id"])
    response = run_commits(_cancel, api_client, staff, reservation)
    assert response.json()["data"]["refund"]["status"] == "pending"
    assert Refund.objects.get(payment=payment).status == RefundState.SUCCEEDED


def test_cancelling_an_unpaid_hold_cancels_its_intent(api_client, fake_stripe, run_commits):
    owner = UserFactory()
    data = book(api_client, owner, online_court())
    payment = Payment.objects.get(reservation_id=data["id"])
    response = run_commits(_cancel, api_client, owner, Reservation.objects.get(pk=data["id"]))
    assert response.json()["data"]["refund"]["status"] == "none"
    assert fake_stripe.intents[payment.stripe_payment_intent_id]["status"] == "canceled"
    assert fake_stripe.posts("/v1/refunds") == []


def test_failed_refund_is_told_to_staff(api_client, paid, fake_stripe, run_commits):
    reservation, court, payment, owner = paid
    fake_stripe.refund_status = "failed"
    run_commits(_cancel, api_client, owner, reservation)
    assert Refund.objects.get(payment=payment).status == RefundState.FAILED
    assert len(staff_events(court.club_id, "payment.refund_failed")) == 1
    reservation.refresh_from_db()
    assert reservation.refund_status == "pending"  # money still owed: staff must act
    assert services.refund_submit(refund_id=Refund.objects.get().pk) == "already_final"
