"""Fixtures of the tests under tests/: a private PostgreSQL, Redis and daphne node for the fault,
fuzz and abuse tests (tests/support/services.py; tests/browser has its own `node`)."""
from tests.support.services import node, private_db, private_pg, private_redis  # noqa: F401
