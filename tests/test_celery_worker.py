"""A real Celery worker on Redis, killed with SIGKILL in the middle of a payment task.

acks_late + reject_on_worker_lost leave the task's message unacknowledged when its worker
dies; Redis hands it to another worker after `visibility_timeout`. The tasks are idempotent,
so the redelivered run leaves exactly one effect: one confirmation and one live event, or one
refund at Stripe. Stripe is a FakeStripe served over HTTP (STRIPE_API_BASE), which holds the
worker's request open until the test has killed it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection, transaction

from apps.clubs.models import AllocationStatus
from apps.payments import services, tasks
from apps.payments.models import Payment, Refund, RefundState, StripeEvent
from apps.payments.stripe_client import use_http_client
from apps.reservations.models import Reservation
from apps.reservations.services import reservation_cancel, reservation_create
from bench.kit.daphne import database_url
from tests.support.factories import ClubFactory, CourtFactory, UserFactory
from tests.support.live import club_events, staff_events
from tests.support.stripe import (
    API_KEY,
    WEBHOOK_SECRET,
    FakeStripe,
    FakeStripeHTTP,
    FakeStripeServer,
    sign,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
VISIBILITY_TIMEOUT = 3


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Workers:
    """Starts `celery worker` processes on a broker key prefix nobody else uses."""

    def __init__(self, tmp_path, stripe_url: str):
        self.prefix = f"padelyzer-celerytest-{uuid.uuid4().hex[:12]}:"
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings_test",
            "DATABASE_URL": database_url(connection.settings_dict),  # TCP or the embedded server's socket
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_BROKER_KEY_PREFIX": self.prefix,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
            "STRIPE_SECRET_KEY": API_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": stripe_url,
            "STRIPE_MAX_NETWORK_RETRIES": "0",
            "SENTRY_DSN": "",
        }
        self.sender = Celery("padelyzer-test-sender", broker=settings.REDIS_URL)
        self.sender.conf.broker_transport_options = {"global_keyprefix": self.prefix,
                                                     "visibility_timeout": VISIBILITY_TIMEOUT}

    def start(self, name: str) -> subprocess.Popen:
        log = self.tmp_path / f"{name}.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "project.celery:app", "worker", "-P", "solo",
             "--without-mingle", "--without-gossip", "--without-heartbeat", "-Q", "high_priority",
             "-n", f"{name}-{self.prefix.rstrip(':')}@%h", "--loglevel", "INFO"],
            cwd=ROOT, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.procs.append(proc)
        proc.log = log
        wait_for(lambda: proc.poll() is not None or " ready." in log.read_text(), 90, f"{name} to start")
        assert proc.poll() is None, log.read_text()[-3000:]
        return proc

    def kill9(self, proc: subprocess.Popen) -> None:
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL

    def send(self, task_name: str, *args) -> None:
        self.sender.send_task(task_name, args=[str(a) for a in args], queue="high_priority")

    def enqueue_after_commit(self, task_name: str, *args) -> None:
        """Stands in for a task's `.delay` in this process: same after-commit rule, our broker."""
        transaction.on_commit(lambda: self.send(f"payments.{task_name}", *args))

    def broker_keys(self) -> dict:
        with self.sender.connection_for_write() as conn:
            client = conn.default_channel.client  # kombu's client: adds the key prefix itself
            return {"queued": client.llen("high_priority"), "unacked": client.hlen("unacked")}

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        self.sender.close()


@pytest.fixture
def stripe_server(settings):
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    fake = FakeStripe(API_KEY)
    use_http_client(FakeStripeHTTP(fake))  # this process talks to the same fake, in-process
    with FakeStripeServer(fake) as server:
        yield server
    use_http_client(None)
    assert fake.problems == [], fake.problems


@pytest.fixture
def workers(tmp_path, stripe_server, monkeypatch):
    pool = Workers(tmp_path, stripe_server.url)
    for task in (tasks.process_stripe_event, tasks.create_intent, tasks.submit_refund, tasks.settle_reservation):
        monkeypatch.setattr(task, "delay", lambda *args, name=task.name: pool.enqueue_after_commit(
            name.removeprefix("payments."), *args))
    yield pool
    pool.close()


