from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from apps.clubs.models import AllocationStatus
from apps.notifications import periodic, services, tasks, triggers
from apps.notifications.delivery import DeliveryFailed, attempt_delivery
from apps.notifications.models import Channel, Delivery, DeliveryStatus, Kind, Notification
from apps.notifications.selectors import unread_notifications_snapshot
from apps.reservations.models import Reservation
from project.celery import app
from routing.streams import user_stream
from tests.support.api import at, booking_body, client_for, err, future_day, ok
from tests.support.factories import CourtFactory, ReservationFactory, UserFactory, staff_of
from tests.support.live import stream_events

pytestmark = pytest.mark.django_db

BOOK = "/api/v1/reservations/reservations/"


def book(client, court, hour=10, days=3):
    return client.post(BOOK, booking_body(court, at(court.club, future_day(court.club, days), hour)), format="json")


class FlakySms:
    """Fails the first `failures` sends, then delivers."""

    failures = 0
    calls: list = []

    def send(self, *, to, body, reference):
        FlakySms.calls.append(reference)
        if len(FlakySms.calls) <= FlakySms.failures:
            raise ConnectionError("provider timeout")


# --- booking triggers -------------------------------------------------------------------------

def test_booking_confirmed_notifies_in_app_and_email_after_commit(eager_celery, django_capture_on_commit_callbacks):
    court = CourtFactory(name="Pista 1")
    user = UserFactory(phone="")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reservation_id = ok(book(client_for(user), court), 201)["id"]
    # Written with the booking, e-mail not sent yet: it waits for the commit.
    notification = Notification.objects.get(user=user)
    assert notification.kind == Kind.BOOKING_CONFIRMED
    assert notification.data["reservation"] == reservation_id
    assert "Pista 1" in notification.body
    assert mail.outbox == []
    events = stream_events(user_stream(user.pk))
    assert [(e.type, e.seq) for e in events] == [("notification", 1)]
    assert events[0].data["id"] == str(notification.pk) and events[0].data["read_at"] is None
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email] and message.subject == notification.title
    assert message.extra_headers["Message-ID"].startswith("<")
    deliveries = {d.channel: d for d in notification.deliveries.all()}
    assert set(deliveries) == {Channel.EMAIL, Channel.IN_APP}  # SMS is off by default
    assert all(d.status == DeliveryStatus.SENT and d.attempts == 1 and d.sent_at for d in deliveries.values())


