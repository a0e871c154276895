import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("padelyzer.payments")


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"

    def ready(self):
        # A missing optional service turns its feature off with a log line (CONTRACT §5).
        if not settings.STRIPE_SECRET_KEY:
            logger.info("STRIPE_SECRET_KEY not set: online payments are off, clubs run in pay-at-club mode")
        elif not settings.STRIPE_WEBHOOK_SECRET:
            logger.warning("STRIPE_WEBHOOK_SECRET not set: webhooks are refused; payments are confirmed "
                           "only when holds are reconciled against Stripe")
        # Imported here, not at the top: it imports models, which are not ready while apps load.
        from apps.payments import receivers

        receivers.connect()
        # Imported here, once the models are loaded: the payment events' schemas.
        from apps.payments import live

        live.register()
