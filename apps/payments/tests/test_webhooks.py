"""Webhooks: signed with Stripe's scheme, recorded once per event id, processed once, state re-read."""
import json
import random
import time

import pytest

from apps.payments.models import Payment, PaymentStatus, StripeEvent
from apps.reservations.models import Reservation
from tests.support.factories import UserFactory
from tests.support.live import club_events, staff_events
from tests.support.payments import book, deliver, online_court
from tests.support.stripe import sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(api_client, fake_stripe):
    court = online_court()
    data = book(api_client, UserFactory(), court)
    intent_id = Payment.objects.get(reservation_id=data["id"]).stripe_payment_intent_id
    return data, court, intent_id


@pytest.mark.parametrize("case", ["wrong_secret", "tampered", "old_timestamp", "no_header", "garbage_header",
                                  "no_v1"])
def test_bad_signature_or_old_timestamp_is_400(api_client, fake_stripe, held, case):
    _data, _court, intent_id = held
    body = fake_stripe.event("payment_intent.succeeded", fake_stripe.pay(intent_id))
    if case == "wrong_secret":
        response = deliver(api_client, body, secret="whsec_someone_else")
    elif case == "tampered":
        response = deliver(api_client, body.replace('"livemode": false', '"livemode": true'), header=sign(body))
    elif case == "old_timestamp":
        response = deliver(api_client, body, timestamp=int(time.time()) - 301)
    elif case == "no_header":
        response = deliver(api_client, body, header="")
    elif case == "garbage_header":
        response = deliver(api_client, body, header="t=notanumber,v1=zz")
    else:
        response = deliver(api_client, body, header=f"t={int(time.time())}")
    assert response.status_code == 400
    payload = response.json()
    assert payload["success"] is False and payload["error"]["code"] == "invalid_signature"
    assert StripeEvent.objects.count() == 0
    assert Reservation.objects.get().status == "held"


def test_recent_timestamp_is_accepted(api_client, fake_stripe, held, run_commits):
    _data, _court, intent_id = held
    body = fake_stripe.event("payment_intent.succeeded", fake_stripe.pay(intent_id))
    response = run_commits(deliver, api_client, body, timestamp=int(time.time()) - 290)
    assert response.status_code == 200, response.json()
    assert response.json()["data"]["duplicate"] is False


def test_signed_but_not_an_event_is_400(api_client, fake_stripe):
    for body in ("not json", json.dumps({"object": "event"}), json.dumps([1, 2])):
        response = deliver(api_client, body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "invalid_payload"


def test_webhooks_off_without_a_secret(api_client, fake_stripe, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = deliver(api_client, fake_stripe.event("ping", {"id": "x"}))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "webhooks_disabled"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_five_shuffled_deliveries_give_one_state_change(api_client, fake_stripe, held, run_commits, seed):
    data, court, intent_id = held
    # What Stripe sends for a card declined once, then paid: four events, snapshots of their time.
    created = fake_stripe.event("payment_intent.created", fake_stripe.intents[intent_id])
    failed = fake_stripe.event("payment_intent.payment_failed", fake_stripe.decline(intent_id))
    succeeded = fake_stripe.event("payment_intent.succeeded", fake_stripe.pay(intent_id))
    charge = fake_stripe.event("charge.succeeded", {"id": "ch_1", "object": "charge", "payment_intent": intent_id})
    deliveries = [created, failed, succeeded, charge] * 5
    random.Random(seed).shuffle(deliveries)

    answers = [run_commits(deliver, api_client, body) for body in deliveries]

    assert [a.status_code for a in answers] == [200] * 20
    assert sum(not a.json()["data"]["duplicate"] for a in answers) == 4
    reservation = Reservation.objects.get(pk=data["id"])
    assert reservation.status == "confirmed" and str(reservation.paid_amount) == "20.00"
    payment = Payment.objects.get(reservation=reservation)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.applied
    events = StripeEvent.objects.all()
    assert len(events) == 4 and all(e.processed_at and e.deliveries == 5 for e in events)
    # One state change, told once: one confirmation on each stream, one payment.succeeded.
    assert len(staff_events(court.club_id, "payment.succeeded")) == 1
    assert len(staff_events(court.club_id, "reservation.updated")) == 1
    [update] = club_events(court.club_id, "reservation.updated")
    assert update.data["slot_status"] == "booked" and update.data["status"] == "confirmed"
    # The decline was re-read from Stripe (now paid): no stale "payment.failed" reaches staff.
    assert staff_events(court.club_id, "payment.failed") == []
    # Each intent event re-read the intent once; the charge event needed no call.
    gets = [r for r in fake_stripe.requests if r["method"] == "get"]
    assert len(gets) == 3 and all(r["path"] == f"/v1/payment_intents/{intent_id}" for r in gets)


def test_decline_is_told_to_staff_while_unpaid(api_client, fake_stripe, held, run_commits):
    data, court, intent_id = held
    body = fake_stripe.event("payment_intent.payment_failed", fake_stripe.decline(intent_id, "Insufficient funds"))
    run_commits(deliver, api_client, body)
    run_commits(deliver, api_client, body)
    [failed] = staff_events(court.club_id, "payment.failed")
    assert failed.data["error"] == "Insufficient funds" and failed.data["reservation"] == data["id"]
    assert Reservation.objects.get(pk=data["id"]).status == "held"
    assert Payment.objects.get(reservation_id=data["id"]).last_error == "Insufficient funds"


def test_event_for_someone_elses_intent_is_recorded_and_ignored(api_client, fake_stripe, run_commits):
    intent = {"id": "pi_other", "object": "payment_intent", "status": "succeeded", "metadata": {}}
    fake_stripe.intents["pi_other"] = intent
    response = run_commits(deliver, api_client, fake_stripe.event("payment_intent.succeeded", intent))
    assert response.status_code == 200
    assert StripeEvent.objects.get().outcome == "unknown_intent"
