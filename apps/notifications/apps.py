from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self):
        # Connects the booking, payment and phone-code signals; in ready() because receivers
        # import models.
        from apps.notifications import receivers  # noqa: F401