def test_delivery_task_is_enqueued_on_high_priority_only_after_commit(django_capture_on_commit_callbacks):
    court = CourtFactory()
    user = UserFactory()
    with mock.patch.object(tasks.send_delivery, "apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=True):
            ok(book(client_for(user), court), 201)
            assert apply_async.call_count == 0
    email = Delivery.objects.get(notification__user=user, channel=Channel.EMAIL)
    apply_async.assert_called_once_with((str(email.pk),), {})
    assert app.amqp.router.route({}, tasks.send_delivery.name)["queue"].name == "high_priority"  # project/celery.py
    assert email.status == DeliveryStatus.PENDING and email.attempts == 0


def test_rejected_booking_notifies_nobody(eager_celery, django_capture_on_commit_callbacks):
    court = CourtFactory()
    first, second = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ok(book(client_for(first), court), 201)
        err(book(client_for(second), court), 409, "slot_unavailable")
    assert not Notification.objects.filter(user=second).exists()
    assert stream_events(user_stream(second.pk)) == []
    assert [m.to for m in mail.outbox] == [[first.email]]


def test_cancellation_notifies_the_player_with_the_refund(eager_celery, django_capture_on_commit_callbacks):
    court = CourtFactory()
    player = UserFactory()
    staff = staff_of(court.club)
    with django_capture_on_commit_callbacks(execute=True):
        reservation_id = ok(book(client_for(player), court, days=5), 201)["id"]
        Reservation.objects.filter(pk=reservation_id).update(paid_amount="20.00")
        ok(client_for(staff).post(f"{BOOK}{reservation_id}/cancel/"))
    cancelled = Notification.objects.get(user=player, kind=Kind.BOOKING_CANCELLED)
    assert cancelled.data["refund"] == {"amount": "20.00", "currency": "EUR", "status": "pending"}
    assert "Refund: 20.00 EUR" in cancelled.body
    assert not Notification.objects.filter(user=staff).exists()
    assert [e.data["kind"] for e in stream_events(user_stream(player.pk))] == ["booking_confirmed", "booking_cancelled"]
    assert len(mail.outbox) == 2


def test_a_failing_notification_never_breaks_the_booking(django_capture_on_commit_callbacks):
    court = CourtFactory()
    user = UserFactory()
    with mock.patch.object(triggers, "notify_booking_confirmed", side_effect=RuntimeError("boom")):
        with django_capture_on_commit_callbacks(execute=True):
            reservation_id = ok(book(client_for(user), court), 201)["id"]
    assert Reservation.objects.get(pk=reservation_id).status == AllocationStatus.CONFIRMED
    assert not Notification.objects.exists()


# --- preferences and channels -------------------------------------------------------------------

def test_preferences_defaults_and_patch(api_client):
    user = UserFactory()
    client = client_for(user)
    data = ok(client.get("/api/v1/notifications/preferences/"))
    assert data["channels"] == ["email", "sms", "in_app"]
    assert set(data["kinds"]) == set(Kind.values)
    assert all(row == {"email": True, "sms": False, "in_app": True} for row in data["preferences"].values())
    data = ok(client.patch("/api/v1/notifications/preferences/",
                           {"preferences": {"booking_confirmed": {"sms": True, "email": False}}}, format="json"))
    assert data["preferences"]["booking_confirmed"] == {"email": False, "sms": True, "in_app": True}
    assert data["preferences"]["booking_cancelled"] == {"email": True, "sms": False, "in_app": True}
    # Another PATCH changes only what it names.
    data = ok(client.patch("/api/v1/notifications/preferences/",
                           {"preferences": {"booking_confirmed": {"in_app": False}}}, format="json"))
    assert data["preferences"]["booking_confirmed"] == {"email": False, "sms": True, "in_app": False}
    assert ok(client_for(UserFactory()).get("/api/v1/notifications/preferences/"))["preferences"][
        "booking_confirmed"]["email"] is True


@pytest.mark.parametrize("body, field", [
    ({"preferences": {"no_such_kind": {"email": True}}}, "preferences"),
    ({"preferences": {"booking_confirmed": {"pigeon": True}}}, "preferences"),
    ({"preferences": {"booking_confirmed": {"email": "maybe"}}}, "preferences"),
    ({"preferences": ["email"]}, "preferences"),
    ({}, "preferences"),
])
def test_bad_preferences_are_400(body, field):
    error = err(client_for(UserFactory()).patch("/api/v1/notifications/preferences/", body, format="json"),
                400, "validation_error")
    assert field in error["details"]


def test_preferences_need_sign_in(api_client):
    err(api_client.get("/api/v1/notifications/preferences/"), 401)


def test_sms_when_enabled_and_in_app_off(eager_celery, sms_outbox, django_capture_on_commit_callbacks):
    user = UserFactory(phone="+34600111222")
    services.set_preferences(user=user, changes={"booking_confirmed": {"sms": True, "email": False,
                                                                       "in_app": False}})
    court = CourtFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ok(book(client_for(user), court), 201)
    notification = Notification.objects.get(user=user)
    assert notification.in_app is False
    assert stream_events(user_stream(user.pk)) == []  # in-app off: nothing on the user stream
    assert mail.outbox == []
    assert len(sms_outbox) == 1 and sms_outbox[0]["to"] == "+34600111222"
    delivery = notification.deliveries.get()
    assert (delivery.channel, delivery.status, sms_outbox[0]["reference"]) == ("sms", "sent", str(delivery.pk))
    # Hidden from the inbox and the snapshot, since in-app is off for it.
    assert ok(client_for(user).get("/api/v1/notifications/"), paginated=True) == []
    assert unread_notifications_snapshot(user) == []


def test_sms_without_a_phone_number_is_not_attempted(sms_outbox):
    user = UserFactory(phone="")
    services.set_preferences(user=user, changes={"match_called": {"sms": True}})
    notification = triggers.notify_match_called([user], {"court": "Pista 3"})[0]
    assert set(notification.deliveries.values_list("channel", flat=True)) == {"email", "in_app"}


def test_all_channels_off_creates_nothing():
    user = UserFactory()
    services.set_preferences(user=user, changes={"match_called": {"email": False, "in_app": False}})
    assert triggers.notify_match_called([user], {"court": "Pista 3"}) == [None]
    assert not Notification.objects.exists()


def test_console_sms_backend_writes_the_message(capsys, settings):
    from apps.notifications.sms import ConsoleSmsBackend, get_sms_backend

    settings.SMS_BACKEND = "apps.notifications.sms.ConsoleSmsBackend"
    backend = get_sms_backend()
    assert isinstance(backend, ConsoleSmsBackend)
    backend.send(to="+34600000000", body="Hola", reference="r1")
    assert "SMS to +34600000000 [r1]\nHola" in capsys.readouterr().out


# --- retries and idempotency --------------------------------------------------------------------

def _sms_notification(user):
    services.set_preferences(user=user, changes={"match_called": {"sms": True, "email": False, "in_app": False}})
    return triggers.notify_match_called([user], {"court": "Pista 2", "match": "m1"})[0]


def test_failed_sends_are_retried_with_backoff_then_sent(eager_celery, settings):
    settings.SMS_BACKEND = f"{__name__}.FlakySms"
    FlakySms.failures, FlakySms.calls = 2, []
    user = UserFactory(phone="+34600000001")
    delivery = _sms_notification(user).deliveries.get()
    # Not propagating, eager apply() follows Celery's retry chain (as a worker would, minus the countdown).
    eager_celery.conf.task_eager_propagates = False
    result = tasks.send_delivery.apply(args=[str(delivery.pk)])
    assert result.get() == "sent"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert delivery.last_error == "ConnectionError: provider timeout"  # the last failure stays for the record
    assert FlakySms.calls == [str(delivery.pk)] * 3
    options = tasks.send_delivery
    assert (options.max_retries, options.retry_backoff, options.retry_backoff_max) == (5, 10, 600)
    assert options.autoretry_for == (DeliveryFailed,)


def test_retries_exhausted_marks_the_delivery_failed(eager_celery, settings):
    settings.SMS_BACKEND = f"{__name__}.FlakySms"
    FlakySms.failures, FlakySms.calls = 100, []
    user = UserFactory(phone="+34600000002")
    delivery = _sms_notification(user).deliveries.get()
    with pytest.raises(DeliveryFailed):
        eager_celery.conf.task_eager_propagates = False
        tasks.send_delivery.apply(args=[str(delivery.pk)]).get()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == tasks.MAX_RETRIES + 1
    assert "provider timeout" in delivery.last_error
    # Given up: a late duplicate of the task does not try again.
    assert attempt_delivery(delivery.pk, final=False) == DeliveryStatus.FAILED
    assert len(FlakySms.calls) == tasks.MAX_RETRIES + 1


def test_a_sent_delivery_is_never_sent_twice(eager_celery):
    user = UserFactory()
    notification = triggers.notify_match_called([user], {"court": "Pista 1"})[0]
    email = notification.deliveries.get(channel=Channel.EMAIL)
    for _ in range(3):  # redelivered task copies (acks_late)
        tasks.send_delivery.apply(args=[str(email.pk)]).get()
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)


