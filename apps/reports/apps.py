from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "apps.reports"
    label = "reports"

    def ready(self):
        # Imported here, once the models are loaded: the report events' schemas.
        from apps.reports import live

        live.register()
