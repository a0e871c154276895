"""Phone verification: SMS notifications go only to a number its owner proved with a code."""
import re

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.accounts.phone import MAX_ATTEMPTS
from apps.notifications.models import Channel, Kind
from apps.notifications.selectors import channel_list_enabled
from apps.notifications.services import set_preferences
from tests.support.api import client_for, err, ok
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"
SEND = "/api/v1/auth/me/phone/send-code/"
VERIFY = "/api/v1/auth/me/phone/verify/"


def code_in(message: dict) -> str:
    return re.search(r"\b(\d{6})\b", message["body"]).group(1)


@pytest.fixture
def player(eager_celery, sms_outbox):
    user = UserFactory(phone="")
    set_preferences(user=user, changes={Kind.BOOKING_CONFIRMED: {Channel.SMS: True}})  # SMS wanted
    return user, client_for(user)


def test_a_new_number_gets_a_code_and_sms_start_once_it_is_verified(player, sms_outbox,
                                                                     django_capture_on_commit_callbacks):
    user, client = player
    with django_capture_on_commit_callbacks(execute=True):
        me = ok(client.patch(ME, {"phone": "+52 55 1234 5678"}, format="json"))
    assert me["phone"] == "+52 55 1234 5678" and me["phone_verified"] is False
    assert [m["to"] for m in sms_outbox] == ["+52 55 1234 5678"]
    user.refresh_from_db()
    assert Channel.SMS not in channel_list_enabled(user=user, kind=Kind.BOOKING_CONFIRMED)  # not proved yet

    code = code_in(sms_outbox[0])
    wrong = "000000" if code != "000000" else "111111"
    assert err(client.post(VERIFY, {"code": wrong}, format="json"), 400, "wrong_code")["details"]["code"]
    err(client.post(VERIFY, {"code": "12ab"}, format="json"), 400, "validation_error")
    verified = ok(client.post(VERIFY, {"code": code}, format="json"))
    assert verified["phone_verified"] is True
    user.refresh_from_db()
    assert user.phone_verified_at is not None
    assert Channel.SMS in channel_list_enabled(user=user, kind=Kind.BOOKING_CONFIRMED)
    err(client.post(VERIFY, {"code": code}, format="json"), 400, "code_expired")  # used up
    err(client.post(SEND), 409, "phone_already_verified")

    # Changing the number un-proves it until the new one is verified.
    with django_capture_on_commit_callbacks(execute=True):
        assert ok(client.patch(ME, {"phone": "+34 600 000 000"}, format="json"))["phone_verified"] is False
    user.refresh_from_db()
    assert user.phone_verified_at is None and Channel.SMS not in channel_list_enabled(user=user, kind=Kind.BOOKING_CONFIRMED)
    assert sms_outbox[-1]["to"] == "+34 600 000 000"


def test_the_spanish_speaker_gets_the_code_in_spanish(eager_celery, sms_outbox, django_capture_on_commit_callbacks):
    user = UserFactory(language="es")
    with django_capture_on_commit_callbacks(execute=True):
        ok(client_for(user).patch(ME, {"phone": "+52 55 1234 5678"}, format="json"))
    assert sms_outbox[0]["body"].startswith("Padelyzer: tu código es ")


def test_five_wrong_codes_burn_it_and_new_codes_wait_a_minute(player, sms_outbox, django_capture_on_commit_callbacks):
    user, client = player
    with django_capture_on_commit_callbacks(execute=True):
        ok(client.patch(ME, {"phone": "+52 55 1234 5678"}, format="json"))
    code = code_in(sms_outbox[0])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(MAX_ATTEMPTS):
        err(client.post(VERIFY, {"code": wrong}, format="json"), 400, "wrong_code")
    err(client.post(VERIFY, {"code": code}, format="json"), 400, "code_expired")  # even the right one now
    assert User.objects.get(pk=user.pk).phone_verified_at is None
    # A burnt code may be replaced at once; the next one only after a minute (429 + Retry-After).
    with django_capture_on_commit_callbacks(execute=True):
        ok(client.post(SEND))
    assert len(sms_outbox) == 2
    again = client.post(SEND)
    assert again.status_code == 429 and 0 < int(again["Retry-After"]) <= 60
    assert len(sms_outbox) == 2
    ok(client.post(VERIFY, {"code": code_in(sms_outbox[1])}, format="json"))


def test_no_phone_no_code_and_only_your_own_number(player):
    user, client = player
    err(client.post(SEND), 400, "no_phone")
    err(client.post(VERIFY, {"code": "123456"}, format="json"), 400, "code_expired")
    err(APIClient().post(SEND), 401)


def test_hourly_cap_on_codes_even_across_numbers(player, sms_outbox, django_capture_on_commit_callbacks):
    user, client = player
    for n in range(7):  # a different number each time: the cooldown does not apply, the cap does
        with django_capture_on_commit_callbacks(execute=True):
            ok(client.patch(ME, {"phone": f"+52 55 1234 00{n:02d}"}, format="json"))  # the profile still saves
    assert len(sms_outbox) == 5
    assert User.objects.get(pk=user.pk).phone == "+52 55 1234 0006"
    response = client.post(SEND)
    assert response.status_code == 429


def test_a_factory_phone_is_verified_and_an_unverified_one_gets_no_sms():
    assert UserFactory(phone="+52 55 1111 2222").phone_verified_at is not None
    unproved = UserFactory(phone="+52 55 1111 3333", phone_verified_at=None)
    set_preferences(user=unproved, changes={Kind.BOOKING_CONFIRMED: {Channel.SMS: True}})
    assert Channel.SMS not in channel_list_enabled(user=unproved, kind=Kind.BOOKING_CONFIRMED)


def test_one_number_cannot_be_bombed_from_many_accounts(eager_celery, sms_outbox, django_capture_on_commit_callbacks):
    for _ in range(7):
        with django_capture_on_commit_callbacks(execute=True):
            ok(client_for(UserFactory()).patch(ME, {"phone": "+52 (55) 9999-0000"}, format="json"))
    assert len(sms_outbox) == 5  # the same digits, however written


def test_without_redis_codes_are_refused_cleanly_and_the_profile_still_saves(player, sms_outbox, monkeypatch,
                                                                             django_capture_on_commit_callbacks):
    from django.core.cache import cache
    from redis.exceptions import ConnectionError as RedisConnectionError

    user, client = player

    def down(*args, **kwargs):
        raise RedisConnectionError("Redis is away")

    monkeypatch.setattr(cache, "incr", down)
    with django_capture_on_commit_callbacks(execute=True):
        me = ok(client.patch(ME, {"phone": "+52 55 1234 5678"}, format="json"))
    assert me["phone"] == "+52 55 1234 5678" and sms_outbox == []
    err(client.post(SEND), 503, "verification_unavailable")


def test_a_queued_sms_is_not_sent_once_the_number_changed(eager_celery, sms_outbox):
    from apps.notifications import delivery as sending
    from apps.notifications import services as notifications
    from apps.notifications.models import Delivery, DeliveryStatus

    user = UserFactory(phone="+52 55 1111 2222")
    set_preferences(user=user, changes={Kind.MATCH_CALLED: {Channel.SMS: True}})
    notification = notifications.notify(user=user, kind=Kind.MATCH_CALLED, title="Called", body="Pista 1")
    delivery = notification.deliveries.get(channel=Channel.SMS)
    User.objects.filter(pk=user.pk).update(phone="+52 55 3333 4444", phone_verified_at=None)
    with pytest.raises(sending.DeliveryFailed):
        sending.attempt_delivery(delivery.pk, final=True)
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.FAILED
    assert sms_outbox == []
