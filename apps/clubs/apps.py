from django.apps import AppConfig


class ClubsConfig(AppConfig):
    name = "apps.clubs"
    label = "clubs"

    def ready(self):
        # Imported here, once the models are loaded: display keys as live-layer credentials, and
        # the court events' schemas.
        from apps.clubs import live

        live.register()
