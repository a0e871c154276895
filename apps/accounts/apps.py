from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self):
        # Registers the OpenAPI auth extension; in ready() because it imports DRF and simplejwt,
        # which need the app registry.
        from apps.accounts import schema  # noqa: F401
