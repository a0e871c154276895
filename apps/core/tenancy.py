"""Tenant scoping: one mixin every API view of tenant data inherits (PostHog's TeamAndOrgViewSetMixin).

Reads are limited to what the caller may see (their clubs, plus public rows where the view
allows it); objects outside read scope are 404 so existence is not revealed; objects
readable but not writable are 403 for unsafe methods. Serializer fields that take ids are
limited to the write scope, so another tenant's id in a body is a 400 naming the field; id
filters of lists accept only ids the caller may name, so another tenant's private id is the
same 400 as an unknown id.

The mixin guards itself: a view that overrides a method deciding tenancy is refused when its
class is created. A view states how its rows belong to a tenant with class attributes (read
into one `TenantRule` per view) and shapes its base queryset in `safely_get_queryset`; the
scope is applied after that hook, so no view can widen what a caller reads.

Who belongs to which tenant is apps.organizations' business: it registers the function that
computes a user's scope (`register_scope_resolver`) from its AppConfig.ready(), so this
module, below every domain app, imports none of them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from importlib import import_module

import django_filters
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS

# --- the caller's scope ---

_scope_resolver: Callable | None = None


def register_scope_resolver(resolver: Callable) -> None:
    """`resolver(user)` answers the user's scope (staff_club_ids, owner_club_ids, admin_org_ids,
    member_org_ids, user_id): apps.organizations registers `tenant_scope_for`."""
    global _scope_resolver
    _scope_resolver = resolver


def scope_for_user(user):
    if _scope_resolver is None:  # fail closed: no app said who belongs where
        raise ImproperlyConfigured("No tenant scope resolver registered (apps.organizations not installed?)")
    return _scope_resolver(user)


def tenant_scope(request):
    """The request's scope, computed once per request."""
    scope = getattr(request, "_tenant_scope", None)
    if scope is None:
        scope = scope_for_user(getattr(request, "user", None))
        request._tenant_scope = scope
    return scope


# --- the rule a view declares ---

def _path(lookup: str, suffix: str) -> str:
    return f"{lookup}__{suffix}" if lookup else suffix


def _follow(obj, lookup: str):
    for part in filter(None, lookup.split("__")):
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class TenantRule:
    """How a model's rows belong to a tenant: TenantScopedMixin's class attributes of the same
    names, read at class creation (`public_lookup` resolved: None when rows are not public)."""

    club_lookup: str
    organization_lookup: str | None
    public_lookup: str | None
    user_lookup: str | None
    user_actions: tuple[str, ...] | None
    referable_lookup: str | None
    write_requires_owner: bool

    def readable(self, scope) -> Q:
        if self.organization_lookup is not None:
            q = Q(**{_path(self.organization_lookup, "id__in"): scope.member_org_ids})
        else:
            q = Q(**{_path(self.club_lookup, "id__in"): scope.staff_club_ids})
        if self.public_lookup:
            q |= Q(**{self.public_lookup: True})
        if self.user_lookup and scope.user_id is not None:
            q |= Q(**{self.user_lookup: scope.user_id})
        return q

    def referable(self, scope) -> Q:
        """Ids the caller may name in a list filter: what they read, plus ids answers already show."""
        q = self.readable(scope)
        if self.referable_lookup:
            q |= Q(**{self.referable_lookup: True})
        return q

    def writable(self, scope, obj, action: str | None) -> bool:
        if self.organization_lookup is not None:
            return _follow(obj, self.organization_lookup).pk in scope.admin_org_ids
        clubs = scope.owner_club_ids if self.write_requires_owner else scope.staff_club_ids
        if _follow(obj, self.club_lookup).pk in clubs:
            return True
        if not self.user_lookup or scope.user_id is None:
            return False
        head, _, last = self.user_lookup.rpartition("__")
        holder_id = getattr(_follow(obj, head), f"{last}_id")
        return holder_id == scope.user_id and (self.user_actions is None or action in self.user_actions)

    def read_part(self) -> tuple:
        return (self.club_lookup, self.organization_lookup, self.public_lookup, self.user_lookup,
                self.referable_lookup)


# model -> the rule of the views serving it: what an id filter naming that model may accept.
_RULES: dict = {}


def _register_rule(model, rule: TenantRule, view_name: str) -> None:
    known = _RULES.get(model)
    if known is not None and known[0].read_part() != rule.read_part():
        raise ImproperlyConfigured(f"{view_name} reads {model.__name__} under another tenant rule than "
                                   f"{known[1]}: one model, one read rule")
    _RULES.setdefault(model, (rule, view_name))


def rule_for(model) -> TenantRule:
    if model not in _RULES:
        import_module(settings.ROOT_URLCONF)  # imports every view, and each view registers its rule
    try:
        return _RULES[model][0]
    except KeyError:
        raise ImproperlyConfigured(f"No TenantScopedMixin view serves {model.__name__}: its tenant rule "
                                   "is unknown, so no filter or field may take its ids") from None


def readable(model, scope):
    """`model`'s rows the caller may read, under the rule of the views serving it."""
    return model._default_manager.filter(rule_for(model).readable(scope))


