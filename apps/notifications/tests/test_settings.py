"""PATCH notifications/settings/: the inbox's settings form (language, SMS number, channels) in
one request, all saved or none; a new number's code leaves only once everything is saved."""
from __future__ import annotations

from unittest import mock

import pytest

from apps.notifications.models import Channel, Kind
from apps.notifications.selectors import preference_matrix_get
from tests.support.api import client_for, err, ok
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

SETTINGS = "/api/v1/notifications/settings/"


@pytest.fixture
def player(eager_celery, sms_outbox):
    user = UserFactory(phone="", language="en")
    return user, client_for(user)


def test_language_number_and_channels_in_one_request(player, sms_outbox, django_capture_on_commit_callbacks):
    user, client = player
    with django_capture_on_commit_callbacks(execute=True):
        saved = ok(client.patch(SETTINGS, {"language": "es", "phone": "+34 600 111 222",
                                           "preferences": {Kind.BOOKING_CONFIRMED: {Channel.SMS: True}}},
                                format="json"))
    assert saved["me"]["language"] == "es" and saved["me"]["phone"] == "+34 600 111 222"
    assert saved["me"]["phone_verified"] is False
    assert saved["preferences"][Kind.BOOKING_CONFIRMED][Channel.SMS] is True
    assert saved["channels"] == ["email", "sms", "in_app"] and set(saved["kinds"]) == set(Kind.values)
    user.refresh_from_db()
    assert (user.language, user.phone) == ("es", "+34 600 111 222")
    assert [m["to"] for m in sms_outbox] == ["+34 600 111 222"]  # the verification code


def test_a_bad_number_saves_nothing(player, sms_outbox, django_capture_on_commit_callbacks):
    user, client = player
    with django_capture_on_commit_callbacks(execute=True):
        error = err(client.patch(SETTINGS, {"language": "es", "phone": "12",
                                            "preferences": {Kind.BOOKING_CONFIRMED: {Channel.SMS: True}}},
                                 format="json"), 400, "validation_error")
    assert "phone" in error["details"]
    user.refresh_from_db()
    assert (user.language, user.phone) == ("en", "")
    assert preference_matrix_get(user=user)[Kind.BOOKING_CONFIRMED][Channel.SMS] is False
    assert sms_outbox == []


def test_a_failure_while_saving_the_channels_takes_back_the_language_and_the_number(
        player, sms_outbox, django_capture_on_commit_callbacks):
    user, client = player
    client.raise_request_exception = False
    with mock.patch("apps.notifications.services.set_preferences", side_effect=RuntimeError("database went away")), \
            django_capture_on_commit_callbacks(execute=True):
        response = client.patch(SETTINGS, {"language": "es", "phone": "+34 600 111 222",
                                           "preferences": {Kind.BOOKING_CONFIRMED: {Channel.SMS: True}}},
                                format="json")
    assert response.status_code == 500
    user.refresh_from_db()
    assert (user.language, user.phone) == ("en", "")  # one transaction: nothing half-saved
    assert sms_outbox == []  # and no code for a number that was not saved


def test_each_part_is_optional(player):
    user, client = player
    saved = ok(client.patch(SETTINGS, {"preferences": {Kind.BOOKING_CANCELLED: {Channel.EMAIL: False}}},
                            format="json"))
    assert saved["preferences"][Kind.BOOKING_CANCELLED][Channel.EMAIL] is False and saved["me"]["language"] == "en"
    saved = ok(client.patch(SETTINGS, {"language": "es"}, format="json"))
    assert saved["me"]["language"] == "es" and saved["preferences"][Kind.BOOKING_CANCELLED][Channel.EMAIL] is False


@pytest.mark.parametrize("body", [[1, 2], {"preferences": {"nope": {"email": True}}}, {"language": "xx"},
                                  {"preferences": {Kind.BOOKING_CONFIRMED: {"fax": True}}}])
def test_bad_input_is_a_400(player, body):
    _user, client = player
    err(client.patch(SETTINGS, body, format="json"), 400)


def test_needs_sign_in(api_client):
    err(api_client.patch(SETTINGS, {"language": "es"}, format="json"), 401)
