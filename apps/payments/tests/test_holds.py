"""Holds that run out free their slot; money that arrives too late goes back."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.payments import services
from apps.payments.models import Payment, PaymentStatus, Refund, RefundState
from apps.reservations import tasks as reservation_tasks
from apps.reservations.models import Reservation
from apps.reservations.services import reservation_expire_hold
from tests.support.factories import UserFactory
from tests.support.live import club_events, staff_events
from tests.support.payments import book, deliver, online_court

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(api_client, fake_stripe):
    court = online_court()
    data = book(api_client, UserFactory(), court)
    payment = Payment.objects.get(reservation_id=data["id"])
    return Reservation.objects.get(pk=data["id"]), court, payment


def _run_out(reservation):
    Reservation.objects.filter(pk=reservation.pk).update(hold_expires_at=timezone.now() - timedelta(seconds=1))


def test_beat_runs_expiry_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["expire-payment-holds"]
    assert entry["task"] == reservation_tasks.expire_holds.name == "apps.reservations.tasks.expire_holds"
    assert entry["schedule"] == 60.0


def test_expired_hold_frees_the_slot_live_and_cancels_its_intent(api_client, held, fake_stripe, run_commits):
    reservation, court, payment = held
    assert run_commits(reservation_tasks.expire_holds.apply).get() == {"expired": 0, "confirmed": 0}
    _run_out(reservation)

    assert run_commits(reservation_tasks.expire_holds.apply).get() == {"expired": 1, "confirmed": 0}

    reservation.refresh_from_db()
    assert reservation.status == "expired"
    [update] = club_events(court.club_id, "reservation.updated")
    assert update.data["slot_status"] == "free" and update.data["id"] == str(reservation.pk)
    assert staff_events(court.club_id, "reservation.updated")[0].data["reason"] == "hold_expired"
    start, end = reservation.period.lower, reservation.period.upper
    day = start.astimezone(ZoneInfo(court.club.timezone)).date()
    avail = api_client.get(f"/api/v1/reservations/availability/?club={court.club_id}&date={day}").json()["data"]
    mine = [s for s in avail["courts"][0]["slots"] if start <= datetime.fromisoformat(s["start"]) < end]
    assert [s["status"] for s in mine] == ["free", "free"]
    # Nobody can pay for it any more: the intent was cancelled at Stripe, with a derived key.
    [cancel] = fake_stripe.posts(f"/v1/payment_intents/{payment.stripe_payment_intent_id}/cancel")
    assert cancel["idempotency_key"] == f"padelyzer-pi-{reservation.pk}-cancel"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELED
    # Running again changes nothing and says nothing.
    assert run_commits(reservation_tasks.expire_holds.apply).get() == {"expired": 0, "confirmed": 0}
    assert reservation_expire_hold(reservation_id=reservation.pk) is None
    assert len(club_events(court.club_id, "reservation.updated")) == 1


def test_paid_hold_whose_webhook_was_lost_is_confirmed_not_freed(held, fake_stripe, run_commits):
    reservation, court, payment = held
    fake_stripe.pay(payment.stripe_payment_intent_id)  # paid at Stripe, no webhook arrived
    _run_out(reservation)
    assert run_commits(reservation_tasks.expire_holds.apply).get() == {"expired": 0, "confirmed": 1}
    reservation.refresh_from_db()
    assert reservation.status == "confirmed" and str(reservation.paid_amount) == "20.00"
    assert club_events(court.club_id, "reservation.updated")[0].data["slot_status"] == "booked"


def test_payment_after_the_hold_expired_is_refunded(api_client, held, fake_stripe, run_commits):
    reservation, court, payment = held
    _run_out(reservation)
    reservation_tasks.expire_holds.apply().get()  # expired; its settle task not run yet (intent still open)
    intent = fake_stripe.pay(payment.stripe_payment_intent_id)  # the player's card went through late
    body = fake_stripe.event("payment_intent.succeeded", intent)

    run_commits(deliver, api_client, body)
    run_commits(deliver, api_client, body)  # Stripe redelivers

    reservation.refresh_from_db()
    assert reservation.status == "expired" and reservation.paid_amount == 0
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and not payment.applied
    refund = Refund.objects.get(payment=payment)
    assert refund.reason == "late_payment" and refund.status == RefundState.SUCCEEDED
    assert str(refund.amount) == "20.00" and payment.refunded_amount == refund.amount
    [request] = fake_stripe.posts("/v1/refunds")
    assert request["idempotency_key"] == f"padelyzer-refund-{payment.pk}"
    assert request["params"]["payment_intent"] == intent["id"] and request["params"]["amount"] == "2000"
    assert len(fake_stripe.refunds) == 1
    assert [e.type for e in staff_events(court.club_id) if e.type.startswith("payment.")] == [
        "payment.refund_pending", "payment.refunded"]
    assert staff_events(court.club_id, "payment.succeeded") == []


def test_payment_landing_between_reconcile_and_cancel_is_refunded(held, fake_stripe, run_commits):
    reservation, court, payment = held
    _run_out(reservation)
    reservation_expire_hold(reservation_id=reservation.pk)
    fake_stripe.pay(payment.stripe_payment_intent_id)
    # The settle task's cancel is refused (already paid): it reads the intent and refunds it.
    result = run_commits(services.reservation_settle, reservation_id=reservation.pk)
    assert result["cancelled"] == 1
    assert Refund.objects.get(payment=payment).status == RefundState.SUCCEEDED
    assert len(fake_stripe.refunds) == 1


def test_stripe_down_at_expiry_still_frees_the_slot(held, fake_stripe, settings):
    reservation, court, payment = held
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    fake_stripe.fault("get", "/v1/payment_intents/", "server_error")
    _run_out(reservation)
    assert reservation_tasks.expire_holds.apply().get()["expired"] == 1
