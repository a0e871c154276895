from django.apps import AppConfig


class TournamentsConfig(AppConfig):
    name = "apps.tournaments"
    label = "tournaments"
    verbose_name = "Tournaments"

    def ready(self):
        # The tournament stream's permission resolver and snapshot provider plug into the
        # live layer's registry (when that layer offers one).
        from apps.tournaments import live

        live.register()
