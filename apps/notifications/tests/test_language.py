"""Notifications are written in the recipient's language (User.language), whatever the
language of the request or task that caused them."""
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import translation

from apps.notifications import triggers
from apps.notifications.models import Kind, Notification
from tests.support.api import at, booking_body, client_for, future_day, ok
from tests.support.factories import ClubFactory, CourtFactory, ReservationFactory, UserFactory

pytestmark = pytest.mark.django_db

BOOK = "/api/v1/reservations/reservations/"
SPANISH_WEEKDAYS = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]


@pytest.fixture
def court():
    return CourtFactory(name="Pista 1", club=ClubFactory(name="Club Demo Padel", timezone="America/Mexico_City",
                                                          currency="MXN"))


def test_a_spanish_speaking_player_gets_the_booking_confirmation_in_spanish(
        court, eager_celery, django_capture_on_commit_callbacks):
    user = UserFactory(language="es", phone="")
    start = at(court.club, future_day(court.club, 3), 18)
    with django_capture_on_commit_callbacks(execute=True):
        # An English browser books: the request's language does not matter, the recipient's does.
        ok(client_for(user).post(BOOK, booking_body(court, start), format="json", HTTP_ACCEPT_LANGUAGE="en-GB"), 201)
    notification = Notification.objects.get(user=user, kind=Kind.BOOKING_CONFIRMED)
    assert notification.title == "Reserva confirmada en Club Demo Padel"
    weekday = SPANISH_WEEKDAYS[start.astimezone(ZoneInfo("America/Mexico_City")).weekday()]
    assert notification.body.startswith(f"Pista 1, {weekday} {start.day} "), notification.body
    assert " 18:00-" in notification.body
    assert "Precio" in notification.body and "MXN" in notification.body
    assert [m.subject for m in mail.outbox] == ["Reserva confirmada en Club Demo Padel"]


def test_without_a_chosen_language_notifications_are_in_english(court, eager_celery):
    user = UserFactory(language="", phone="")
    day = future_day(court.club, 3)
    # A Spanish browser books: the notification still follows the user's (default) language.
    ok(client_for(user).post(BOOK, booking_body(court, at(court.club, day, 10)), format="json",
                             HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9"), 201)
    notification = Notification.objects.get(user=user, kind=Kind.BOOKING_CONFIRMED)
    assert notification.title == "Booking confirmed at Club Demo Padel"
    assert "Price" in notification.body


def test_a_called_match_speaks_to_each_player_in_their_own_language():
    lupe, john = UserFactory(language="es"), UserFactory(language="en")
    by_user = {n.user_id: n for n in triggers.notify_match_called([lupe, john], {"court": "Pista 3", "match": "m7"})}
    assert by_user[lupe.pk].title == "Tu partido está por empezar: Pista 3"
    assert by_user[lupe.pk].body == "Por favor, ve ahora a Pista 3."
    assert by_user[john.pk].title == "Your match is called: Pista 3"
    assert by_user[john.pk].body == "Please go to Pista 3 now."


def test_a_cancellation_with_a_refund_reads_naturally_in_spanish(court):
    user = UserFactory(language="es")
    reservation = ReservationFactory(court=court, user=user, price=Decimal("450.00"), currency="MXN",
                                     start=datetime(2030, 12, 1, 16, tzinfo=UTC),  # Sunday 10:00 in Mexico City
                                     end=datetime(2030, 12, 1, 17, 30, tzinfo=UTC))
    before = translation.get_language()
    notification = triggers.notify_booking_cancelled(
        reservation, refund={"status": "pending", "amount": "450.00", "currency": "MXN"})
    assert notification.title == "Reserva cancelada en Club Demo Padel"
    assert notification.body == ("Pista 1, dom 1 dic 10:00-11:30 fue cancelada. Reembolso: 450.00 MXN (pendiente). "
                                 "Recógelo en la recepción del club.")  # paid at the club: refunded there
    assert translation.get_language() == before  # the override does not leak into the caller
