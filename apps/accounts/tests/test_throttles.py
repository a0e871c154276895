"""CONTRACT §1 rate limits: login 5/min per IP and e-mail, register 10/hour per IP, password reset
3/hour, API 1000/hour per user; 429 with Retry-After in the envelope; counted in the shared cache."""
import copy

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from rest_framework.test import APIClient

from apps.accounts.models import LoginAttempt
from project.throttle_rates import DEFAULT_THROTTLE_RATES, parse_throttle_rates
from tests.support.api import client_for, err, ok
from tests.support.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login/"


def _rates(**changes):
    rest = copy.deepcopy(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"].update(changes)
    return override_settings(REST_FRAMEWORK=rest)


def assert_throttled(response):
    error = err(response, 429, "throttled")
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 3600
    assert error["details"]["retry_after"] == retry_after


def test_defaults_are_the_contracts():
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"] == "5/min"
    assert DEFAULT_THROTTLE_RATES["login"] == "5/min"
    assert DEFAULT_THROTTLE_RATES["register"] == "10/hour"
    assert DEFAULT_THROTTLE_RATES["password_reset"] == "3/hour"
    assert DEFAULT_THROTTLE_RATES["user"] == "1000/hour"


def test_login_sixth_attempt_in_a_minute_is_429_and_failures_are_recorded():
    UserFactory(email="pat@example.com")
    client = APIClient()
    for _ in range(5):
        err(client.post(LOGIN, {"email": "pat@example.com", "password": "wrong"}, format="json"),
            401, "invalid_credentials")
    # even the right password is refused now: the limit is on attempts, not failures
    assert_throttled(client.post(LOGIN, {"email": "pat@example.com", "password": PASSWORD}, format="json"))
    assert LoginAttempt.objects.filter(email="pat@example.com", succeeded=False).count() == 5
    assert not LoginAttempt.objects.filter(succeeded=True).exists()


def test_login_limit_is_per_ip_and_email():
    UserFactory(email="pat@example.com")
    UserFactory(email="ana@example.com")
    for _ in range(5):
        APIClient().post(LOGIN, {"email": "pat@example.com", "password": "wrong"}, format="json",
                         REMOTE_ADDR="10.0.0.1")
    assert_throttled(APIClient().post(LOGIN, {"email": "PAT@example.com", "password": "x"}, format="json",
                                      REMOTE_ADDR="10.0.0.1"))
    # another member on the same club Wi-Fi is not locked out
    ok(APIClient().post(LOGIN, {"email": "ana@example.com", "password": PASSWORD}, format="json",
                        REMOTE_ADDR="10.0.0.1"))
    # the same e-mail from another IP is not locked out either
    ok(APIClient().post(LOGIN, {"email": "pat@example.com", "password": PASSWORD}, format="json",
                        REMOTE_ADDR="10.0.0.2"))


def test_register_eleventh_in_an_hour_from_one_ip_is_429():
    for i in range(10):
        ok(APIClient().post("/api/v1/auth/register/", {"email": f"u{i}@example.com", "password": "a-Long-pass-42"},
                            format="json", REMOTE_ADDR="10.9.9.9"), 201)
    assert_throttled(APIClient().post("/api/v1/auth/register/", {"email": "u10@example.com",
                                                                 "password": "a-Long-pass-42"},
                                      format="json", REMOTE_ADDR="10.9.9.9"))
    ok(APIClient().post("/api/v1/auth/register/", {"email": "other@example.com", "password": "a-Long-pass-42"},
                        format="json", REMOTE_ADDR="10.9.9.10"), 201)


def test_password_reset_fourth_in_an_hour_is_429():
    for _ in range(3):
        ok(APIClient().post("/api/v1/auth/password-reset/", {"email": "a@example.com"}, format="json"))
    assert_throttled(APIClient().post("/api/v1/auth/password-reset/", {"email": "b@example.com"}, format="json"))


def test_choosing_the_new_password_has_its_own_room_for_typos():
    for _ in range(3):
        ok(APIClient().post("/api/v1/auth/password-reset/", {"email": "a@example.com"}, format="json"))
    # The requests used up their scope; the link's form still answers (400: a bad token), ten times.
    for _ in range(10):
        response = APIClient().post("/api/v1/auth/password-reset/confirm/",
                                    {"uid": "x", "token": "y", "new_password": "brand-New-pass-77"}, format="json")
        assert response.status_code == 400, response.json()
    assert_throttled(APIClient().post("/api/v1/auth/password-reset/confirm/",
                                      {"uid": "x", "token": "y", "new_password": "brand-New-pass-77"}, format="json"))


def test_user_rate_limits_each_signed_in_user():
    alice, bob = UserFactory(), UserFactory()
    with _rates(user="3/min"):
        client = client_for(alice)
        for _ in range(3):
            ok(client.get("/api/v1/auth/me/"))
        assert_throttled(client.get("/api/v1/reservations/reservations/"))
        ok(client_for(bob).get("/api/v1/auth/me/"))


def test_throttle_rates_come_from_the_environment_format():
    rates = parse_throttle_rates("login=20/min, register=100/hour,user=5000/hour", DEFAULT_THROTTLE_RATES)
    assert rates["login"] == "20/min" and rates["register"] == "100/hour" and rates["user"] == "5000/hour"
    assert rates["password_reset"] == "3/hour"
    for bad in ["login=fast", "nosuch=1/min", "login", "login=5/fortnight"]:
        with pytest.raises(ImproperlyConfigured):
            parse_throttle_rates(bad, DEFAULT_THROTTLE_RATES)


def test_counters_live_in_the_shared_redis_cache():
    """Several daphne processes must share one count: the throttle cache is Redis, not process memory."""
    from django.core.cache import cache, caches
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["default"], RedisCache), type(caches["default"])
    APIClient().post(LOGIN, {"email": "pat@example.com", "password": "x"}, format="json", REMOTE_ADDR="10.7.7.7")
    history = cache.get("throttle_login_10.7.7.7|pat@example.com")
    assert isinstance(history, list) and len(history) == 1


def test_the_environment_variable_reaches_the_settings(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "THROTTLE_RATES": "login=20/min,user=5000/hour", "DJANGO_SETTINGS_MODULE": "project.settings"}
    env.setdefault("SECRET_KEY", "x" * 50)
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "r = settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']; print(r['login'], r['user'], r['register'])"],
        env=env, capture_output=True, text=True, timeout=60, cwd=settings.BASE_DIR)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["20/min", "5000/hour", "10/hour"]