def test_stale_pending_deliveries_are_requeued():
    user = UserFactory()
    notification = triggers.notify_match_called([user], {"court": "Pista 1"})[0]
    email = notification.deliveries.get(channel=Channel.EMAIL)
    with mock.patch.object(tasks.send_delivery, "apply_async") as apply_async:
        assert services.requeue_stale_deliveries() == 0  # fresh: its task is presumably on the way
        Delivery.objects.filter(pk=email.pk).update(updated_at=timezone.now() - timedelta(hours=1))
        assert periodic.requeue_stale_deliveries() == 1
    apply_async.assert_called_once_with((str(email.pk),), {})
    assert app.amqp.router.route({}, tasks.send_delivery.name)["queue"].name == "high_priority"  # project/celery.py


# --- other triggers -------------------------------------------------------------------------------

def _held(user, court, expires_in):
    start = at(court.club, future_day(court.club, 2), 12)
    return ReservationFactory(court=court, user=user, start=start, end=start + timedelta(hours=1),
                              status=AllocationStatus.HELD, payment_mode="online",
                              hold_expires_at=timezone.now() + expires_in)


def test_hold_expiry_warning_once_per_hold(eager_celery, django_capture_on_commit_callbacks):
    court = CourtFactory()
    soon = _held(UserFactory(), court, timedelta(seconds=90))
    later = _held(UserFactory(), CourtFactory(club=court.club), timedelta(minutes=5))
    confirmed = _held(UserFactory(), CourtFactory(club=court.club), timedelta(seconds=60))
    Reservation.objects.filter(pk=confirmed.pk).update(status=AllocationStatus.CONFIRMED)
    with django_capture_on_commit_callbacks(execute=True):
        assert periodic.warn_expiring_holds.apply().get() == 1
        assert periodic.warn_expiring_holds.apply().get() == 0  # the flag holds on the next minute
    warning = Notification.objects.get()
    assert (warning.user_id, warning.kind) == (soon.user_id, Kind.HOLD_EXPIRING)
    assert warning.dedupe_key == f"hold_expiring:{soon.pk}"
    assert warning.data["hold_expires_at"] == soon.hold_expires_at.isoformat()
    assert len(mail.outbox) == 1
    assert list(triggers.holds_to_warn()) == []
    # Five minutes later the other hold is in the window.
    assert list(triggers.holds_to_warn(now=timezone.now() + timedelta(minutes=4))) == [later.pk]


