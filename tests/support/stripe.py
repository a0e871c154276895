"""A small in-memory Stripe for tests: no network, real client code paths.

`FakeStripe` answers the part of the Stripe API Padelyzer uses (PaymentIntents and Refunds)
with Stripe-shaped JSON, keeps Stripe's idempotency semantics (same key + same request ->
the first answer replayed; same key + different request -> 400 idempotency_error) and checks
every request: method, path, API key, Stripe-Version, Idempotency-Key on POSTs, parameters.
Anything unexpected is recorded in `problems` (tests assert it stays empty).

Two transports put it behind stripe-python:
- `FakeStripeHTTP`: a stripe `HTTPClient` (in-process tests, via use_http_client()).
- `FakeStripeServer`: a local HTTP server (subprocess workers, via STRIPE_API_BASE), which
  can hold a request until the test has killed the worker that sent it.
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import stripe

API_KEY = "sk_test_padelyzer_fake"
PUBLISHABLE_KEY = "pk_test_padelyzer_fake"
WEBHOOK_SECRET = "whsec_padelyzer_fake"

_INTENT_CANCELABLE = {"requires_payment_method", "requires_confirmation", "requires_action", "requires_capture"}


def _nest(pairs) -> dict:
    """Stripe's form encoding (metadata[k]=v, a[b][c]=v) back to nested dicts."""
    out: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        target = out
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return out


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Stripe's webhook signature: t=<unix>,v1=hex(HMAC-SHA256(secret, f"{t}.{payload}"))."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


