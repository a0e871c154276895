"""Errors in views, consumers and tasks reach Sentry when SENTRY_DSN is set (issue 4, point 6).

Sentry is initialised through the project's own init_sentry() with a capturing transport: the
envelopes the SDK would POST to sentry.io are collected in-process and inspected, including that
they carry no personal data and no credentials.
"""
from __future__ import annotations

import json
from datetime import date
from unittest import mock

import pytest
import sentry_sdk
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from rest_framework_simplejwt.tokens import RefreshToken
from sentry_sdk.transport import Transport

from project.sentry import init_sentry
from tests.support.api import client_for, err
from tests.support.factories import PASSWORD, ClubFactory, CourtFactory, UserFactory, staff_of

DSN = "https://public@sentry.example.invalid/1"
PHONE = "+34600000009"


class Captured:
    def __init__(self):
        self.envelopes = []

    @property
    def events(self) -> list[dict]:
        found = []
        for envelope in self.envelopes:
            for item in envelope.items:
                if item.type == "event":
                    found.append(item.payload.json)
        return found

    def only_event(self) -> dict:
        sentry_sdk.flush()
        events = self.events
        assert len(events) == 1, [e.get("exception") or e.get("logentry") for e in events]
        return events[0]


@pytest.fixture
def sentry():
    captured = Captured()

    class CapturingTransport(Transport):
        def capture_envelope(self, envelope):
            captured.envelopes.append(envelope)

        def flush(self, timeout, callback=None):
            pass

        def kill(self):
            pass

    assert init_sentry(DSN, release="test", transport=CapturingTransport) is True
    yield captured
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # back to a client with no DSN: nothing is sent


def exception_of(event) -> dict:
    values = event["exception"]["values"]
    return values[-1]


def _paths(value, needle, path=""):
    if isinstance(value, str):
        return [path] if needle in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paths(v, needle, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _paths(v, needle, f"{path}[{i}]")]
    return []


def assert_no_secrets(event, *secrets):
    for secret in secrets:
        leaks = _paths(event, secret)
        assert not leaks, f"{secret[:12]}... leaked into the Sentry event at {leaks}"


def test_no_dsn_means_off():
    assert init_sentry("", release="test") is False


# --- views ---------------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
async def test_view_error_is_reported_without_pii(sentry):
    """Through project.asgi.application, as in production (the ASGI handler is what Sentry wraps)."""
    from channels.testing import HttpCommunicator

    from project.asgi import application

    court = await sync_to_async(CourtFactory)()
    user = await sync_to_async(UserFactory)(first_name="Ana", last_name="Secretname")
    token = await sync_to_async(lambda: str(RefreshToken.for_user(user).access_token))()
    path = f"/api/v1/reservations/availability/?club={court.club_id}&date={date.today()}&token={token}"
    try:
        with mock.patch("apps.reservations.selectors.availability_for",
                        side_effect=RuntimeError("selector exploded")):
            response = await HttpCommunicator(application, "GET", path, headers=[
                (b"host", b"localhost"), (b"authorization", f"Bearer {token}".encode()),
                (b"cookie", b"sessionid=cookie-secret-value")]).get_response(timeout=10)
    finally:
        await sync_to_async(connections.close_all)()
    assert response["status"] == 500
    body = json.loads(response["body"])
    assert body["success"] is False and body["data"] is None
    assert body["error"] == {"code": "server_error", "details": {}}
    assert "selector exploded" not in response["body"].decode() and "Traceback" not in response["body"].decode()

    event = sentry.only_event()
    exc = exception_of(event)
    assert exc["type"] == "RuntimeError" and exc["value"] == "selector exploded"
    assert any(frame["function"] == "get" and frame["module"] == "apps.reservations.api"
               for frame in exc["stacktrace"]["frames"])
    assert event["release"] == "padelyzer@test"
    assert event["request"]["url"] == "http://localhost/api/v1/reservations/availability/"
    assert event["request"]["method"] == "GET"
    assert f"club={court.club_id}" in event["request"]["query_string"]
    assert "token=[REDACTED]" in event["request"]["query_string"]
    # No PII: no user, no Authorization header value, no cookies, no client address, no frame locals.
    assert "user" not in event
    assert not {"cookies", "env", "data"} & set(event["request"])
    headers = {k.lower(): v for k, v in event["request"]["headers"].items()}
    assert "cookie" not in headers or "cookie-secret-value" not in str(headers["cookie"])
    assert all("vars" not in frame for frame in exc["stacktrace"]["frames"])
    assert_no_secrets(event, token, user.email, "Secretname", "cookie-secret-value")


@pytest.mark.django_db
def test_view_error_on_a_post_body_does_not_leak_credentials(sentry):
    user = UserFactory()
    with mock.patch("apps.accounts.services.user_login", side_effect=RuntimeError("login backend down")):
        response = client_for().post("/api/v1/auth/login/", {"email": user.email, "password": PASSWORD},
                                     format="json")
    err(response, 500, "server_error")
    event = sentry.only_event()
    assert exception_of(event)["value"] == "login backend down"
    assert_no_secrets(event, PASSWORD, user.email)


