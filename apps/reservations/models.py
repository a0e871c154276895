from decimal import Decimal

from django.conf import settings
from django.db import models

from apps.clubs.models import AllocationKind, CourtAllocation


class PaymentMode(models.TextChoices):
    PAY_AT_CLUB = "pay_at_club"
    ONLINE = "online"


class RefundStatus(models.TextChoices):
    NONE = "none"
    PENDING = "pending"
    REFUNDED = "refunded"


class Reservation(CourtAllocation):
    """A player's booking of a court. Status and period live on the allocation row."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reservations")
    price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    payment_mode = models.CharField(max_length=16, choices=PaymentMode.choices, default=PaymentMode.PAY_AT_CLUB)
    paid_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+")
    refund_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    refund_status = models.CharField(max_length=16, choices=RefundStatus.choices, default=RefundStatus.NONE)
    # Set by the front desk when the players arrive (reservation_check_in); null = not checked in.
    checked_in_at = models.DateTimeField(null=True, blank=True)

    def save(self, *args, **kwargs):
        self.kind = AllocationKind.RESERVATION
        super().save(*args, **kwargs)
