"""project/settings.py read from the environment (CONTRACT §5), each case in a fresh interpreter.

Settings are evaluated once per process, so every case runs `import project.settings` in a
subprocess with exactly the variables it sets: nothing leaks in from the shell or the suite.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_ENV = {
    "DATABASE_URL": "postgres://padelyzer@127.0.0.1:5432/padelyzer",
    "SECRET_KEY": "settings-test-key-0123456789-0123456789-0123456789",
}

DUMP = """
import json, sys
from django.conf import settings
s = settings
out = {
    "DEBUG": s.DEBUG, "SECRET_KEY": s.SECRET_KEY, "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": s.CSRF_TRUSTED_ORIGINS, "CORS_ALLOWED_ORIGINS": s.CORS_ALLOWED_ORIGINS,
    "THROTTLE_RATES": s.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "DATABASE": {
        k: s.DATABASES["default"].get(k) for k in ("ENGINE", "NAME", "HOST", "PORT", "USER")},
    "CACHE": s.CACHES["default"]["BACKEND"], "CHANNEL_LAYER": s.CHANNEL_LAYERS["default"]["BACKEND"],
    "CELERY_EAGER": s.CELERY_TASK_ALWAYS_EAGER, "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "STRIPE_SECRET_KEY": s.STRIPE_SECRET_KEY, "PAYMENT_HOLD_MINUTES": getattr(s, "PAYMENT_HOLD_MINUTES", None),
}
print("RESULT " + json.dumps(out, default=str))
"""


def run_settings(env: dict, code: str = DUMP) -> subprocess.CompletedProcess:
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "project.settings",
                "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True,
                          timeout=120)


def load(env: dict) -> dict:
    result = run_settings(env)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def refused(env: dict) -> str:
    result = run_settings(env)
    assert result.returncode != 0, "settings loaded but should have been refused"
    assert "ImproperlyConfigured" in result.stderr, result.stderr[-3000:]
    return result.stderr


def test_safe_defaults():
    values = load(BASE_ENV)
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]
    assert values["CSRF_TRUSTED_ORIGINS"] == [] and values["CORS_ALLOWED_ORIGINS"] == []
    assert values["THROTTLE_RATES"] == {"login": "5/min", "register": "10/hour", "password_reset": "3/hour",
                                        "password_reset_confirm": "10/hour", "player_lookup": "300/hour",
                                        "user": "1000/hour", "anon": "3000/hour"}
    assert values["STRIPE_SECRET_KEY"] == ""  # Stripe off, no crash
    assert values["PAYMENT_HOLD_MINUTES"] == 10


def test_debug_only_when_set():
    assert load({**BASE_ENV, "DEBUG": "true"})["DEBUG"] is True
    assert load({**BASE_ENV, "DEBUG": "0"})["DEBUG"] is False
    assert load({**BASE_ENV, "DEBUG": ""})["DEBUG"] is False


def test_missing_secret_key_with_debug_off_is_refused():
    env = {k: v for k, v in BASE_ENV.items() if k != "SECRET_KEY"}
    assert "SECRET_KEY must be set" in refused(env)
    assert "SECRET_KEY must be set" in refused({**env, "SECRET_KEY": ""})


def test_missing_secret_key_is_tolerated_only_with_debug_on():
    env = {k: v for k, v in BASE_ENV.items() if k != "SECRET_KEY"}
    values = load({**env, "DEBUG": "1"})
    assert values["DEBUG"] is True and values["SECRET_KEY"]


def test_hosts_and_origins_come_from_the_environment():
    values = load({**BASE_ENV, "ALLOWED_HOSTS": "padel.example.com,.clubs.example.com",
                   "CSRF_TRUSTED_ORIGINS": "https://padel.example.com,https://admin.example.com",
                   "CORS_ALLOWED_ORIGINS": "https://app.example.com"})
    assert values["ALLOWED_HOSTS"] == ["padel.example.com", ".clubs.example.com"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://padel.example.com", "https://admin.example.com"]
    assert values["CORS_ALLOWED_ORIGINS"] == ["https://app.example.com"]


def test_empty_optional_lists_mean_none():
    """docker-compose passes unset optional variables as empty strings."""
    values = load({**BASE_ENV, "CSRF_TRUSTED_ORIGINS": "", "CORS_ALLOWED_ORIGINS": "", "THROTTLE_RATES": "",
                   "SENTRY_DSN": "", "STRIPE_SECRET_KEY": ""})
    assert values["CSRF_TRUSTED_ORIGINS"] == [] and values["CORS_ALLOWED_ORIGINS"] == []
    assert values["THROTTLE_RATES"]["login"] == "5/min"


def test_database_url_is_required_and_postgres_only():
    env = {k: v for k, v in BASE_ENV.items() if k != "DATABASE_URL"}
    assert "DATABASE_URL is not set" in refused(env)
    assert "PostgreSQL only" in refused({**env, "DATABASE_URL": "sqlite:///tmp/x.db"})


def test_unix_socket_database_url_of_the_embedded_server():
    """The URL form scripts/embedded_pg.py builds: the socket directory travels in the path."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import embedded_pg
    finally:
        sys.path.remove(str(ROOT / "scripts"))

    class FakeInfo:
        socket_dir, port = Path("/srv/pad elyzer/.data/postgres"), 5432

    class FakeServer:
        def get_postmaster_info(self):
            return FakeInfo()

    url = embedded_pg.database_url(FakeServer(), "padelyzer")
    database = load({**BASE_ENV, "DATABASE_URL": url})["DATABASE"]
    assert database == {"ENGINE": "django.db.backends.postgresql", "NAME": "padelyzer",
                        "HOST": "/srv/pad elyzer/.data/postgres", "PORT": 5432, "USER": "postgres"}