@pytest.mark.django_db
def test_handled_errors_are_not_reported(sentry):
    err(client_for().get("/api/v1/auth/me/"), 401)
    err(client_for(UserFactory()).post("/api/v1/reports/", {}, format="json"), 400)
    sentry_sdk.flush()
    assert sentry.events == []


# --- tasks ---------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_failing_task_is_reported(sentry):
    from apps.reports import builders, tasks
    from apps.reports.models import Report

    club = ClubFactory()
    CourtFactory(club=club)
    staff = staff_of(club)
    report = Report.objects.create(club=club, kind="occupancy", created_by=staff,
                                   params={"date_from": "2026-03-01", "date_to": "2026-03-31"})
    with mock.patch.dict(builders.BUILDERS, {"occupancy": mock.Mock(side_effect=ZeroDivisionError("bad maths"))}):
        result = tasks.build_report.apply(args=[str(report.pk)], throw=False)
    assert result.failed()
    # Reported once: the task logs it (logging integration) and Sentry drops the Celery duplicate.
    event = sentry.only_event()
    assert exception_of(event)["type"] == "ZeroDivisionError" and exception_of(event)["value"] == "bad maths"
    assert event["extra"]["celery-job"]["task_name"] == "reports.build_report"
    assert_no_secrets(event, staff.email)


@pytest.mark.django_db
def test_task_retries_are_not_reported_only_the_final_failure(sentry, settings):
    from apps.notifications import services, tasks, triggers
    from project.celery import app

    class DownSms:
        def send(self, **kwargs):
            raise ConnectionError("sms provider down")

    settings.SMS_BACKEND = f"{__name__}.DownSmsBackend"
    user = UserFactory(phone=PHONE)
    services.set_preferences(user=user, changes={"match_called": {"sms": True, "email": False, "in_app": False}})
    delivery = triggers.notify_match_called([user], {"court": "Pista 1"})[0].deliveries.get()
    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False  # let eager apply() follow the retry chain
    try:
        with mock.patch(f"{__name__}.DownSmsBackend", DownSms, create=True):
            result = tasks.send_delivery.apply(args=[str(delivery.pk)])
    finally:
        app.conf.task_eager_propagates = saved
    assert result.failed()
    sentry_sdk.flush()
    reported = [exception_of(e) for e in sentry.events if "exception" in e]
    assert [(r["type"], r["mechanism"]["type"]) for r in reported] == [("DeliveryFailed", "celery")]
    assert_no_secrets(sentry.events, PHONE, user.email)


# --- consumers -----------------------------------------------------------------------------------------

async def _connect(path):
    from project.asgi import application

    communicator = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://localhost")])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


@pytest.mark.django_db(transaction=True)
async def test_consumer_error_during_connect_is_reported(sentry):
    user = await sync_to_async(UserFactory)()
    token = await sync_to_async(lambda: str(RefreshToken.for_user(user).access_token))()
    try:
        with mock.patch("consumers.base.check_subscription", side_effect=RuntimeError("permission store down")):
            communicator = await _connect(f"/ws/me/?token={token}")
            closed = await communicator.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 1011}
        await communicator.wait()
    finally:
        await sync_to_async(connections.close_all)()
    event = sentry.only_event()
    assert exception_of(event)["type"] == "RuntimeError"
    assert exception_of(event)["value"] == "permission store down"
    assert_no_secrets(event, token, user.email)


@pytest.mark.django_db(transaction=True)
async def test_consumer_error_in_a_handler_is_reported(sentry):
    user = await sync_to_async(UserFactory)()
    token = await sync_to_async(lambda: str(RefreshToken.for_user(user).access_token))()
    try:
        communicator = await _connect(f"/ws/me/?token={token}")
        hello = json.loads(await communicator.receive_from(timeout=5))
        assert hello["type"] == "hello"
        await communicator.receive_from(timeout=5)  # snapshot
        with mock.patch("consumers.base.StreamConsumer._on_ping", side_effect=RuntimeError("ping handler broke")):
            await communicator.send_to(text_data=json.dumps({"type": "ping"}))
            with pytest.raises(RuntimeError):
                await communicator.wait(timeout=5)
    finally:
        await sync_to_async(connections.close_all)()
    event = sentry.only_event()
    assert exception_of(event)["value"] == "ping handler broke"
    assert exception_of(event)["mechanism"]["type"] == "websocket"
    assert event["request"]["url"].endswith("/ws/me/")
    assert event["request"]["query_string"] == "token=[REDACTED]"
    assert "user" not in event and "env" not in event["request"]
    assert_no_secrets(event, token, user.email)
