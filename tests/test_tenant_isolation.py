"""Tenant isolation over EVERY /api/v1/ route, found from the URL resolver (ISSUE 2).

A route added later is walked without editing this file; if the walk cannot tell which of
tenant A's objects to put in its URL or body, the test fails and names the route, so the
new route gets handled here (add a builder to `_BUILDERS` or a model to `_PARAM_MODELS`).

As user B (org_admin of another organization):
- every method of every route with an id, given A's object, answers 403 or 404;
- every list answers without any of A's ids, whatever filter is passed;
- every POST body that names one of A's objects is a 400 naming that field;
- every operation of the OpenAPI schema answers A's ids (in the path, in id filters) exactly
  as it answers ids that exist nowhere;
and afterwards A's objects are unchanged.
"""
from __future__ import annotations

import copy
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import time

import pytest
from django.conf import settings
from django.db import models
from django.test import override_settings
from rest_framework import serializers
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.clubs import services as club_services
from apps.clubs.models import Club, Court, DisplayKey, MaintenanceBlock, PricingRule
from apps.organizations.models import Membership, Organization, Role
from apps.organizations.selectors import tenant_scope_for
from apps.reservations.models import Reservation
from tests.support.api import at, client_for, future_day
from tests.support.factories import (
    ClubFactory,
    CourtFactory,
    OrganizationFactory,
    PricingRuleFactory,
    ReservationFactory,
    UserFactory,
)
from tests.support.routes import Route, api_routes

pytestmark = pytest.mark.django_db



# --- tenants ---

@dataclass
class Tenant:
    organization: Organization
    club: Club
    court: Court
    owner: User
    player: User
    pricing_rule: PricingRule
    block: MaintenanceBlock
    display_key: DisplayKey
    reservation: Reservation
    membership: Membership
    extra: dict = field(default_factory=dict)

    def ids(self) -> set[str]:
        values = [self.organization, self.club, self.court, self.pricing_rule, self.block, self.display_key,
                  self.reservation, self.membership, *self.extra.values()]
        return {str(v.pk) for v in values} | {str(self.block.courtallocation_ptr_id)}


def build_tenant(*, public: bool = False) -> Tenant:
    organization = OrganizationFactory()
    owner = UserFactory()
    membership = Membership.objects.create(user=owner, organization=organization, role=Role.ORG_ADMIN)
    club = ClubFactory(organization=organization, is_public=public)
    court = CourtFactory(club=club)
    player = UserFactory()
    day = future_day(club, 3)
    reservation = ReservationFactory(court=court, user=player, start=at(club, day, 10), end=at(club, day, 11))
    block = club_services.maintenance_block_create(court=court, start=at(club, day, 14), end=at(club, day, 15),
                                                   reason="repair", user=owner)
    display_key, _raw = club_services.display_key_create(club=club, name="Lobby", user=owner)
    rule = PricingRuleFactory(club=club, court=court, start_time=time(18), end_time=time(22))
    tenant = Tenant(organization, club, court, owner, player, rule, block, display_key, reservation, membership)
    for label, builder in _EXTRA_BUILDERS.items():
        tenant.extra[label] = builder(tenant)
    return tenant


# Objects of apps beyond the booking core: `label -> builder(tenant)`. A route whose model has
# no entry here or in _BUILDERS fails the walk until one is added.
_EXTRA_BUILDERS: dict = {}


def _private_tournament(tenant: Tenant):
    """A private knockout of two pairs, drawn: its tournament, entries and match are tenant data."""
    from apps.tournaments import services as tournament_services

    tournament = tournament_services.tournament_create(club=tenant.club, name="Cup", format="single_elimination",
                                                       is_public=False)
    for _ in range(2):
        tournament_services.entry_create(tournament=tournament, players=[UserFactory(), UserFactory()])
    tournament_services.tournament_generate(tournament=tournament)
    return tournament


_EXTRA_BUILDERS["tournament"] = _private_tournament
_EXTRA_BUILDERS["tournament_entry"] = lambda t: t.extra["tournament"].entries.first()
_EXTRA_BUILDERS["tournament_match"] = lambda t: t.extra["tournament"].matches.first()

