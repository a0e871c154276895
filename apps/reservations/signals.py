from django.dispatch import Signal

# Sent inside the booking's transaction (receivers' work commits or rolls back with it).
# reservation_confirmed(reservation): a booking became confirmed (at creation, or when paid).
reservation_confirmed = Signal()
# reservation_cancelled(reservation, refund): refund is the contract's {amount, currency, status}.
reservation_cancelled = Signal()
