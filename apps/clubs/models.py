import hashlib
import secrets
from datetime import time
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.core.models import BaseModel


class Club(BaseModel):
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE,
                                     related_name="clubs")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    timezone = models.CharField(max_length=64, default="UTC")
    currency = models.CharField(max_length=3, default="EUR")
    is_public = models.BooleanField(default=True)
    slot_minutes = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(5),
                                                                             MaxValueValidator(240)])
    min_duration_minutes = models.PositiveSmallIntegerField(default=60)
    max_duration_minutes = models.PositiveSmallIntegerField(default=120)
    booking_horizon_days = models.PositiveSmallIntegerField(default=14)
    cancellation_deadline_hours = models.PositiveSmallIntegerField(default=24)
    default_price_per_hour = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("20.00"))
    requires_online_payment = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(min_duration_minutes__lte=models.F("max_duration_minutes")),
                                   name="club_min_le_max_duration"),
            models.CheckConstraint(condition=Q(default_price_per_hour__gte=0), name="club_price_not_negative"),
        ]

    def __str__(self):
        return self.name


class OpeningHours(BaseModel):
    """One opening interval of a weekday, local time; `closes` is exclusive and 00:00 means midnight."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="opening_weekday_range"),
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")) | Q(closes=time(0, 0)),
                                   name="opening_closes_after_opens"),
        ]


class Court(BaseModel):
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="courts")
    name = models.CharField(max_length=80)
    indoor = models.BooleanField(default=False)
    surface = models.CharField(max_length=40, blank=True, default="artificial_grass")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["club", "name"], name="court_name_unique_in_club")]

    def __str__(self):
        return f"{self.club_id}:{self.name}"


class PricingRule(BaseModel):
    """Hourly price for a weekday set and local time window; the highest priority that matches wins."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="pricing_rules")
    court = models.ForeignKey(Court, on_delete=models.CASCADE, null=True, blank=True, related_name="pricing_rules")
    weekdays = ArrayField(models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)]), size=7)
    start_time = models.TimeField()
    end_time = models.TimeField()
    price_per_hour = models.DecimalField(max_digits=8, decimal_places=2)
    priority = models.IntegerField(default=0)

    class Meta:
        ordering = ["-priority", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(price_per_hour__gte=0), name="pricing_price_not_negative"),
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")) | Q(end_time=time(0, 0)),
                                   name="pricing_end_after_start"),
        ]


class AllocationKind(models.TextChoices):
    RESERVATION = "reservation"
    MAINTENANCE = "maintenance"
    MATCH = "match"


class AllocationStatus(models.TextChoices):
    HELD = "held"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    BLOCKED = "blocked"


# Statuses that occupy the court; the exclusion constraint holds exactly these.
BLOCKING_STATUSES = (
    AllocationStatus.HELD,
    AllocationStatus.CONFIRMED,
    AllocationStatus.COMPLETED,
    AllocationStatus.NO_SHOW,
    AllocationStatus.BLOCKED,
)


class CourtAllocation(BaseModel):
    """Any claim on a court's time: reservations, maintenance blocks, tournament matches.

    One table for all of them so one exclusion constraint makes double booking impossible,
    whichever kind of claim comes first. Subclasses (multi-table) add their own fields.
    """

    court = models.ForeignKey(Court, on_delete=models.PROTECT, related_name="allocations")
    kind = models.CharField(max_length=16, choices=AllocationKind.choices, editable=False)
    period = DateTimeRangeField()
    status = models.CharField(max_length=16, choices=AllocationStatus.choices, db_index=True)

    class Meta:
        ordering = ["period"]
        constraints = [
            ExclusionConstraint(
                name="court_allocation_no_overlap",
                expressions=[("court", RangeOperators.EQUAL), ("period", RangeOperators.OVERLAPS)],
                condition=Q(status__in=[s.value for s in BLOCKING_STATUSES]),
            ),
            models.CheckConstraint(
                condition=Q(period__isempty=False, period__lower_inf=False, period__upper_inf=False),
                name="court_allocation_bounded_period",
            ),
        ]

    @property
    def start(self):
        return self.period.lower

    @property
    def end(self):
        return self.period.upper

    @property
    def blocks_court(self) -> bool:
        return self.status in BLOCKING_STATUSES


class MaintenanceBlock(CourtAllocation):
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")

    def save(self, *args, **kwargs):
        self.kind = AllocationKind.MAINTENANCE
        super().save(*args, **kwargs)


class DisplayKey(BaseModel):
    """A read-only, revocable credential for a club's TV screen; only its hash is stored."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="display_keys")
    name = models.CharField(max_length=80)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(max_length=12, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @staticmethod
    def hash_key(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @staticmethod
    def generate_key() -> str:
        return "dk_" + secrets.token_urlsafe(32)
