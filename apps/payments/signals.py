from django.dispatch import Signal

# Sent inside the payment's transaction (receivers' work commits or rolls back with it), for
# notifications and anything else that reacts to money moving.
# payment_succeeded(payment, reservation): card payment counted towards a booking, or desk payment.
payment_succeeded = Signal()
# payment_refunded(refund, payment, reservation): Stripe confirmed a refund.
payment_refunded = Signal()