class FakeStripe:
    def __init__(self, api_key: str = API_KEY):
        self.api_key = api_key
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.problems: list[str] = []
        self.refund_status = "succeeded"  # what a new refund reports (Stripe may say "pending")
        self._idempotent: dict[str, tuple[str, int, dict]] = {}
        self._ids = itertools.count(1)
        self._events = itertools.count(1)
        self._lock = threading.RLock()
        # Failure injection: path prefix -> list of modes ("lost_response", "server_error").
        self._faults: dict[tuple[str, str], list[str]] = {}

    # --- request handling ---

    def handle(self, method: str, url: str, headers: dict, body: str | bytes | None) -> tuple[int, dict, dict]:
        method = method.lower()
        parts = urlsplit(url)
        path = parts.path
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        if isinstance(body, bytes):
            body = body.decode()
        params = _nest(parse_qsl(body or parts.query, keep_blank_values=True))
        with self._lock:
            self.requests.append({"method": method, "path": path, "params": params,
                                  "idempotency_key": headers.get("idempotency-key")})
            if headers.get("authorization") != f"Bearer {self.api_key}":
                self.problems.append(f"{method} {path}: wrong or missing API key")
                return 401, self._error("invalid_request_error", "Invalid API Key provided"), {}
            if not headers.get("stripe-version"):
                self.problems.append(f"{method} {path}: no Stripe-Version header")
            if method == "post":
                key = headers.get("idempotency-key")
                if not key or not key.startswith("padelyzer-"):
                    # stripe-python invents a random key when we give none: a retry would then
                    # create a second object. Every POST of ours must carry a derived key.
                    self.problems.append(f"POST {path}: no derived Idempotency-Key ({key!r})")
                if headers.get("content-type") != "application/x-www-form-urlencoded":
                    self.problems.append(f"POST {path}: content-type {headers.get('content-type')}")
                fingerprint = json.dumps([path, params], sort_keys=True)
                if key in self._idempotent:
                    seen, status, answer = self._idempotent[key]
                    if seen != fingerprint:
                        self.problems.append(f"POST {path}: key {key} reused with different parameters")
                        return 400, self._error("idempotency_error", "Keys for idempotent requests can only be "
                                                "used with the same parameters they were first used with."), {}
                    return status, answer, {"Idempotent-Replayed": "true"}
                status, answer = self._route(method, path, params)
                if status < 500:  # Stripe does not store 5xx answers under the key
                    self._idempotent[key] = (fingerprint, status, answer)
                return status, answer, {}
            return self._route(method, path, params) + ({},)

    def fault(self, method: str, path_prefix: str, *modes: str) -> None:
        """Next matching requests fail: "lost_response" (done, answer lost), "server_error", "refuse"."""
        self._faults.setdefault((method.lower(), path_prefix), []).extend(modes)

    def take_fault(self, method: str, path: str) -> str | None:
        with self._lock:
            for (m, prefix), modes in self._faults.items():
                if m == method.lower() and path.startswith(prefix) and modes:
                    return modes.pop(0)
        return None

    def _route(self, method, path, params) -> tuple[int, dict]:
        segments = path.strip("/").split("/")
        if segments[:2] == ["v1", "payment_intents"]:
            if method == "post" and len(segments) == 2:
                return self._create_intent(params)
            if len(segments) >= 3 and segments[2] not in self.intents:
                return 404, self._error("invalid_request_error", f"No such payment_intent: '{segments[2]}'",
                                        code="resource_missing")
            if method == "get" and len(segments) == 3:
                return 200, dict(self.intents[segments[2]])
            if method == "post" and len(segments) == 4 and segments[3] == "cancel":
                return self._cancel_intent(segments[2])
        if segments[:2] == ["v1", "refunds"]:
            if method == "post" and len(segments) == 2:
                return self._create_refund(params)
            if method == "get" and len(segments) == 3:
                if segments[2] not in self.refunds:
                    return 404, self._error("invalid_request_error", "No such refund", code="resource_missing")
                return 200, dict(self.refunds[segments[2]])
        self.problems.append(f"unexpected request {method.upper()} {path}")
        return 404, self._error("invalid_request_error", f"Unrecognized request URL ({method.upper()}: {path})")

    def _create_intent(self, params) -> tuple[int, dict]:
        amount = params.get("amount", "")
        currency = params.get("currency", "")
        if not amount.isdigit() or int(amount) <= 0:
            self.problems.append(f"payment_intent amount {amount!r}")
            return 400, self._error("invalid_request_error", "Invalid positive integer", param="amount")
        if len(currency) != 3 or currency != currency.lower():
            self.problems.append(f"payment_intent currency {currency!r}")
            return 400, self._error("invalid_request_error", "Invalid currency", param="currency")
        if (params.get("automatic_payment_methods") or {}).get("enabled") != "true":
            self.problems.append("payment_intent without automatic_payment_methods[enabled]=true")
        meta = params.get("metadata") or {}
        if not meta.get("reservation_id") or not meta.get("payment_id"):
            self.problems.append(f"payment_intent metadata {meta!r}")
        pi_id = f"pi_fake{next(self._ids):06d}"
        self.intents[pi_id] = {
            "id": pi_id, "object": "payment_intent", "amount": int(amount), "amount_received": 0,
            "currency": currency, "status": "requires_payment_method",
            "client_secret": f"{pi_id}_secret_{hashlib.sha1(pi_id.encode()).hexdigest()[:16]}",
            "metadata": meta, "description": params.get("description"), "livemode": False,
            "created": int(time.time()), "last_payment_error": None, "latest_charge": None,
        }
        return 200, dict(self.intents[pi_id])

    def _cancel_intent(self, pi_id) -> tuple[int, dict]:
        intent = self.intents[pi_id]
        if intent["status"] not in _INTENT_CANCELABLE:
            return 400, self._error(
                "invalid_request_error",
                f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}.",
                code="payment_intent_unexpected_state")
        intent["status"] = "canceled"
        intent["cancellation_reason"] = "requested_by_customer"
        return 200, dict(intent)

    def _create_refund(self, params) -> tuple[int, dict]:
        pi_id = params.get("payment_intent")
        intent = self.intents.get(pi_id or "")
        if intent is None:
            self.problems.append(f"refund of unknown intent {pi_id!r}")
            return 400, self._error("invalid_request_error", "No such payment_intent", code="resource_missing")
        already = sum(r["amount"] for r in self.refunds.values()
                      if r["payment_intent"] == pi_id and r["status"] != "failed")
        amount = int(params.get("amount") or intent["amount_received"] - already)
        if intent["status"] != "succeeded" or amount <= 0 or already + amount > intent["amount_received"]:
            self.problems.append(f"refund of {amount} on {pi_id} ({intent['status']}, {already} refunded)")
            return 400, self._error("invalid_request_error", "Refund amount is greater than unrefunded amount",
                                    code="charge_already_refunded")
        re_id = f"re_fake{next(self._ids):06d}"
        self.refunds[re_id] = {"id": re_id, "object": "refund", "amount": amount, "currency": intent["currency"],
                               "payment_intent": pi_id, "charge": intent["latest_charge"],
                               "status": self.refund_status, "reason": params.get("reason"),
                               "metadata": params.get("metadata") or {}, "created": int(time.time()),
                               "failure_reason": None}
        return 200, dict(self.refunds[re_id])

    @staticmethod
    def _error(type_, message, code=None, param=None) -> dict:
        return {"error": {"type": type_, "message": message, "code": code, "param": param}}

    # --- what "the customer" and "Stripe" do, for tests ---

    def intent_for(self, payment_id) -> dict:
        matches = [i for i in self.intents.values() if i["metadata"].get("payment_id") == str(payment_id)]
        assert len(matches) == 1, f"{len(matches)} intents for payment {payment_id}"
        return matches[0]

    def pay(self, pi_id: str) -> dict:
        with self._lock:
            intent = self.intents[pi_id]
            assert intent["status"] != "canceled", "cannot pay a canceled intent"
            intent.update(status="succeeded", amount_received=intent["amount"], last_payment_error=None,
                          latest_charge=f"ch_fake{next(self._ids):06d}")
            return dict(intent)

    def decline(self, pi_id: str, message: str = "Your card was declined.") -> dict:
        with self._lock:
            intent = self.intents[pi_id]
            intent.update(status="requires_payment_method",
                          last_payment_error={"type": "card_error", "code": "card_declined", "message": message})
            return dict(intent)

    def settle_refund(self, re_id: str, status: str = "succeeded") -> dict:
        with self._lock:
            self.refunds[re_id]["status"] = status
            return dict(self.refunds[re_id])

    def event(self, type_: str, obj: dict, *, event_id: str | None = None) -> str:
        """A webhook body as Stripe sends it (a snapshot of the object at event time)."""
        return json.dumps({
            "id": event_id or f"evt_fake{next(self._events):06d}", "object": "event", "api_version": "2025-01-01",
            "created": int(time.time()), "type": type_, "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}, "data": {"object": dict(obj)},
        })

    def posts(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == "post" and r["path"] == path]