def _report(tenant: Tenant):
    from apps.reports.models import Report, ReportKind

    return Report.objects.create(club=tenant.club, kind=ReportKind.values[0], created_by=tenant.owner,
                                 params={"date_from": "2026-01-01", "date_to": "2026-01-31"})


def _notification(tenant: Tenant):
    from apps.notifications.models import Kind, Notification

    return Notification.objects.create(user=tenant.player, kind=Kind.values[0], title="Booked", body="See you")


_EXTRA_BUILDERS["report"] = _report
_EXTRA_BUILDERS["notification"] = _notification

# model -> how to find tenant A's object of that model
_BUILDERS = {
    Organization: lambda t: t.organization,
    Club: lambda t: t.club,
    Court: lambda t: t.court,
    PricingRule: lambda t: t.pricing_rule,
    MaintenanceBlock: lambda t: t.block,
    DisplayKey: lambda t: t.display_key,
    Reservation: lambda t: t.reservation,
    Membership: lambda t: t.membership,
}

# Routes whose view has no `queryset` to read the model of a URL parameter from:
# (route name, param) -> model or "app_label.Model".
_PARAM_MODELS: dict[tuple[str, str], type[models.Model] | str] = {
    ("reservation-mark-paid", "pk"): Reservation,
    ("reservation-refund-at-desk", "pk"): Reservation,
    ("payment-summary", "pk"): Reservation,
    ("payment-checkout", "pk"): Reservation,
    ("payment-split", "pk"): Reservation,
    ("notification-read", "pk"): "notifications.Notification",
}

# URL parameters that are themselves the credential (a secret pay link): nothing of A's to substitute;
# the walk checks instead that a made-up value reveals nothing (404).
_CAPABILITY_PARAMS = {("payment-pay-link", "token")}

# Models that are not tenant data: any signed-in user may name any of them (e.g. a player's user id).
_NOT_TENANT_DATA = {User}


def object_for(model, tenant: Tenant):
    for klass in model.__mro__:
        if klass in _BUILDERS:
            return _BUILDERS[klass](tenant)
    for obj in tenant.extra.values():
        if isinstance(obj, model):
            return obj
    return None


# --- routes (tests.support.routes) and their models ---

def param_model(route: Route, param: str):
    if (route.name, param) in _PARAM_MODELS:
        model = _PARAM_MODELS[(route.name, param)]
        if isinstance(model, str):
            from django.apps import apps

            model = apps.get_model(model)
        return model
    queryset = getattr(route.view, "queryset", None)
    if queryset is not None and param in ("pk", "id", getattr(route.view, "lookup_url_kwarg", None) or "pk",
                                          getattr(route.view, "lookup_field", "pk")):
        return queryset.model
    return None


def request_serializer(route: Route, method: str, scope):
    """The serializer the view documents for its request body, as the schema generator finds it."""
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator()  # owns the view's schema object: keep it alive while asking
    view = generator.create_view(route.callback, method.upper())
    schema = view.schema
    schema.method, schema.path, schema.path_regex = method.upper(), route.route, route.route
    serializer = schema.get_request_serializer()
    if serializer is None:
        return None
    if isinstance(serializer, type):
        serializer = serializer(context={"scope": scope, "request": None, "organization": None})
    elif isinstance(serializer, serializers.BaseSerializer):
        serializer._context = {**getattr(serializer, "_context", {}), "scope": scope, "organization": None}
    else:
        return None
    return serializer


def related_fields(serializer) -> dict[str, tuple[type, bool]]:
    """Writable fields that take ids: name -> (model, many)."""
    found = {}
    for name, fld in serializer.fields.items():
        if fld.read_only:
            continue
        many = isinstance(fld, serializers.ManyRelatedField)
        relation = fld.child_relation if many else fld
        if isinstance(relation, serializers.RelatedField):
            found[name] = (relation.get_queryset().model, many)
        elif isinstance(fld, serializers.ListField) and isinstance(fld.child, serializers.RelatedField):
            found[name] = (fld.child.get_queryset().model, True)
    return found


