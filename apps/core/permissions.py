"""Who may call a view at all (the tenant rule then decides which rows; apps.core.tenancy)."""
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated


class ReadOpenMixin:
    """Reads open to anyone (the tenant scope still hides private rows); writes need a sign-in."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method in SAFE_METHODS else [IsAuthenticated()]
