from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    label = "routing"

    def ready(self):
        from apps.accounts.signals import access_token_revoked
        from apps.clubs.signals import display_key_revoked
        from routing import signals

        access_token_revoked.connect(signals.on_access_token_revoked, dispatch_uid="live-token-revoked")
        display_key_revoked.connect(signals.on_display_key_revoked, dispatch_uid="live-display-key-revoked")
