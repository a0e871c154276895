"""Lost messages, malformed events and Stripe refusals end in a known state, never a loop or a 500."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.payments import services, tasks
from apps.payments.models import Payment, Refund, RefundState, StripeEvent
from apps.reservations.models import Reservation
from tests.support.factories import UserFactory
from tests.support.live import staff_events
from tests.support.payments import auth, book, deliver, online_court

pytestmark = pytest.mark.django_db


def test_sweep_processes_an_event_whose_task_was_lost(api_client, fake_stripe, run_commits):
    data = book(api_client, UserFactory(), online_court())
    payment = Payment.objects.get(reservation_id=data["id"])
    body = fake_stripe.event("payment_intent.succeeded", fake_stripe.pay(payment.stripe_payment_intent_id))
    deliver(api_client, body)  # recorded; its after-commit enqueue never ran (a lost message)
    event = StripeEvent.objects.get()
    assert event.processed_at is None
    assert run_commits(tasks.sweep.apply).get()["events"] == 0  # too recent: its task may still come
    StripeEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(minutes=3))

    assert run_commits(tasks.sweep.apply).get()["events"] == 1

    assert StripeEvent.objects.get().outcome == "confirmed"
    assert Reservation.objects.get(pk=data["id"]).status == "confirmed"


def test_sweep_settles_a_refund_whose_task_was_lost(api_client, fake_stripe, run_commits):
    data = book(api_client, UserFactory(), online_court())
    payment = Payment.objects.get(reservation_id=data["id"])
    Reservation.objects.filter(pk=data["id"]).update(status="expired")
    services.intent_apply(intent=fake_stripe.pay(payment.stripe_payment_intent_id))  # late: refund decided, task lost
    refund = Refund.objects.get(payment=payment)
    assert refund.status == RefundState.PENDING
    Refund.objects.filter(pk=refund.pk).update(updated_at=timezone.now() - timedelta(minutes=3))
    assert run_commits(tasks.sweep.apply).get()["refunds"] == 1
    refund.refresh_from_db()
    assert refund.status == RefundState.SUCCEEDED and len(fake_stripe.refunds) == 1


def test_malformed_or_foreign_events_are_settled_not_retried(api_client, fake_stripe, run_commits):
    run_commits(deliver, api_client, fake_stripe.event("payment_intent.succeeded", {"object": "payment_intent"}))
    run_commits(deliver, api_client, fake_stripe.event("payment_intent.succeeded", {"id": "pi_live_elsewhere"}))
    run_commits(deliver, api_client, fake_stripe.event("customer.created", {"id": "cus_1"}))
    outcomes = list(StripeEvent.objects.order_by("received_at").values_list("outcome", flat=True))
    assert outcomes == ["malformed", "not_found_at_stripe", "ignored"]
    assert StripeEvent.objects.filter(processed_at=None).count() == 0


def test_refund_stripe_refuses_is_failed_and_told(api_client, fake_stripe, run_commits):
    data = book(api_client, UserFactory(), online_court())
    payment = Payment.objects.get(reservation_id=data["id"])
    Reservation.objects.filter(pk=data["id"]).update(status="expired")
    fake_stripe.fault("post", "/v1/refunds", "refuse")
    run_commits(services.intent_apply, intent=fake_stripe.pay(payment.stripe_payment_intent_id))
    refund = Refund.objects.get(payment=payment)
    assert refund.status == RefundState.FAILED and refund.failure_reason.startswith("refused")
    assert refund.stripe_refund_id is None
    club_id = Reservation.objects.get(pk=data["id"]).court.club_id
    assert len(staff_events(club_id, "payment.refund_failed")) == 1


def test_booking_stands_when_stripe_refuses_the_intent(api_client, fake_stripe):
    fake_stripe.fault("post", "/v1/payment_intents", "refuse")
    owner = UserFactory()
    data = book(api_client, owner, online_court())
    assert data["status"] == "held" and data["payment"]["client_secret"] is None
    assert "refused" in data["payment"]["error"]
    fake_stripe.fault("post", "/v1/payment_intents", "refuse")
    again = auth(api_client, owner).post(f"/api/v1/payments/reservations/{data['id']}/checkout/")
    assert again.status_code == 502 and again.json()["error"]["code"] == "payment_refused"


@pytest.mark.django_db(transaction=True)
def test_concurrent_processing_of_events_for_one_intent_confirms_once(api_client, fake_stripe, monkeypatch):
    """Two workers, two events about the same payment, at the same moment: one confirmation."""
    import threading

    from django.db import connection

    data = book(api_client, UserFactory(), online_court())
    payment = Payment.objects.get(reservation_id=data["id"])
    for task in (tasks.process_stripe_event, tasks.create_intent, tasks.submit_refund, tasks.settle_reservation):
        monkeypatch.setattr(task, "delay", lambda *args: None)  # we run the processing ourselves
    intent = fake_stripe.pay(payment.stripe_payment_intent_id)
    for type_ in ("payment_intent.succeeded", "payment_intent.created", "payment_intent.succeeded"):
        deliver(api_client, fake_stripe.event(type_, intent))
    event_ids = list(StripeEvent.objects.values_list("event_id", flat=True)) * 2  # each one twice, too
    barrier = threading.Barrier(len(event_ids))
    outcomes, errors = [], []

    def work(event_id):
        try:
            barrier.wait(10)
            outcomes.append(services.stripe_event_process(event_id=event_id))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(e,)) for e in event_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert errors == []
    assert sorted(outcomes).count("confirmed") == 1
    assert outcomes.count("duplicate") == 3
    reservation = Reservation.objects.get(pk=data["id"])
    assert reservation.status == "confirmed" and str(reservation.paid_amount) == "20.00"
    assert len(staff_events(reservation.court.club_id, "payment.succeeded")) == 1
