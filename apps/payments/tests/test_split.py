"""Split payment: one share and pay link per player; the booking confirms when fully paid."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.payments.models import Payment, PaymentStatus, Refund, RefundState
from apps.reservations import tasks as reservation_tasks
from apps.reservations.models import Reservation
from tests.support.factories import UserFactory
from tests.support.live import club_events, staff_events
from tests.support.payments import auth, book, deliver, online_court

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(api_client, fake_stripe):
    owner = UserFactory()
    court = online_court()
    data = book(api_client, owner, court)
    return data, court, owner


def _split(api_client, owner, reservation_id, body):
    return auth(api_client, owner).post(f"/api/v1/payments/reservations/{reservation_id}/split/", body,
                                        format="json")


def _pay_share(api_client, fake_stripe, run_commits, token):
    api_client.credentials()  # the link works for anyone, signed in or not
    link = api_client.get(f"/api/v1/payments/pay/{token}/")
    assert link.status_code == 200, link.json()
    secret = link.json()["data"]["client_secret"]
    intent = next(i for i in fake_stripe.intents.values() if i["client_secret"] == secret)
    run_commits(deliver, api_client, fake_stripe.event("payment_intent.succeeded", fake_stripe.pay(intent["id"])))
    return intent


def test_booking_confirms_only_when_every_share_is_paid(api_client, booking, fake_stripe, run_commits):
    data, court, owner = booking
    whole_intent = data["payment"]["client_secret"].split("_secret_")[0]
    response = run_commits(_split, api_client, owner, data["id"], {"players": [
        {"name": "Ana", "email": "ana@example.com"}, {"name": "Bea"}, {"name": "Carla"}]})
    assert response.status_code == 201, response.json()
    summary = response.json()["data"]
    shares = summary["shares"]
    assert [(s["index"], s["name"], s["amount"]) for s in shares] == [
        (1, "Ana", "6.67"), (2, "Bea", "6.67"), (3, "Carla", "6.66")]
    assert all(s["pay_url"] == f"/pay/{s['token']}/" for s in shares)
    # The whole-price intent is superseded: cancelled at Stripe so nobody pays it by mistake.
    assert fake_stripe.intents[whole_intent]["status"] == "canceled"
    # Players get longer to pay their links than the single-payer hold.
    hold = Reservation.objects.get(pk=data["id"]).hold_expires_at
    assert hold - timezone.now() > timedelta(minutes=25)

    first = _pay_share(api_client, fake_stripe, run_commits, shares[0]["token"])
    assert first["amount"] == 667
    assert first["metadata"]["share_id"] == shares[0]["id"]
    _pay_share(api_client, fake_stripe, run_commits, shares[1]["token"])
    reservation = Reservation.objects.get(pk=data["id"])
    assert reservation.status == "held" and str(reservation.paid_amount) == "13.34"
    assert club_events(court.club_id, "reservation.updated") == []

    _pay_share(api_client, fake_stripe, run_commits, shares[2]["token"])
    reservation.refresh_from_db()
    assert reservation.status == "confirmed" and str(reservation.paid_amount) == "20.00"
    [update] = club_events(court.club_id, "reservation.updated")
    assert update.data["slot_status"] == "booked"
    paid_events = staff_events(court.club_id, "payment.succeeded")
    assert [e.data["share"]["index"] for e in paid_events] == [1, 2, 3]
    assert [e.data["booking_confirmed"] for e in paid_events] == [False, False, True]
    # Each share has its own intent under its own derived key.
    keys = {r["idempotency_key"] for r in fake_stripe.posts("/v1/payment_intents")}
    assert keys == {f"padelyzer-pi-{data['id']}"} | {f"padelyzer-pi-{data['id']}-share-{s['id']}" for s in shares}
    # A paid link no longer hands out a secret.
    again = api_client.get(f"/api/v1/payments/pay/{shares[0]['token']}/").json()["data"]
    assert again["payable"] is False and again["client_secret"] is None and again["share"]["status"] == "succeeded"


def test_split_rules(api_client, booking, fake_stripe):
    data, court, owner = booking
    assert _split(api_client, owner, data["id"], {"count": 1}).json()["error"]["code"] == "validation_error"
    assert _split(api_client, owner, data["id"], {}).status_code == 400
    assert _split(api_client, UserFactory(), data["id"], {"count": 2}).status_code == 404
    assert _split(api_client, owner, data["id"], {"count": 4}).status_code == 201
    again = _split(api_client, owner, data["id"], {"count": 2})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_split"
    checkout = auth(api_client, owner).post(f"/api/v1/payments/reservations/{data['id']}/checkout/")
    assert checkout.status_code == 409 and checkout.json()["error"]["code"] == "payment_split"
    assert api_client.get("/api/v1/payments/pay/not-a-token/").status_code == 404


def test_shares_paid_for_a_hold_that_ran_out_are_refunded(api_client, booking, fake_stripe, run_commits):
    data, court, owner = booking
    shares = run_commits(_split, api_client, owner, data["id"], {"count": 2}).json()["data"]["shares"]
    _pay_share(api_client, fake_stripe, run_commits, shares[0]["token"])
    api_client.get(f"/api/v1/payments/pay/{shares[1]['token']}/")  # opened, never paid
    Reservation.objects.filter(pk=data["id"]).update(hold_expires_at=timezone.now() - timedelta(seconds=1))

    assert run_commits(reservation_tasks.expire_holds.apply).get()["expired"] == 1

    reservation = Reservation.objects.get(pk=data["id"])
    assert reservation.status == "expired"
    assert reservation.refund_status == "refunded" and str(reservation.refund_amount) == "10.00"
    paid = Payment.objects.get(share__index=1, reservation=reservation)
    refund = Refund.objects.get(payment=paid)
    assert refund.reason == "hold_expired" and refund.status == RefundState.SUCCEEDED
    unpaid = Payment.objects.get(share__index=2, reservation=reservation)
    assert unpaid.status == PaymentStatus.CANCELED
    assert fake_stripe.intents[unpaid.stripe_payment_intent_id]["status"] == "canceled"
