from django.apps import AppConfig


class WebConfig(AppConfig):
    """Every HTML page: booking, display board, staff dashboard, tournaments, account."""

    name = "apps.web"
    label = "web"