def url_values(route: Route, tenant: Tenant) -> dict[str, str] | str:
    """The tenant's ids for the route's URL parameters, or a note naming one it cannot fill."""
    values = {}
    for param in route.params:
        if (route.name, param) in _CAPABILITY_PARAMS:
            values[param] = "made-up-" + "x" * 24
            continue
        model = param_model(route, param)
        obj = object_for(model, tenant) if model is not None else None
        if obj is None:
            return f"{route.route} ({param}: {model.__name__ if model else 'model unknown'})"
        values[param] = str(obj.pk)
    return values


# --- the walk ---

@pytest.fixture
def world():
    rest = copy.deepcopy(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"]["user"] = "100000/hour"  # the walk makes hundreds of calls
    rest["DEFAULT_THROTTLE_RATES"]["anon"] = "100000/hour"
    with override_settings(REST_FRAMEWORK=rest):
        a = build_tenant(public=False)
        b = build_tenant(public=False)
        yield a, b


def _snapshot(tenant: Tenant) -> dict:
    """What a write by B could have changed."""
    tenant.reservation.refresh_from_db()
    return {
        "club": Club.objects.filter(pk=tenant.club.pk).values().get(),
        "court": Court.objects.filter(pk=tenant.court.pk).values().get(),
        "reservation": Reservation.objects.filter(pk=tenant.reservation.pk).values().get(),
        "block": MaintenanceBlock.objects.filter(pk=tenant.block.pk).exists(),
        "key": DisplayKey.objects.filter(pk=tenant.display_key.pk).values("revoked_at", "name").get(),
        "rule": PricingRule.objects.filter(pk=tenant.pricing_rule.pk).exists(),
        "members": sorted(Membership.objects.filter(organization=tenant.organization)
                          .values_list("user_id", "role")),
        "courts": Court.objects.filter(club=tenant.club).count(),
    }


def _body_for(method: str) -> dict:
    return {"name": "hijacked", "reason": "hijacked"} if method in ("put", "patch") else {}


def _call(client, method, url, body=None):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, body or {}, format="json")


def test_every_route_with_an_id_refuses_another_tenants_object(world):
    a, b = world
    before = _snapshot(a)
    as_b = client_for(b.owner)
    anon = APIClient()
    unmapped, checked = [], 0
    for route in api_routes():
        if not route.params:
            continue
        values = url_values(route, a)
        if isinstance(values, str):
            unmapped.append(values)
        else:
            url = route.url(values)
            for method in route.methods:
                response = _call(as_b, method, url, _body_for(method))
                assert response.status_code in (403, 404), (method.upper(), url, response.status_code,
                                                            response.content[:300])
                body = response.json()
                assert body["success"] is False and body["data"] is None, (method, url)
                assert not (a.ids() & set(re.findall(r"[0-9a-f-]{36}", json.dumps(body["error"])))), (method, url)
                anonymous = _call(anon, method, url, _body_for(method))
                assert anonymous.status_code in (401, 403, 404), (method.upper(), url, anonymous.status_code)
                checked += 1
    assert not unmapped, ("routes the tenant walk cannot fill; add their model to _BUILDERS/_EXTRA_BUILDERS "
                          f"or _PARAM_MODELS: {unmapped}")
    assert checked >= 15
    assert _snapshot(a) == before


def test_every_write_to_a_public_clubs_objects_is_refused(world):
    """Readable is not writable: with A's club public, B may read some of it but change nothing."""
    a, b = world
    Club.objects.filter(pk=a.club.pk).update(is_public=True)
    before = _snapshot(a)
    as_b = client_for(b.owner)
    writes = [(route, method) for route in api_routes() if route.params for method in route.methods
              if method != "get"]
    walked = 0
    for route, method in writes:
        values = url_values(route, a)
        if not isinstance(values, str):  # else reported by the test above
            url = route.url(values)
            response = _call(as_b, method, url, _body_for(method))
            assert response.status_code in (403, 404), (method.upper(), url, response.status_code,
                                                        response.content[:300])
            walked += 1
    # Every write route with an id was tried: a walk that filled no URL cannot pass.
    assert walked == len(writes) >= 20, (walked, len(writes))
    assert _snapshot(a) == before


