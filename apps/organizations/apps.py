from django.apps import AppConfig

from apps.core import tenancy


class OrganizationsConfig(AppConfig):
    name = "apps.organizations"
    label = "organizations"

    def ready(self):
        # Imported here: selectors import models, which need the app registry ready.
        from apps.organizations.selectors import tenant_scope_for

        tenancy.register_scope_resolver(tenant_scope_for)