class FakeStripeHTTP(stripe.HTTPClient):
    """stripe-python's HTTPClient interface, answered by a FakeStripe instead of the network."""

    name = "padelyzer-fake"

    def __init__(self, fake: FakeStripe):
        super().__init__()
        self.fake = fake

    def request(self, method, url, headers, post_data=None, **kwargs):
        fault = self.fake.take_fault(method, urlsplit(url).path)
        if fault == "server_error":
            return json.dumps(FakeStripe._error("api_error", "Something went wrong")), 500, {}
        if fault == "refuse":  # Stripe says no (the request is not performed)
            return json.dumps(FakeStripe._error("invalid_request_error", "Refused (fake)", code="refused")), 400, {}
        status, body, extra = self.fake.handle(method, url, headers, post_data)
        if fault == "lost_response":  # Stripe did the work; the answer never arrived
            raise stripe.APIConnectionError("Connection reset by peer (fake)", should_retry=True)
        return json.dumps(body), status, {"Request-Id": f"req_fake{len(self.fake.requests)}", **extra}

    def request_stream(self, method, url, headers, post_data=None, **kwargs):
        raise NotImplementedError("streaming is not used")

    def close(self):
        pass


class _Hold:
    def __init__(self, method: str, path_prefix: str, after_handling: bool):
        self.method, self.path_prefix = method.upper(), path_prefix
        self.after_handling = after_handling  # Stripe did the work; only the answer is held
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.used = False


class FakeStripeServer:
    """FakeStripe over real HTTP on 127.0.0.1:<free port>, for processes the test starts."""

    def __init__(self, fake: FakeStripe):
        self.fake = fake
        self.holds: list[_Hold] = []
        self.seen: list[tuple] = []  # every request that arrived, answered or not
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                server.seen.append((self.command, self.path, self.headers.get("Idempotency-Key")))
                for hold in server.holds:
                    if not hold.used and self.command == hold.method and self.path.startswith(hold.path_prefix):
                        hold.used = True
                        if hold.after_handling:
                            server.fake.handle(self.command, self.path, dict(self.headers.items()), body)
                        hold.arrived.set()
                        hold.release.wait(60)
                        self.close_connection = True
                        return  # the client is gone (killed); drop the connection unanswered
                status, answer, extra = server.fake.handle(self.command, self.path, dict(self.headers.items()), body)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Request-Id", f"req_fake{len(server.fake.requests)}")
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def hold(self, method: str, path_prefix: str, *, after_handling: bool = False) -> _Hold:
        """The first matching request waits (unanswered) until `release` is set; with
        `after_handling` Stripe performs it first (the answer is what gets lost)."""
        hold = _Hold(method, path_prefix, after_handling)
        self.holds.append(hold)
        return hold

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        for hold in self.holds:
            hold.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