def test_no_list_shows_another_tenants_ids_whatever_the_filter(world):
    a, b = world
    a_ids = a.ids()
    filters = [{}] + [{name: str(obj.pk)} for name, obj in {
        "club": a.club, "court": a.court, "organization": a.organization, "reservation": a.reservation,
        "user": a.player, **a.extra}.items()]
    filters.append({"club": str(a.club.pk), "date": future_day(a.club, 3).isoformat()})
    as_b = client_for(b.owner)
    listed = 0
    for route in api_routes():
        if route.params or "get" not in route.methods:
            continue
        url = route.url({})
        for params in filters:
            response = as_b.get(url, params)
            assert response.status_code < 500, (url, params, response.status_code)
            leaked = a_ids & set(re.findall(r"[0-9a-f]{8}-[0-9a-f-]{27}", response.content.decode()))
            leaked -= {v for v in params.values()} if response.status_code >= 400 else set()
            assert not leaked, (url, params, leaked)
            listed += 1
        # B's own data does show (the filters are not simply broken)
        if route.name == "reservation-list":
            assert str(b.reservation.pk) in as_b.get(url, {"club": str(b.club.pk)}).content.decode()
    assert listed >= 10


def test_every_post_body_naming_another_tenants_object_is_400_naming_the_field(world):
    a, b = world
    scope_b = tenant_scope_for(b.owner)
    as_b = client_for(b.owner)
    unmapped, checked = [], 0
    for route in api_routes():
        if "post" not in route.methods or route.suffix:
            continue
        serializer = request_serializer(route, "post", scope_b)
        if serializer is None:
            continue
        fields = {name: spec for name, spec in related_fields(serializer).items()
                  if spec[0] not in _NOT_TENANT_DATA}
        if not fields:
            continue
        values = url_values(route, b)  # the URL takes B's own object: only the body is foreign
        if isinstance(values, str):
            unmapped.append(values)
        else:
            body = {}
            for name, (model, many) in fields.items():
                foreign = object_for(model, a)
                if foreign is None:
                    unmapped.append(f"{route.route} body field {name} ({model.__name__})")
                    continue
                body[name] = [str(foreign.pk)] if many else str(foreign.pk)
            url = route.url(values)
            response = as_b.post(url, body, format="json")
            assert response.status_code == 400, (url, body, response.status_code, response.content[:300])
            details = response.json()["error"]["details"]
            for name in body:
                assert name in details, (url, name, details)
            checked += 1
    assert not unmapped, f"POST routes the tenant walk cannot fill: {unmapped}"
    assert checked >= 6


def test_the_walk_sees_every_contract_route():
    found = {r.name for r in api_routes()}
    assert {"club-detail", "court-detail", "display-key-detail", "pricing-rule-detail", "maintenance-block-detail",
            "reservation-detail", "reservation-cancel", "organization-detail", "organization-members",
            "availability", "reservation-list", "auth-me"} <= found


# --- every operation of the OpenAPI schema ---

# Query parameters that name tenant objects -> tenant A's object of that kind.
_QUERY_OBJECTS = {
    "club": lambda t: t.club, "court": lambda t: t.court, "organization": lambda t: t.organization,
    "tournament": lambda t: t.extra["tournament"], "reservation": lambda t: t.reservation,
}
_PATH_PARAM = re.compile(r"{(?P<name>[^}]+)}")


