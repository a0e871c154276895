from django.apps import AppConfig


class RoutingConfig(AppConfig):
    """The live layer. Stream kinds, credentials, revocation signals and event schemas are
    registered by the domain apps (their live.py), so nothing here imports them."""

    name = "routing"
    label = "routing"
