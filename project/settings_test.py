"""Test settings: the real settings with test-only defaults for what the environment may not set."""
import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("CACHE_KEY_PREFIX", f"padelyzer-test-{os.getpid()}")
os.environ.setdefault("CHANNEL_PREFIX", f"padelyzer-test-{os.getpid()}")
# Tasks queued by committing tests go under this run's own broker prefix (dropped at session end).
os.environ.setdefault("CELERY_BROKER_KEY_PREFIX", f"padelyzer-test-{os.getpid()}:")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

from project.settings import *  # noqa: E402,F401,F403
