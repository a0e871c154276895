"""Money received for reservations, and what Stripe told us about it.

Payment: one PaymentIntent (or one desk payment). PaymentShare: one player's part of a split
booking, paid through its own link and PaymentIntent. Refund: money sent back for one payment.
StripeEvent: each webhook event id once, so a redelivery is recognised and does nothing.
Keys that reach Stripe (idempotency keys) are unique here too: one row <-> one Stripe object.
"""
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.core.models import BaseModel


class PaymentMethod(models.TextChoices):
    CARD = "card"  # online, through a Stripe PaymentIntent
    DESK = "desk"  # recorded by club staff at the front desk (pay-at-club mode)


class PaymentStatus(models.TextChoices):
    PENDING = "pending"  # row written, the PaymentIntent not created yet (or its creation failed)
    REQUIRES_PAYMENT = "requires_payment"  # intent open, waiting for the customer
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


OPEN_STATUSES = (PaymentStatus.PENDING, PaymentStatus.REQUIRES_PAYMENT, PaymentStatus.PROCESSING)


class PaymentShare(BaseModel):
    """One player's part of a split booking; `token` is the capability in the pay link."""

    reservation = models.ForeignKey("reservations.Reservation", on_delete=models.CASCADE,
                                    related_name="payment_shares")
    index = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    token = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["reservation", "index"]
        constraints = [
            models.UniqueConstraint(fields=["reservation", "index"], name="payment_share_index_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_share_amount_positive"),
        ]

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(24)


class Payment(BaseModel):
    reservation = models.ForeignKey("reservations.Reservation", on_delete=models.PROTECT,
                                    related_name="payments")
    share = models.OneToOneField(PaymentShare, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="payment")
    method = models.CharField(max_length=8, choices=PaymentMethod.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING,
                              db_index=True)
    # Derived from the reservation (+ share): a retried creation reaches Stripe with the same
    # key and gets the same PaymentIntent back; unique here so one row maps to one intent.
    idempotency_key = models.CharField(max_length=120, unique=True)
    stripe_payment_intent_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    client_secret = models.CharField(max_length=255, blank=True, editable=False)
    amount_received = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    # Whether the money counts towards the booking; a payment that arrived too late or would
    # over-collect is kept out of reservation.paid_amount and refunded.
    applied = models.BooleanField(default=False)
    refunded_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    last_error = models.CharField(max_length=500, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(refunded_amount__gte=0, refunded_amount__lte=F("amount_received")),
                                   name="payment_refund_within_received"),
            models.CheckConstraint(
                condition=Q(method=PaymentMethod.CARD) | Q(stripe_payment_intent_id__isnull=True, share__isnull=True),
                name="payment_desk_has_no_intent"),
        ]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RefundReason(models.TextChoices):
    CANCELLATION = "cancellation"  # the club's cancellation policy
    LATE_PAYMENT = "late_payment"  # paid after the hold ended or the booking was cancelled
    OVERPAYMENT = "overpayment"  # the booking was already paid
    HOLD_EXPIRED = "hold_expired"  # split shares paid for a hold that ran out before the rest


class RefundState(models.TextChoices):
    PENDING = "pending"  # decided, not yet accepted by Stripe
    SUBMITTED = "submitted"  # Stripe has it, still settling
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Refund(BaseModel):
    """Money sent back for one payment (one refund per payment: we refund whole payments)."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="refund")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=16, choices=RefundReason.choices)
    status = models.CharField(max_length=12, choices=RefundState.choices, default=RefundState.PENDING,
                              db_index=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]


class StripeEvent(models.Model):
    """A verified webhook event. `event_id` unique: Stripe redelivers, we process once."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=255, blank=True, db_index=True)
    livemode = models.BooleanField(default=False)
    created = models.DateTimeField(help_text="when Stripe created the event")
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    deliveries = models.PositiveIntegerField(default=1)
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    outcome = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["received_at"]
