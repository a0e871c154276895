from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self):
        from apps.notifications import receivers  # noqa: F401  (connects the booking signals)
