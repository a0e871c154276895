from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self):
        # Imported here, once the models are loaded: the OpenAPI auth extension registers itself
        # (it imports DRF and simplejwt); access tokens become live-layer credentials.
        from apps.accounts import live, schema  # noqa: F401

        live.register()
