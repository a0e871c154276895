from django.apps import AppConfig

from apps.accounts.me import me_section_register
from apps.core import tenancy


class OrganizationsConfig(AppConfig):
    name = "apps.organizations"
    label = "organizations"

    def ready(self):
        # Here, not at the top: selectors import models, which load after the app configs.
        from apps.organizations.selectors import me_memberships, tenant_scope_for

        me_section_register("organizations", me_memberships)
        tenancy.register_scope_resolver(tenant_scope_for)
