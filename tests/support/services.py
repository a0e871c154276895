"""Private PostgreSQL, Redis and daphne for the fault, fuzz and abuse tests (the servers
themselves are in bench/kit: the benches start the same ones).

One private PostgreSQL per test process holds a migrated template database; each test gets a
fresh copy of it, a Redis of its own and, with `node`, a daphne on both. Import the fixtures
into a test module or conftest to use them.
"""
from __future__ import annotations

import atexit
import os
import uuid

import psycopg2
import pytest
from psycopg2 import sql

from bench.kit.daphne import DaphneServer, cluster_env
from bench.kit.services import PrivatePostgres, PrivateRedis, migrate

TEMPLATE_DB = "padelyzer_template"
_shared: dict = {}


def shared_postgres() -> PrivatePostgres:
    """One private server per test process, with a migrated template database (15-30 s, paid
    once); `fresh_database()` copies it in well under a second. Stopped at exit."""
    pg = _shared.get("pg")
    if pg is None:
        pg = PrivatePostgres().start()
        atexit.register(pg.close)
        migrate(pg.create_database(TEMPLATE_DB))
        _shared["pg"] = pg
    elif not pg.ready():  # a fault test crashed it and failed before restarting it
        pg.crash()
        pg.start()
    return pg


def fresh_database(pg: PrivatePostgres, prefix: str = "live") -> str:
    """A new, migrated database (a copy of the template); returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = psycopg2.connect(pg.url(), connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                         sql.Identifier(TEMPLATE_DB)))
    finally:
        conn.close()
    return pg.url(name)


@pytest.fixture
def private_pg():
    return shared_postgres()


@pytest.fixture
def private_db(private_pg):
    return fresh_database(private_pg, "live")


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.close()


@pytest.fixture
def node(private_db, private_redis):
    """One daphne on the private database and Redis."""
    prefix = f"private-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    env = cluster_env(database_url=private_db, REDIS_URL=private_redis.url, CHANNEL_PREFIX=prefix,
                      CACHE_KEY_PREFIX=prefix, CELERY_BROKER_KEY_PREFIX=f"{prefix}:",
                      LIVE_DB_CONN_MAX_AGE="60")  # as in production (settings_test turns it off)
    server = DaphneServer(env, name="private").start()
    yield server
    server.kill()
    print(f"--- daphne log tail ---\n{server.log_tail(15)}")