def test_throttle_rates_override_only_the_scopes_given():
    rates = load({**BASE_ENV, "THROTTLE_RATES": "login=20/min, register=100/hour,user=5000/hour"})["THROTTLE_RATES"]
    assert rates["login"] == "20/min"
    assert rates["register"] == "100/hour"
    assert rates["user"] == "5000/hour"
    assert rates["password_reset"] == "3/hour"  # untouched default


def test_bad_throttle_rates_are_refused_at_start_up():
    for bad in ("login=fast", "login=5/fortnight", "nosuchscope=5/min", "login", "login=/min"):
        stderr = refused({**BASE_ENV, "THROTTLE_RATES": bad})
        assert "THROTTLE_RATES" in stderr, bad


def test_without_redis_one_process_in_memory_layer_and_eager_tasks():
    values = load(BASE_ENV)
    assert values["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["CHANNEL_LAYER"] == "channels.layers.InMemoryChannelLayer"
    assert values["CELERY_EAGER"] is True


def test_with_redis_shared_cache_and_redis_channel_layer():
    values = load({**BASE_ENV, "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert values["CACHE"] == "apps.core.cache.ResilientRedisCache"  # Django's RedisCache, failing open
    assert values["CHANNEL_LAYER"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert values["CELERY_EAGER"] is False
    core = load({**BASE_ENV, "REDIS_URL": "redis://127.0.0.1:6379/0", "CHANNEL_LAYER": "core"})
    assert core["CHANNEL_LAYER"] == "channels_redis.core.RedisChannelLayer"


SENTRY_PROBE = """
import json
from django.conf import settings
settings.DEBUG  # load settings (initialises Sentry when SENTRY_DSN is set)
import sentry_sdk
client = sentry_sdk.get_client()
print("RESULT " + json.dumps({
    "active": client.is_active(),
    "dsn": client.options.get("dsn") if client.is_active() else None,
    "send_default_pii": client.options.get("send_default_pii") if client.is_active() else None,
    "integrations": sorted(getattr(client, "integrations", {}) or {}),
}))
"""


def _sentry(env: dict) -> dict:
    result = run_settings(env, SENTRY_PROBE)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def test_sentry_is_off_without_a_dsn():
    assert _sentry(BASE_ENV)["active"] is False
    assert _sentry({**BASE_ENV, "SENTRY_DSN": ""})["active"] is False


def test_sentry_is_initialised_with_a_dsn_without_pii():
    # Port 9 (discard) on loopback: nothing is sent during the test, and nothing leaves the machine.
    state = _sentry({**BASE_ENV, "SENTRY_DSN": "http://public@127.0.0.1:9/1"})
    assert state["active"] is True
    assert state["dsn"] == "http://public@127.0.0.1:9/1"
    assert state["send_default_pii"] is False
    assert {"django", "celery", "redis"} <= set(state["integrations"])


LOG_PROBE = """
import logging
import django
django.setup()
log = logging.getLogger("padelyzer.test")
log.warning("login attempt password=%s from %s", "hunter2-secret", "127.0.0.1")
log.warning("GET /ws/clubs/1/?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl&since=3")
log.warning("board /clubs/x/display/?key=dk_rawdisplaykey123")
log.warning("header Authorization: Bearer abc.def.ghi-opaque-token")
log.warning("payload %s", {"email": "a@example.com", "password": "pw-in-dict", "refresh": "refresh-value-9"})
try:
    raise ValueError("boom with access=token-in-exception")
except ValueError:
    log.exception("failed")
"""


def test_log_lines_are_json_and_never_carry_secrets():
    # Python's own warnings are not log lines: keep them out so every stderr line is a log record.
    result = run_settings({**BASE_ENV, "PYTHONWARNINGS": "ignore"}, LOG_PROBE)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON
    ours = [r for r in records if r["logger"] == "padelyzer.test"]
    assert len(ours) == 6
    for record in ours:
        assert {"ts", "level", "logger", "message", "request_id"} <= set(record)
    for secret in ("hunter2-secret", "eyJhbGciOiJIUzI1NiJ9", "dk_rawdisplaykey123", "abc.def.ghi-opaque-token",
                   "pw-in-dict", "refresh-value-9", "token-in-exception"):
        assert secret not in result.stderr, f"{secret} leaked into the logs"
    assert "[REDACTED]" in ours[0]["message"]
    assert "since=3" in ours[1]["message"]  # only the credential is cut, not the rest of the line
    assert "a@example.com" in ours[4]["message"]
