"""factory-boy factories shared by every test module."""
from datetime import time
from decimal import Decimal

import factory
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from apps.accounts.models import User
from apps.clubs.models import AllocationStatus, Club, Court, OpeningHours, PricingRule
from apps.organizations.models import Membership, Organization, Role
from apps.reservations.models import Reservation

PASSWORD = "Sup3r-Secret-pass"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"player{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    # A phone given to the factory counts as verified (the verification flow has its own tests).
    phone_verified_at = factory.LazyAttribute(lambda o: timezone.now() if getattr(o, "phone", "") else None)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class ClubFactory(factory.django.DjangoModelFactory):
    """A club open 08:00-22:00 every day, 30-minute slots, 60-120 minute bookings."""

    class Meta:
        model = Club
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Club {n}")
    slug = factory.Sequence(lambda n: f"club-{n}")
    timezone = "Europe/Madrid"
    currency = "EUR"
    is_public = True
    slot_minutes = 30
    min_duration_minutes = 60
    max_duration_minutes = 120
    booking_horizon_days = 14
    cancellation_deadline_hours = 24
    default_price_per_hour = Decimal("20.00")

    @factory.post_generation
    def hours(obj, create, extracted, **kwargs):
        if not create:
            return
        opens, closes = extracted or (time(8, 0), time(22, 0))
        OpeningHours.objects.bulk_create(
            OpeningHours(club=obj, weekday=d, opens=opens, closes=closes) for d in range(7))


class CourtFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Court

    club = factory.SubFactory(ClubFactory)
    name = factory.Sequence(lambda n: f"Court {n}")


class PricingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PricingRule

    club = factory.SubFactory(ClubFactory)
    weekdays = [0, 1, 2, 3, 4]
    start_time = time(18, 0)
    end_time = time(22, 0)
    price_per_hour = Decimal("32.00")
    priority = 10


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    club = None
    role = Role.ORG_ADMIN


class ReservationFactory(factory.django.DjangoModelFactory):
    """Pass `start` and `end` (aware datetimes)."""

    class Meta:
        model = Reservation
        exclude = ["start", "end"]

    court = factory.SubFactory(CourtFactory)
    user = factory.SubFactory(UserFactory)
    start = None
    end = None
    period = factory.LazyAttribute(lambda o: DateTimeTZRange(o.start, o.end, "[)"))
    status = AllocationStatus.CONFIRMED
    price = Decimal("20.00")
    currency = "EUR"


def staff_of(club, role=Role.CLUB_STAFF, user=None):
    user = user or UserFactory()
    Membership.objects.create(user=user, organization=club.organization, club=club, role=role)
    return user


def admin_of(organization, user=None):
    user = user or UserFactory()
    Membership.objects.create(user=user, organization=organization, role=Role.ORG_ADMIN)
    return user
