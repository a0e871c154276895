"""apps.core.tenancy: the mixin refuses to be bypassed, and id filters reveal nothing."""
from __future__ import annotations

import ast
import inspect
import uuid

import django_filters
import pytest
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, mixins, viewsets

from apps.clubs.api import CourtViewSet
from apps.clubs.models import Club
from apps.core import tenancy
from apps.core.tenancy import TenantFilterBackend, TenantScopedMixin
from tests.support.api import client_for
from tests.support.factories import (
    ClubFactory,
    CourtFactory,
    OrganizationFactory,
    PricingRuleFactory,
    UserFactory,
    admin_of,
)
from tests.support.routes import api_routes

# --- the guard ---

GUARDED_OVERRIDES = ["get_queryset", "filter_queryset", "get_object", "check_object_permissions", "readable_filter", "can_write",
                     "scoped"]


def _view_overriding(name):
    return type("Sneaky", (TenantScopedMixin, generics.GenericAPIView), {name: lambda self, *a, **k: None})


def test_the_mixin_refuses_a_view_that_overrides_get_queryset():
    with pytest.raises(TypeError, match=r"Sneaky overrides get_queryset .*safely_get_queryset"):
        class Sneaky(TenantScopedMixin, viewsets.GenericViewSet):
            def get_queryset(self):
                return Club.objects.all()


@pytest.mark.parametrize("name", GUARDED_OVERRIDES)
def test_the_mixin_refuses_every_override_that_decides_tenancy(name):
    with pytest.raises(TypeError, match=f"overrides {name}"):
        _view_overriding(name)


def test_an_override_from_a_base_ahead_of_the_mixin_is_refused_too():
    class Unscoped:
        def get_queryset(self):
            return Club.objects.all()

    with pytest.raises(TypeError, match="overrides get_queryset from .*Unscoped"):
        type("Sneaky", (Unscoped, TenantScopedMixin, generics.GenericAPIView), {})
    with pytest.raises(TypeError, match="overrides get_queryset from GenericAPIView"):
        type("Backwards", (generics.GenericAPIView, TenantScopedMixin), {})


def test_a_subclass_of_a_scoped_view_cannot_override_either():
    with pytest.raises(TypeError, match="overrides get_queryset"):
        type("Sub", (CourtViewSet,), {"get_queryset": lambda self: Club.objects.all()})


def test_an_unscoped_filter_backend_or_filterset_is_refused():
    with pytest.raises(TypeError, match="unscoped ids"):
        type("Plain", (TenantScopedMixin, generics.GenericAPIView), {"filter_backends": [DjangoFilterBackend]})

    class PlainFilter(django_filters.FilterSet):
        class Meta:
            model = Club
            fields = ["organization"]

    view = type("WithPlainFilter", (TenantScopedMixin, generics.GenericAPIView), {"filterset_class": PlainFilter})()
    with pytest.raises(Exception, match="must subclass TenantFilterSet"):
        TenantFilterBackend().get_filterset_class(view, Club.objects.all())


def test_the_safe_hook_and_attributes_are_allowed():
    view = type("Fine", (TenantScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet), {
        "club_lookup": "", "public_read": True,
        "safely_get_queryset": lambda self, queryset: queryset.order_by("name")})
    assert view._rule.public_lookup == "is_public"


def test_core_tenancy_imports_no_domain_app():
    tree = ast.parse(inspect.getsource(tenancy))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {name for name in imported if name.startswith(("apps.", "routing", "consumers", "project"))}


# --- id filters of lists ---

# (list URL, id filter): every list filter django-filter turns into a ModelChoiceFilter.
ID_FILTERS = [
    ("/api/v1/clubs/clubs/", "organization"),
    ("/api/v1/clubs/courts/", "club"),
    ("/api/v1/clubs/pricing-rules/", "club"),
    ("/api/v1/clubs/pricing-rules/", "court"),
    ("/api/v1/clubs/maintenance-blocks/", "court"),
    ("/api/v1/clubs/display-keys/", "club"),
    ("/api/v1/tournaments/tournaments/", "club"),
    ("/api/v1/tournaments/entries/", "tournament"),
]


def _id_filters_of_every_list():
    found = set()
    for route in api_routes():
        if (getattr(route.callback, "actions", None) or {}).get("get") != "list":
            continue
        view = route.view()
        for backend in view.filter_backends:
            if not issubclass(backend, DjangoFilterBackend):
                continue
            filterset = backend().get_filterset_class(view, route.view.queryset)
            for name, filter_ in (filterset.base_filters.items() if filterset else ()):
                if isinstance(filter_, QuerySetRequestMixin):
                    found.add((route.url({}), name))
    return found


def test_the_id_filter_list_is_every_id_filter_of_every_list():
    assert _id_filters_of_every_list() == set(ID_FILTERS)


@pytest.fixture
def tenants():
    """A: a private club with everything a filter can name; B: another organization's admin."""
    from apps.tournaments import services as tournament_services

    organization = OrganizationFactory()
    club = ClubFactory(organization=organization, is_public=False)
    court = CourtFactory(club=club)
    PricingRuleFactory(club=club, court=court)
    tournament = tournament_services.tournament_create(club=club, name="Private cup", format="americano",
                                                       is_public=False)
    a = {"organization": organization, "club": club, "court": court, "tournament": tournament}
    b_org = OrganizationFactory()
    b_club = ClubFactory(organization=b_org, is_public=False)
    b = {"organization": b_org, "club": b_club, "court": CourtFactory(club=b_club),
         "tournament": tournament_services.tournament_create(club=b_club, name="Own cup", format="americano",
                                                             is_public=False)}
    return a, b, admin_of(b_org)


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "name"), ID_FILTERS)
def test_another_tenants_private_id_in_a_filter_answers_like_an_unknown_id(tenants, url, name):
    a, b, b_admin = tenants
    client = client_for(b_admin)
    foreign = client.get(url, {name: str(a[name].pk)})
    unknown = client.get(url, {name: str(uuid.uuid4())})
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json() == {**unknown.json(), "meta": foreign.json()["meta"]}
    assert name in foreign.json()["error"]["details"]
    assert client.get(url, {name: str(b[name].pk)}).status_code == 200  # one's own id still filters
    anonymous = client_for().get(url, {name: str(a[name].pk)})
    assert anonymous.status_code in (400, 401)
    if anonymous.status_code == 400:
        assert anonymous.json()["error"] == client_for().get(url, {name: str(uuid.uuid4())}).json()["error"]


@pytest.mark.django_db
def test_a_public_clubs_ids_still_filter_for_anyone():
    """Public rows are no secret: their ids (and their organization's) filter as before."""
    club = ClubFactory(is_public=True)
    court = CourtFactory(club=club)
    client = client_for(UserFactory())
    listed = client.get("/api/v1/clubs/courts/", {"club": str(club.pk)}).json()["data"]
    assert [row["id"] for row in listed] == [str(court.pk)]
    listed = client.get("/api/v1/clubs/clubs/", {"organization": str(club.organization_id)}).json()["data"]
    assert [row["id"] for row in listed] == [str(club.pk)]
