from django.apps import AppConfig


class WebConfig(AppConfig):
    """HTML pages: the club display board and the player's booking page."""

    name = "apps.web"
    label = "web"
