from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self):
        # Imported here, once the models are loaded: receivers connects the booking, payment and
        # phone-code signals; live registers the user stream's snapshot and the event's schema.
        from apps.notifications import live, receivers  # noqa: F401

        live.register()