def test_hold_warning_skips_a_hold_paid_meanwhile():
    court = CourtFactory()
    held = _held(UserFactory(), court, timedelta(seconds=90))
    Reservation.objects.filter(pk=held.pk).update(status=AllocationStatus.CONFIRMED)
    assert triggers.notify_hold_expiring(held.pk) is None


def test_warn_expiring_holds_runs_every_minute_on_high_priority(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["warn-expiring-holds"]
    assert (entry["task"], entry["schedule"]) == ("notifications.warn_expiring_holds", 60.0)
    for task in (periodic.warn_expiring_holds, tasks.send_delivery):  # routed by name in project/celery.py
        assert app.amqp.router.route({}, task.name)["queue"].name == "high_priority"


def test_payment_received_and_refunded_are_once_per_reference(eager_celery, django_capture_on_commit_callbacks):
    court = CourtFactory()
    start = at(court.club, future_day(court.club, 2), 18)
    reservation = ReservationFactory(court=court, start=start, end=start + timedelta(hours=1),
                                     paid_amount="24.00", price="24.00")
    with django_capture_on_commit_callbacks(execute=True):
        first = triggers.notify_payment_received(reservation, reference="pi_123")
        assert triggers.notify_payment_received(reservation, reference="pi_123") is None  # webhook replay
        refund = triggers.notify_payment_refunded(reservation, amount="24.00", reference="re_9")
    assert first.title == "Payment received: 24.00 EUR"
    assert first.data["reference"] == "pi_123" and first.data["amount"] == "24.00"
    assert refund.kind == Kind.PAYMENT_REFUNDED and refund.title == "Refund issued: 24.00 EUR"
    assert Notification.objects.filter(user=reservation.user).count() == 2
    assert len(mail.outbox) == 2


def test_split_share_payment_notifies_the_payer():
    court = CourtFactory()
    start = at(court.club, future_day(court.club, 2), 18)
    reservation = ReservationFactory(court=court, start=start, end=start + timedelta(hours=1))
    partner = UserFactory()
    notification = triggers.notify_payment_received(reservation, amount="6.00", user=partner, reference="pi_share")
    assert notification.user == partner and notification.data["amount"] == "6.00"


def test_match_called_notifies_every_player_once():
    players = [UserFactory() for _ in range(4)]
    info = {"match": "7d0c5f5e-2a6e-4d55-9c49-0f1c4a9f1a10", "court": "Pista Central", "tournament": "Open"}
    created = triggers.notify_match_called(players, info)
    assert [n.user for n in created] == players
    assert created[0].title == "Your match is called: Pista Central"
    assert triggers.notify_match_called(players, info) == [None] * 4
    assert len(triggers.notify_match_called(players[:1], {**info, "call": 2})) == 1  # a deliberate re-call
    for player in players:
        assert [e.data["kind"] for e in stream_events(user_stream(player.pk))][0] == "match_called"


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        services.notify(user=UserFactory(), kind="spam", title="t", body="b")


# --- inbox REST and the /ws/me/ snapshot ------------------------------------------------------------

def _inbox(user, n):
    return [triggers.notify_match_called([user], {"court": f"Pista {i}"})[0] for i in range(n)]


def test_inbox_is_mine_paginated_newest_first():
    user, other = UserFactory(), UserFactory()
    mine = _inbox(user, 3)
    _inbox(other, 2)
    client = client_for(user)
    response = client.get("/api/v1/notifications/?page_size=2")
    data = ok(response, paginated=True)
    assert [n["id"] for n in data] == [str(mine[2].pk), str(mine[1].pk)]
    assert response.json()["pagination"] == {"page": 1, "page_size": 2, "total_count": 3, "total_pages": 2}
    assert set(data[0]) == {"id", "kind", "title", "body", "data", "read_at", "created_at"}
    err(client.get("/api/v1/notifications/?unread=perhaps"), 400)


def test_read_one_and_read_all():
    user, other = UserFactory(), UserFactory()
    first, second, third = _inbox(user, 3)
    theirs = _inbox(other, 1)[0]
    client = client_for(user)
    read = ok(client.post(f"/api/v1/notifications/{first.pk}/read/"))
    assert read["read_at"] is not None
    again = ok(client.post(f"/api/v1/notifications/{first.pk}/read/"))
    assert again["read_at"] == read["read_at"]  # idempotent: the first read time stays
    err(client.post(f"/api/v1/notifications/{theirs.pk}/read/"), 404, "not_found")
    err(client.post("/api/v1/notifications/not-a-uuid/read/"), 404)
    unread = ok(client.get("/api/v1/notifications/?unread=true"), paginated=True)
    assert [n["id"] for n in unread] == [str(third.pk), str(second.pk)]
    assert [n["id"] for n in unread_notifications_snapshot(user)] == [str(third.pk), str(second.pk)]
    assert ok(client.post("/api/v1/notifications/read-all/")) == {"updated": 2}
    assert ok(client.post("/api/v1/notifications/read-all/")) == {"updated": 0}
    assert unread_notifications_snapshot(user) == []
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_snapshot_has_the_event_shape():
    user = UserFactory()
    notification = _inbox(user, 1)[0]
    event = stream_events(user_stream(user.pk))[0]
    assert unread_notifications_snapshot(user) == [event.data]
    assert event.data["id"] == str(notification.pk)


def test_inbox_needs_sign_in(api_client):
    err(api_client.get("/api/v1/notifications/"), 401)
    err(api_client.post("/api/v1/notifications/read-all/"), 401)


def test_snapshot_accepts_a_user_id():
    user = UserFactory()
    notification = _inbox(user, 1)[0]
    assert [n["id"] for n in unread_notifications_snapshot(user.pk)] == [str(notification.pk)]


@pytest.mark.django_db(transaction=True)
async def test_me_stream_snapshot_then_live_notification():
    """The pieces fit: /ws/me/ shows unread notifications in its snapshot, then pushes new ones live."""
    import json

    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.db import connections
    from rest_framework_simplejwt.tokens import RefreshToken

    from project.asgi import application

    user = await sync_to_async(UserFactory)()
    # In-app only: this test commits for real, and an e-mail task would go to the shared broker.
    await sync_to_async(services.set_preferences)(user=user, changes={"match_called": {"email": False}})
    first = await sync_to_async(lambda: _inbox(user, 1)[0])()
    token = await sync_to_async(lambda: str(RefreshToken.for_user(user).access_token))()
    communicator = WebsocketCommunicator(application, f"/ws/me/?token={token}",
                                         headers=[(b"origin", b"http://localhost")])
    try:
        assert (await communicator.connect())[0]
        hello = json.loads(await communicator.receive_from(timeout=5))
        snapshot = json.loads(await communicator.receive_from(timeout=5))
        assert (hello["type"], hello["seq"], snapshot["type"]) == ("hello", 1, "snapshot")
        assert [n["id"] for n in snapshot["data"]["notifications"]] == [str(first.pk)]
        second = await sync_to_async(
            lambda: triggers.notify_match_called([user], {"court": "Pista 9"})[0])()
        event = json.loads(await communicator.receive_from(timeout=5))
        assert (event["type"], event["stream"], event["seq"]) == ("notification", f"user:{user.pk}", 2)
        assert event["data"]["id"] == str(second.pk) and event["data"]["title"] == "Your match is called: Pista 9"
        await communicator.disconnect()
    finally:
        await sync_to_async(connections.close_all)()


# --- wired to the payments app's signals ------------------------------------------------------------

def test_desk_payment_notifies_payment_received(eager_celery, django_capture_on_commit_callbacks):
    from apps.payments.services import desk_payment_record

    court = CourtFactory()
    start = at(court.club, future_day(court.club, 2), 18)
    reservation = ReservationFactory(court=court, start=start, end=start + timedelta(hours=1), price="24.00")
    with django_capture_on_commit_callbacks(execute=True):
        payment = desk_payment_record(reservation_id=reservation.pk, actor=staff_of(court.club))
    notification = Notification.objects.get(user=reservation.user, kind=Kind.PAYMENT_RECEIVED)
    assert notification.data["reference"] == str(payment.pk) and notification.data["amount"] == "24.00"
    assert [m.subject for m in mail.outbox] == ["Payment received: 24.00 EUR"]


def test_payment_signals_reach_owner_and_share_payer():
    from types import SimpleNamespace

    from apps.payments import signals as payment_signals

    court = CourtFactory()
    start = at(court.club, future_day(court.club, 2), 18)
    reservation = ReservationFactory(court=court, start=start, end=start + timedelta(hours=1), price="24.00")
    partner = UserFactory()
    payment = SimpleNamespace(pk="pay-1", method="card", amount=Decimal("6.00"), amount_received=Decimal("6.00"),
                              share=SimpleNamespace(email=partner.email.upper()))
    for _ in range(2):  # a replayed webhook sends the signal again: one notification each
        payment_signals.payment_succeeded.send(sender=None, payment=payment, reservation=reservation)
    refund = SimpleNamespace(pk="ref-1", amount=Decimal("6.00"))
    payment_signals.payment_refunded.send(sender=None, refund=refund, payment=payment, reservation=reservation)
    kinds = lambda user: sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))  # noqa: E731
    assert kinds(reservation.user) == ["payment_received", "payment_refunded"]
    assert kinds(partner) == ["payment_received", "payment_refunded"]


def test_read_all_until_what_the_screen_shows_leaves_a_newer_one_unread():
    user = UserFactory()
    older, shown = _inbox(user, 2)
    newer = _inbox(user, 1)[0]  # arrived after the screen rendered `shown`
    Notification.objects.filter(pk=newer.pk).update(created_at=shown.created_at + timedelta(seconds=1))
    client = client_for(user)
    body = {"until": shown.created_at.isoformat()}
    assert ok(client.post("/api/v1/notifications/read-all/", body, format="json")) == {"updated": 2}
    assert [n["id"] for n in unread_notifications_snapshot(user)] == [str(newer.pk)]
    err(client.post("/api/v1/notifications/read-all/", {"until": "yesterday"}, format="json"), 400)
    err(client.post("/api/v1/notifications/read-all/", {"until": "2030-01-01T10:00:00"}, format="json"), 400)  # no offset
    assert ok(client.post("/api/v1/notifications/read-all/", [], format="json")) == {"updated": 1}  # body ignored
