from django.apps import AppConfig

from apps.accounts.me import me_section_register


class OrganizationsConfig(AppConfig):
    name = "apps.organizations"
    label = "organizations"

    def ready(self):
        # Here, not at the top: selectors import models, which load after the app configs.
        from apps.organizations.selectors import me_memberships

        me_section_register("organizations", me_memberships)