def referable(model, scope):
    """`model`'s ids the caller may name in a list filter (what they read, plus `referable_lookup`)."""
    return model._default_manager.filter(rule_for(model).referable(scope)).distinct()


# --- id filters of lists ---

class TenantFilterSet(django_filters.rest_framework.FilterSet):
    """Id filters (django-filter's ModelChoiceFilter, automatic for foreign keys) take their choices
    from the caller's scope: another tenant's private id is refused exactly like an unknown id."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        scope = tenant_scope(request)
        for name, filter_ in self.filters.items():
            if not isinstance(filter_, QuerySetRequestMixin):
                continue
            model = getattr(filter_.queryset, "model", None)
            if model is None:
                raise ImproperlyConfigured(f"{type(self).__name__}.{name}: give the id filter a queryset")
            filter_.queryset = referable(model, scope)
            filter_.__dict__.pop("_field", None)  # a form field built earlier would keep the old choices


class TenantFilterBackend(DjangoFilterBackend):
    filterset_base = TenantFilterSet

    def get_filterset_class(self, view, queryset=None):
        filterset_class = super().get_filterset_class(view, queryset)
        if filterset_class is not None and not issubclass(filterset_class, TenantFilterSet):
            raise ImproperlyConfigured(f"{type(view).__name__}.filterset_class must subclass TenantFilterSet")
        return filterset_class


# --- the mixin ---

# The methods that decide what a caller reads and writes: no view may replace them. Left open:
# safely_get_queryset (the scope is applied after it), get_permissions (authentication, asked
# before any row) and get_serializer_context (it carries the scope to id fields; dropping it
# fails loudly).
GUARDED = ("get_queryset", "filter_queryset", "get_object", "check_object_permissions", "readable_filter",
           "can_write", "scoped", "scope")


class TenantScopedMixin:
    # Path from the view's model to its Club ("" when the model is the Club).
    club_lookup: str = "club"
    # Anyone may read rows that are public: their club's `is_public`, or `public_lookup`.
    public_read: bool = False
    # Path to the flag that makes a row public when it is not its club's (a tournament's own).
    public_lookup: str | None = None
    # Rows of an organization rather than a club (path to it): its members read, its admins write.
    organization_lookup: str | None = None
    # Path to the user a row is personally for (a reservation's player, a match's scorer): that
    # user reads it, and writes it through `user_actions` only (None: every action).
    user_lookup: str | None = None
    user_actions: tuple[str, ...] | None = None
    # A flag making rows the caller cannot read nameable in list filters, because readable answers
    # already show their ids (an organization running a public club).
    referable_lookup: str | None = None
    # Writes need club ownership (owner or org admin) instead of any staff role.
    write_requires_owner: bool = False

    filter_backends = [TenantFilterBackend]
    _rule: TenantRule  # built from the attributes above for every subclass

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in GUARDED:
            owner = next(klass for klass in cls.__mro__ if name in klass.__dict__)
            if owner is not TenantScopedMixin:
                hint = " (implement safely_get_queryset instead)" if name == "get_queryset" else \
                    " (declare the variation with the mixin's class attributes)"
                raise TypeError(f"{cls.__qualname__} overrides {name} from {owner.__qualname__}: "
                                f"TenantScopedMixin decides tenancy alone{hint}")
        for backend in cls.filter_backends:
            if issubclass(backend, DjangoFilterBackend) and not issubclass(backend, TenantFilterBackend):
                raise TypeError(f"{cls.__qualname__}: {backend.__name__} would take unscoped ids; "
                                "use apps.core.tenancy.TenantFilterBackend")
        if cls.public_lookup and not cls.public_read:
            raise TypeError(f"{cls.__qualname__}: public_lookup without public_read")
        declared = {f.name: getattr(cls, f.name) for f in fields(TenantRule)}
        declared["public_lookup"] = (cls.public_lookup or _path(cls.club_lookup, "is_public")) \
            if cls.public_read else None
        cls._rule = TenantRule(**declared)
        queryset = getattr(cls, "queryset", None)
        if queryset is not None:
            _register_rule(queryset.model, cls._rule, cls.__qualname__)

    def safely_get_queryset(self, queryset):
        """Hook: narrow, order or annotate the base queryset; the tenant scope is applied after it."""
        return queryset

    @property
    def scope(self):
        return tenant_scope(self.request)

    def readable_filter(self) -> Q:
        return self._rule.readable(self.scope)

    def scoped(self, queryset):
        """Any queryset of the view's model limited to what the caller may read (reads via selectors)."""
        return queryset.filter(self.readable_filter())

    def get_queryset(self):
        return self.scoped(self.safely_get_queryset(super().get_queryset()))

    def filter_queryset(self, queryset):
        # Filter backends narrow the scoped queryset; scoping their answer too keeps any from widening it.
        return self.scoped(super().filter_queryset(queryset))

    def get_object(self):
        return super().get_object()

    def can_write(self, obj) -> bool:
        return self._rule.writable(self.scope, obj, getattr(self, "action", None))

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        if request.method not in SAFE_METHODS and not self.can_write(obj):
            raise PermissionDenied("You are not allowed to change this")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["scope"] = self.scope
        return context
