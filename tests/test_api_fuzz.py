"""API fuzzing (issue 6, point 4): schemathesis over the served /api/schema/, as a signed-in user.

Every operation of the OpenAPI document is called with generated requests, valid and invalid,
against a real daphne (private PostgreSQL and Redis, tests/support/services.py). Each answer
must be no server error, carry a status code the schema documents for that operation, a
documented content type, and a body that conforms to the documented schema (the envelope,
apps/core/schema.py). The document is built in-process and checked equal to the served one.

The caller is an org admin who owns a club with a court, a pricing rule, a reservation and a
tournament, so generated requests reach past "not found". Each request gets a freshly minted
access token: a generated logout then revokes only its own. Examples per operation are bounded
(FUZZ_EXAMPLES, default 15) and derandomized, so CI runs the same few minutes every time.
"""
from __future__ import annotations

import json
import os
import uuid
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bench.kit.daphne import DaphneServer, cluster_env
from bench.kit.services import PrivateRedis
from tests.support.remote import call, seed_club
from tests.support.services import fresh_database, shared_postgres

pytestmark = [pytest.mark.slow]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
ANSWERS: dict[str, Counter] = {}  # operation -> status codes seen (for the coverage check below)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


@pytest.fixture(scope="module")
def fuzz_node():
    database_url = fresh_database(shared_postgres(), "fuzz")
    redis_server = PrivateRedis().start()
    prefix = f"fuzz-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    env = cluster_env(database_url=database_url, REDIS_URL=redis_server.url, CHANNEL_PREFIX=prefix,
                      CACHE_KEY_PREFIX=prefix, CELERY_BROKER_KEY_PREFIX=f"{prefix}:",
                      THROTTLE_RATES="login=100000/min,register=100000/hour,password_reset=100000/hour,"
                                     "user=1000000/hour,anon=1000000/hour",
                      # Webhooks on (signature checks get fuzzed); no API key: no call leaves the machine.
                      STRIPE_WEBHOOK_SECRET="whsec_fuzz_only_not_a_real_secret")
    server = DaphneServer(env, name="fuzz").start()
    yield server
    server.kill()
    redis_server.close()


@pytest.fixture(scope="module")
def fuzz_world(fuzz_node):
    """A club owner's world with one object of each kind, so ids in paths can exist."""
    club = seed_club(fuzz_node.http, courts=2, players=1)
    session, base, token = requests.Session(), fuzz_node.http, club.owner["access"]
    court, start, end = club.slot(0)
    call(session, "POST", f"{base}/api/v1/reservations/reservations/", token=token,
         json={"court": court, "start": start, "end": end})
    call(session, "POST", f"{base}/api/v1/clubs/pricing-rules/", token=token,
         json={"club": club.club_id, "court": None, "weekdays": [0, 1, 2, 3, 4], "start_time": "18:00",
               "end_time": "22:00", "price_per_hour": "30.00", "priority": 1})
    call(session, "POST", f"{base}/api/v1/clubs/display-keys/", token=token,
         json={"club": club.club_id, "name": "Board"})
    call(session, "POST", f"{base}/api/v1/tournaments/tournaments/", token=token,
         json={"club": club.club_id, "name": "Fuzz Cup", "format": "single_elimination", "golden_point": False,
               "super_tiebreak": True, "is_public": True})
    return club


def served_schema() -> dict:
    """The document /api/schema/ serves, built in-process (pytest-django has set Django up by
    collection time; schemathesis needs the operations then). test_the_fuzzed_schema_is_the_served_one
    checks the live server serves exactly this."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def fresh_token(user_id: str) -> str:
    """A new access token for the user (the server shares this process's SECRET_KEY)."""
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken()
    token["user_id"] = user_id
    return str(token)


schema = schemathesis.openapi.from_dict(served_schema())


def test_the_fuzzed_schema_is_the_served_one(fuzz_node):
    served = requests.get(f"{fuzz_node.http}/api/schema/?format=json", timeout=30)
    assert served.status_code == 200 and served.headers["Content-Type"].startswith("application/")
    assert served.json() == json.loads(json.dumps(served_schema(), default=str))


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_answer_is_documented_and_never_a_server_error(case, fuzz_node, fuzz_world):
    # Signed in, always: the generator would otherwise put random strings in the bearer header
    # (bad credentials are covered by the authentication tests).
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {fresh_token(fuzz_world.owner['id'])}"}
    response = case.call_and_validate(base_url=fuzz_node.http, checks=CHECKS, timeout=30)
    ANSWERS.setdefault(f"{case.operation.method.upper()} {case.operation.path}", Counter())[response.status_code] += 1


def test_the_fuzzing_reached_past_authentication_and_validation():
    """Guards against a fuzz run that only ever saw 401s or 400s (a broken token, say)."""
    assert len(ANSWERS) >= 60, sorted(ANSWERS)
    total = sum((counts for counts in ANSWERS.values()), Counter())
    with_success = [op for op, counts in ANSWERS.items() if any(200 <= s < 300 for s in counts)]
    print(f"{sum(total.values())} requests over {len(ANSWERS)} operations; statuses {dict(sorted(total.items()))}; "
          f"{len(with_success)} operations answered 2xx at least once")
    assert total[401] < sum(total.values()) / 2
    assert len(with_success) >= len(ANSWERS) // 3, sorted(set(ANSWERS) - set(with_success))