def schema_operations() -> list[tuple[str, str, dict]]:
    """(method, path, operation) for every operation of the OpenAPI schema, built in-process."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(method, path, operation) for path, item in schema["paths"].items()
            for method, operation in item.items()]


def _answer(response) -> dict:
    """What a caller learns from an answer: status and envelope, without the per-request meta."""
    body = response.json()
    body.pop("meta", None)
    return {"status": response.status_code, **body}


def _path_values(path: str, a: Tenant) -> tuple[dict, dict] | str:
    """Tenant A's ids and unknown ids for the path's parameters, or why they cannot be found."""
    from django.urls import resolve

    probes = {name: str(uuid.uuid4()) for name in _PATH_PARAM.findall(path)}
    match = resolve(path.format(**probes))
    view = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    kwarg_of = {name: next(k for k, v in match.kwargs.items() if str(v) == probe) for name, probe in probes.items()}
    values = url_values(Route(match.route, match.url_name, view, [], list(kwarg_of.values()), False, match.func), a)
    if isinstance(values, str):
        return values
    # A capability (the secret itself) has nothing of A's to name: another made-up one is the unknown.
    unknown = {name: "made-up-" + "y" * 24 if (match.url_name, kwarg) in _CAPABILITY_PARAMS else str(uuid.uuid4())
               for name, kwarg in kwarg_of.items()}
    return {name: values[kwarg] for name, kwarg in kwarg_of.items()}, unknown


def test_every_schema_operation_answers_another_tenants_ids_like_unknown_ids(world):
    """Every operation of /api/schema/, as tenant B: A's private ids in the path are the same 404 as
    ids that exist nowhere, and A's ids in id query filters answer what an unknown id answers."""
    a, b = world
    before = _snapshot(a)
    as_b = client_for(b.owner)
    operations = schema_operations()
    by_path, by_filter, without_ids, unmapped = set(), set(), set(), []
    for method, path, operation in operations:
        query_ids = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
                     and (p["name"] in _QUERY_OBJECTS or p["schema"].get("format") == "uuid")]
        if _PATH_PARAM.search(path):
            assert not query_ids, f"{method} {path}: ids in both path and query; extend the walk"
            values = _path_values(path, a)
            if isinstance(values, str):
                unmapped.append(values)
                continue
            foreign, unknown = (path.format(**v) for v in values)
            answer = _answer(_call(as_b, method, foreign, _body_for(method)))
            assert answer["status"] == 404, (method, foreign, answer)
            assert answer == _answer(_call(as_b, method, unknown, _body_for(method))), (method, path)
            by_path.add((method, path))
        elif query_ids:
            assert method == "get", (method, path)
            for name in query_ids:
                if name not in _QUERY_OBJECTS:
                    unmapped.append(f"{path} (?{name}=)")
                    continue
                foreign = _answer(as_b.get(path, {name: str(_QUERY_OBJECTS[name](a).pk)}))
                unknown = _answer(as_b.get(path, {name: str(uuid.uuid4())}))
                assert foreign == unknown, (path, name, foreign, unknown)
            by_filter.add((method, path))
        else:
            without_ids.add((method, path))
    assert not unmapped, f"operations the walk cannot fill; add them to _BUILDERS/_PARAM_MODELS/_QUERY_OBJECTS: " \
                         f"{unmapped}"
    # Every operation was walked, and each kind of operation was met (the walk is not vacuous).
    assert len(by_path) + len(by_filter) + len(without_ids) == len(operations) == len(
        {(method, path) for method, path, _op in operations})
    assert len(by_path) >= 40 and len(by_filter) >= 10, (len(by_path), len(by_filter))
    assert _snapshot(a) == before


# Views that serve no tenant data: the caller's own account and inbox, a pay link (the link is
# the credential) and Stripe's webhook. Every other API view must scope through the mixin.
_NOT_TENANT_VIEWS = {
    "RegisterApi", "LoginApi", "RefreshApi", "LogoutApi", "MeApi", "PhoneCodeApi", "PhoneVerifyApi",
    "PasswordResetApi", "PasswordResetConfirmApi",
    "NotificationListApi", "NotificationReadApi", "NotificationReadAllApi", "NotificationPreferencesApi",
    "NotificationSettingsApi",
    "PayLinkApi", "StripeWebhookApi",
}


def test_every_api_view_of_tenant_data_scopes_through_the_mixin():
    from apps.core.tenancy import TenantScopedMixin

    unscoped = {route.view.__name__ for route in api_routes() if not issubclass(route.view, TenantScopedMixin)}
    assert unscoped == _NOT_TENANT_VIEWS
