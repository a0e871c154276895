from django.apps import AppConfig


class TournamentsConfig(AppConfig):
    name = "apps.tournaments"
    label = "tournaments"
    verbose_name = "Tournaments"

    def ready(self):
        # Imported here, once the models are loaded: the tournament stream kind (resolver, rule,
        # snapshot) and the tournament events' schemas plug into the live layer's registries.
        from apps.tournaments import live

        live.register()
