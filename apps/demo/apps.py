from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data across every domain app (manage.py seed_demo): the top domain app."""

    name = "apps.demo"
    label = "demo"
