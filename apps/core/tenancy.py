"""Tenant scoping: one mixin every API view inherits (PostHog's TeamAndOrgViewSetMixin).

Reads are limited to what the caller may see (their clubs, plus public clubs where the
view allows it); objects outside read scope are 404 so existence is not revealed; objects
readable but not writable are 403 for unsafe methods. Serializer fields that take ids are
limited to the write scope, so another tenant's id in a body is a 400 naming the field.
"""
from __future__ import annotations

from django.db.models import Q
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS


def tenant_scope(request):
    from apps.organizations.selectors import tenant_scope_for

    scope = getattr(request, "_tenant_scope", None)
    if scope is None:
        scope = tenant_scope_for(getattr(request, "user", None))
        request._tenant_scope = scope
    return scope


class TenantScopedMixin:
    # Path from the view's model to its Club ("" when the model is the Club).
    club_lookup: str = "club"
    # Whether anyone may read rows of public clubs.
    public_read: bool = False
    # Writes need club ownership (owner or org admin) instead of any staff role.
    write_requires_owner: bool = False

    @property
    def scope(self):
        return tenant_scope(self.request)

    def _club_field(self, suffix: str) -> str:
        return f"{self.club_lookup}__{suffix}" if self.club_lookup else suffix

    def readable_filter(self) -> Q:
        q = Q(**{self._club_field("id__in"): self.scope.staff_club_ids})
        if self.public_read:
            q |= Q(**{self._club_field("is_public"): True})
        return q

    def writable_club_ids(self):
        return self.scope.owner_club_ids if self.write_requires_owner else self.scope.staff_club_ids

    def get_queryset(self):
        return super().get_queryset().filter(self.readable_filter())

    def object_club_id(self, obj):
        target = obj
        for part in filter(None, self.club_lookup.split("__")):
            target = getattr(target, part)
        return target.pk

    def can_write(self, obj) -> bool:
        return self.object_club_id(obj) in self.writable_club_ids()

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        if request.method not in SAFE_METHODS and not self.can_write(obj):
            raise PermissionDenied("You are not allowed to change this")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["scope"] = self.scope
        return context
