from django.apps import AppConfig


class ReservationsConfig(AppConfig):
    name = "apps.reservations"
    label = "reservations"

    def ready(self):
        # Imported here, once the models are loaded: the club and staff stream kinds, the reservation events' schemas.
        from apps.reservations import live

        live.register()
