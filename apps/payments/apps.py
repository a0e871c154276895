import logging

from django.apps import AppConfig

logger = logging.getLogger("padelyzer.payments")


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"

    def ready(self):
        from django.conf import settings

        # A missing optional service turns its feature off with a log line (CONTRACT §5).
        if not settings.STRIPE_SECRET_KEY:
            logger.info("STRIPE_SECRET_KEY not set: online payments are off, clubs run in pay-at-club mode")
        elif not settings.STRIPE_WEBHOOK_SECRET:
            logger.warning("STRIPE_WEBHOOK_SECRET not set: webhooks are refused; payments are confirmed "
                           "only when holds are reconciled against Stripe")
        from apps.reservations.signals import reservation_cancelled

        reservation_cancelled.connect(_settle_cancelled, dispatch_uid="payments.settle_cancelled")
        # Imported here, once the models are loaded: the payment events' schemas.
        from apps.payments import live

        live.register()


def _settle_cancelled(sender, reservation, **kwargs):
    """A cancelled online booking: refund per policy and cancel open intents, by a task after commit."""
    from apps.reservations.models import PaymentMode

    if reservation.payment_mode == PaymentMode.ONLINE:
        from apps.payments.tasks import enqueue_settle_cancelled

        enqueue_settle_cancelled(reservation.pk)