def held_booking() -> tuple[Reservation, Payment]:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    court = CourtFactory(club=ClubFactory(requires_online_payment=True))
    tz = ZoneInfo(court.club.timezone)
    start = datetime.combine(datetime.now(tz).date() + timedelta(days=3), datetime.min.time(), tzinfo=tz)
    start = start.replace(hour=10)
    reservation = reservation_create(court=court, user=UserFactory(), start=start, end=start + timedelta(hours=1))
    services.checkout_start(reservation=reservation)
    return reservation, Payment.objects.get(reservation=reservation)


def test_worker_killed_while_confirming_a_payment(api_client, stripe_server, workers):
    reservation, payment = held_booking()
    club_id = reservation.court.club_id
    intent_path = f"/v1/payment_intents/{payment.stripe_payment_intent_id}"
    hold = stripe_server.hold("GET", intent_path)  # worker 1 will be re-reading the intent
    first = workers.start("w1")

    body = stripe_server.fake.event("payment_intent.succeeded", stripe_server.fake.pay(payment.stripe_payment_intent_id))
    response = api_client.generic("POST", "/api/v1/payments/stripe/webhook/", body.encode(),
                                  content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body))
    assert response.status_code == 200, response.json()

    assert hold.arrived.wait(60), first.log.read_text()[-3000:]
    workers.kill9(first)  # mid-task: message reserved, not acknowledged
    hold.release.set()
    assert workers.broker_keys() == {"queued": 0, "unacked": 1}
    event = StripeEvent.objects.get()
    assert event.processed_at is None
    assert Reservation.objects.get(pk=reservation.pk).status == AllocationStatus.HELD

    second = workers.start("w2")
    wait_for(lambda: StripeEvent.objects.filter(pk=event.pk, processed_at__isnull=False).exists(), 60,
             "the redelivered task to finish")
    time.sleep(VISIBILITY_TIMEOUT + 2)  # room for any further (wrong) redelivery to show up

    reservation.refresh_from_db()
    assert reservation.status == AllocationStatus.CONFIRMED and str(reservation.paid_amount) == "20.00"
    assert StripeEvent.objects.get().outcome == "confirmed"
    assert len(staff_events(club_id, "payment.succeeded")) == 1
    assert len(club_events(club_id, "reservation.updated")) == 1
    # The task ran twice (killed once, then completed) and its message is gone from Redis.
    assert [s for s in stripe_server.seen if s[1] == intent_path] == [("GET", intent_path, None)] * 2
    assert workers.broker_keys() == {"queued": 0, "unacked": 0}
    assert second.poll() is None


def test_worker_killed_after_stripe_refunded_but_before_recording_it(stripe_server, workers):
    reservation, payment = held_booking()
    club_id = reservation.court.club_id
    services.intent_apply(intent=stripe_server.fake.pay(payment.stripe_payment_intent_id))
    assert Reservation.objects.get(pk=reservation.pk).status == AllocationStatus.CONFIRMED
    # Stripe performs the refund, then the answer hangs: the worker dies not knowing it happened.
    hold = stripe_server.hold("POST", "/v1/refunds", after_handling=True)
    first = workers.start("w1")

    reservation_cancel(reservation=reservation, actor=reservation.user, actor_is_staff=False)
    # The cancellation enqueued settle_reservation after commit; it enqueues submit_refund.

    assert hold.arrived.wait(60), first.log.read_text()[-3000:]
    workers.kill9(first)
    hold.release.set()
    assert workers.broker_keys() == {"queued": 0, "unacked": 1}
    refund = Refund.objects.get(payment=payment)
    assert refund.status == RefundState.PENDING and refund.stripe_refund_id is None

    second = workers.start("w2")
    wait_for(lambda: Refund.objects.filter(pk=refund.pk, status=RefundState.SUCCEEDED).exists(), 60,
             "the redelivered refund task to finish")
    time.sleep(VISIBILITY_TIMEOUT + 2)

    fake = stripe_server.fake
    assert len(fake.refunds) == 1  # one refund at Stripe although it was requested twice
    posts = [s for s in stripe_server.seen if s[:2] == ("POST", "/v1/refunds")]
    assert posts == [("POST", "/v1/refunds", f"padelyzer-refund-{payment.pk}")] * 2
    refund.refresh_from_db()
    assert refund.stripe_refund_id == next(iter(fake.refunds))
    reservation.refresh_from_db()
    assert reservation.refund_status == "refunded"
    assert len(staff_events(club_id, "payment.refunded")) == 1
    assert workers.broker_keys() == {"queued": 0, "unacked": 0}
    assert second.poll() is None
