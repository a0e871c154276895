"""Held bookings get one PaymentIntent, created under a key derived from the reservation."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.payments import tasks
from apps.payments.models import Payment, PaymentStatus
from apps.reservations.models import Reservation
from tests.support.factories import UserFactory
from tests.support.payments import auth, book, online_court
from tests.support.stripe import PUBLISHABLE_KEY

pytestmark = pytest.mark.django_db


def test_online_booking_is_held_and_answer_carries_client_secret(api_client, fake_stripe):
    court = online_court()
    data = book(api_client, UserFactory(), court)

    assert data["status"] == "held"
    intent = next(iter(fake_stripe.intents.values()))
    payment = data["payment"]
    assert payment["mode"] == "online"
    assert payment["client_secret"] == intent["client_secret"]
    assert payment["publishable_key"] == PUBLISHABLE_KEY
    assert payment["amount_due"] == "20.00" and payment["currency"] == "EUR"
    hold = Reservation.objects.get(pk=data["id"]).hold_expires_at
    assert timedelta(minutes=9) < hold - timezone.now() <= timedelta(minutes=10)
    assert payment["hold_expires_at"] == hold.isoformat()
    # Exactly one creation request, keyed by the reservation, with the amount in cents.
    [request] = fake_stripe.posts("/v1/payment_intents")
    assert request["idempotency_key"] == f"padelyzer-pi-{data['id']}"
    assert request["params"]["amount"] == "2000" and request["params"]["currency"] == "eur"
    assert request["params"]["metadata"]["reservation_id"] == data["id"]
    # The hold shows on every screen as held.
    avail = api_client.get(f"/api/v1/reservations/availability/?club={court.club_id}&date={data['start'][:10]}")
    statuses = {s["status"] for s in avail.json()["data"]["courts"][0]["slots"] if s["start"] == data["start"]}
    assert statuses == {"held"}


def test_retried_creation_after_a_lost_answer_makes_one_intent(api_client, fake_stripe, settings):
    """Stripe created the intent but the answer was lost: the retry (same key) gets the same one."""
    settings.STRIPE_MAX_NETWORK_RETRIES = 0  # no client-side retry: the booking answer has no secret
    fake_stripe.fault("post", "/v1/payment_intents", "lost_response")
    user = UserFactory()
    data = book(api_client, user, online_court())
    assert data["status"] == "held"
    assert data["payment"]["client_secret"] is None and data["payment"]["status"] == "pending"
    assert len(fake_stripe.intents) == 1  # created at Stripe, unknown to us

    # The page asks again, and the background task retries too: both replay the same intent.
    again = auth(api_client, user).post(f"/api/v1/payments/reservations/{data['id']}/checkout/")
    assert again.status_code == 200, again.json()
    payment = Payment.objects.get(reservation_id=data["id"])
    assert tasks.create_intent.apply(args=[str(payment.pk)]).get() == "exists"
    [intent] = fake_stripe.intents.values()
    assert again.json()["data"]["client_secret"] == intent["client_secret"]
    assert payment.stripe_payment_intent_id == intent["id"]
    assert payment.status == PaymentStatus.REQUIRES_PAYMENT
    posts = fake_stripe.posts("/v1/payment_intents")
    assert len(posts) == 2 and {p["idempotency_key"] for p in posts} == {f"padelyzer-pi-{data['id']}"}


def test_network_retry_inside_one_call_reuses_the_key(api_client, fake_stripe):
    fake_stripe.fault("post", "/v1/payment_intents", "lost_response", "server_error")
    data = book(api_client, UserFactory(), online_court())
    [intent] = fake_stripe.intents.values()
    assert data["payment"]["client_secret"] == intent["client_secret"]
    posts = fake_stripe.posts("/v1/payment_intents")
    assert len(posts) == 2  # the 500 never reached the fake's logic; two that did, one intent
    assert len({p["idempotency_key"] for p in posts}) == 1


def test_create_intent_task_when_stripe_was_down(api_client, fake_stripe, settings):
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    fake_stripe.fault("post", "/v1/payment_intents", "server_error")
    data = book(api_client, UserFactory(), online_court())
    assert data["payment"]["client_secret"] is None and fake_stripe.intents == {}
    payment = Payment.objects.get(reservation_id=data["id"])
    assert tasks.create_intent.apply(args=[str(payment.pk)]).get() == "created"
    assert tasks.create_intent.apply(args=[str(payment.pk)]).get() == "exists"
    payment.refresh_from_db()
    assert len(fake_stripe.intents) == 1 and payment.stripe_payment_intent_id in fake_stripe.intents


def test_checkout_is_for_the_owner_of_a_held_online_booking(api_client, fake_stripe):
    owner = UserFactory()
    data = book(api_client, owner, online_court())
    url = f"/api/v1/payments/reservations/{data['id']}/checkout/"
    assert auth(api_client, UserFactory()).post(url).status_code == 404
    first = auth(api_client, owner).post(url).json()["data"]
    second = auth(api_client, owner).post(url).json()["data"]
    assert first["client_secret"] == second["client_secret"] == data["payment"]["client_secret"]
    assert len(fake_stripe.intents) == 1
    summary = auth(api_client, owner).get(f"/api/v1/payments/reservations/{data['id']}/")
    assert summary.status_code == 200
    assert summary.json()["data"]["payments"][0]["status"] == "requires_payment"
    assert summary.json()["data"]["price"] == "20.00"


def test_free_booking_needs_no_intent(api_client, fake_stripe):
    court = online_court(default_price_per_hour=Decimal("0.00"))
    data = book(api_client, UserFactory(), court)
    assert data["status"] == "confirmed" and data["payment"]["status"] == "succeeded"
    assert fake_stripe.requests == []
