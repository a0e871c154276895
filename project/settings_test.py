"""Test settings: the real settings with test-only defaults for what the environment may not set."""
import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("CACHE_KEY_PREFIX", f"padelyzer-test-{os.getpid()}")
os.environ.setdefault("CHANNEL_PREFIX", f"padelyzer-test-{os.getpid()}")
# pytest-xdist workers inherit the controller's environment: give each its own cache keys, or
# their throttle and rate-limit counters add up across workers.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["CACHE_KEY_PREFIX"] = f"padelyzer-test-{os.getpid()}-{os.environ['PYTEST_XDIST_WORKER']}"
# Tasks queued by committing tests go under this run's own broker prefix (dropped at session end).
os.environ.setdefault("CELERY_BROKER_KEY_PREFIX", f"padelyzer-test-{os.getpid()}:")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

from project.settings import *  # noqa: E402,F401,F403

# Socket-pool threads keep no database connection between calls in tests: test databases are
# dropped at the end, which open connections would block (consumers.base.db). Servers on a
# private database (tests/support/services.py) turn it back on to test it.
LIVE_DB_CONN_MAX_AGE = float(os.environ.get("LIVE_DB_CONN_MAX_AGE", "0"))
