"""Fault-test fixtures: a private PostgreSQL (one per test process, a fresh database per test),
a private Redis per test, and a daphne node on both (see tests/private_services.py)."""
from tests.private_services import node, private_db, private_pg, private_redis  # noqa: F401
