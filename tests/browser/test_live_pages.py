"""The booking page and the display board in Chromium against a real daphne node.

A booking made in one browser shows in another within a second without a reload; the board
follows REST bookings, in-play reservations and a revoked key. Screenshots go to /tmp.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.db import transaction
from rest_framework_simplejwt.tokens import RefreshToken

from apps.clubs.models import AllocationStatus
from apps.clubs.services import display_key_create, display_key_revoke
from apps.reservations.events import publish_reservation_event
from tests.support.browser import midday_timezone, off_loop
from tests.support.factories import PASSWORD, ClubFactory, CourtFactory, ReservationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE_BUDGET_MS = 1000


def slot_selector(court, start: datetime, status: str | None = None) -> str:
    selector = f'[data-court="{court.pk}"][data-start="{start.isoformat()}"]'
    return selector + (f'[data-status="{status}"]' if status else "")


def publish_reservation(**fields):
    """A reservation written the way a service would: row and club event in one transaction."""
    def write():
        with transaction.atomic():
            reservation = ReservationFactory(**fields)
            publish_reservation_event(reservation, "reservation.created")
        return reservation

    return off_loop(write)


def wait_live(page):
    page.wait_for_selector('#live-badge[data-state="live"]', timeout=10000)


def test_a_booking_in_one_browser_appears_in_another_within_a_second(browser, node):
    club = ClubFactory(name="Padel Club Retiro", timezone="Europe/Madrid")
    court1 = CourtFactory(club=club, name="Pista 1")
    court2 = CourtFactory(club=club, name="Pista 2")
    CourtFactory(club=club, name="Pista 3")
    player = UserFactory(first_name="Lucía")
    tz = ZoneInfo(club.timezone)
    day = datetime.now(tz).date() + timedelta(days=2)
    at = lambda hour, minute=0: datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)  # noqa: E731
    url = f"{node.http}/clubs/{club.slug}/?date={day}"

    ctx_a = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    ctx_b = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        page_a, page_b = ctx_a.new_page(), ctx_b.new_page()
        page_a.on("dialog", lambda dialog: dialog.accept())
        for page in (page_b, page_a):
            page.goto(url)
            wait_live(page)
            page.wait_for_selector(slot_selector(court1, at(10), "free"))
        page_b.evaluate("window.__sameDocument = true")

        # A wrong password shows the API's own message.
        page_a.click(slot_selector(court1, at(10)))
        page_a.fill("#email", player.email)
        page_a.fill("#password", "wrong-password")
        page_a.click("#signin button[type=submit]")
        api_message = requests.post(f"{node.http}/api/v1/auth/login/", timeout=10,
                                    json={"email": player.email, "password": "wrong-password"}).json()["message"]
        page_a.wait_for_function("(m) => document.querySelector('#panel-error').textContent === m", arg=api_message)

        # Sign in, pick 90 minutes, book.
        page_a.fill("#password", PASSWORD)
        page_a.click("#signin button[type=submit]")
        page_a.wait_for_selector("#choice:not([hidden])")
        assert "Lucía" in page_a.inner_text("#who")
        page_a.check('input[name="duration"][value="90"]')
        assert page_a.inner_text("#total").replace("\u00a0", " ") in ("€30.00", "30,00 €", "30.00 €")
        page_a.click("#book")
        page_a.wait_for_function("() => document.querySelector('#panel-ok').textContent.length > 0")
        answered = time.monotonic()
        page_b.wait_for_selector(slot_selector(court1, at(11), "booked"), timeout=LIVE_BUDGET_MS)
        elapsed_ms = (time.monotonic() - answered) * 1000
        assert elapsed_ms < LIVE_BUDGET_MS
        for start in (at(10), at(10, 30), at(11)):
            assert page_b.get_attribute(slot_selector(court1, start), "data-status") == "booked"
        assert page_b.get_attribute(slot_selector(court1, at(11, 30)), "data-status") == "free"
        assert page_b.evaluate("window.__sameDocument") is True  # no reload happened
        page_b.wait_for_function(
            "() => document.querySelector('#announcer').textContent.includes('Pista 1')")
        assert page_a.locator("#my-list li[data-reservation]").count() == 1

        # A slot being paid for shows as held, everywhere, live.
        publish_reservation(court=court2, user=UserFactory(), start=at(12), end=at(13),
                            status=AllocationStatus.HELD)
        for page in (page_a, page_b):
            page.wait_for_selector(slot_selector(court2, at(12, 30), "held"), timeout=LIVE_BUDGET_MS)
        assert page_b.inner_text(slot_selector(court2, at(12))) == "Held"

        page_b.screenshot(path="/tmp/padelyzer-booking.png", full_page=True)

        # Cancel in A: B sees the slots free again.
        page_a.click("#my-list button.danger")
        page_a.wait_for_function("() => document.querySelector('#panel-ok').textContent.length > 0")
        page_b.wait_for_selector(slot_selector(court1, at(10), "free"), timeout=LIVE_BUDGET_MS)
        page_b.wait_for_selector(slot_selector(court1, at(11), "free"), timeout=LIVE_BUDGET_MS)
        assert page_a.locator("#my-list li[data-reservation]").count() == 0
    finally:
        ctx_a.close()
        ctx_b.close()


def test_booking_page_is_keyboard_usable_and_spanish_on_a_phone(browser, node):
    club = ClubFactory(name="Club Pádel Sur", timezone="Europe/Madrid")
    court = CourtFactory(club=club, name="Pista Central")
    CourtFactory(club=club, name="Pista 2")
    tz = ZoneInfo(club.timezone)
    day = datetime.now(tz).date() + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, 19, tzinfo=tz)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-ES", has_touch=True,
                                  is_mobile=True)
    try:
        page = context.new_page()
        page.goto(f"{node.http}/clubs/{club.slug}/?date={day}")
        wait_live(page)
        # Nothing widens the page past the phone (it would zoom out and leave a blank strip).
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.get_attribute("html", "lang") == "es"
        assert page.inner_text("#mine-title") == "Mis reservas"
        assert page.inner_text("#live-badge") == "En directo"
        page.focus(slot_selector(court, start))
        page.keyboard.press("Enter")
        page.wait_for_selector("#signin:not([hidden])")
        assert page.evaluate("document.activeElement.id") == "email"  # focus moved to the form
        assert page.get_attribute(slot_selector(court, start), "aria-pressed") == "true"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nor the sign-in form
        page.screenshot(path="/tmp/padelyzer-booking-phone-es.png", full_page=False)
    finally:
        context.close()


def test_display_board_follows_bookings_and_shows_a_revoked_key(browser, node):
    club = ClubFactory(name="Padel Indoor Chamartín", timezone=midday_timezone())
    courts = [CourtFactory(club=club, name=f"Pista {n}") for n in (1, 2, 3, 4)]
    key, raw_key = display_key_create(club=club, name="Recepción")
    tz = ZoneInfo(club.timezone)
    now = datetime.now(tz)
    slot_now = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
    # Court 1 is in play now: written as a service would (no REST booking can start in the past).
    publish_reservation(court=courts[0], user=UserFactory(), start=slot_now, end=slot_now + timedelta(minutes=90))
    later = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    player = UserFactory()
    token = str(RefreshToken.for_user(player).access_token)

    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(f"{node.http}/clubs/{club.slug}/display/?key={raw_key}")
        wait_live(page)
        row1 = f'.court[data-court="{courts[0].pk}"]'
        row2 = f'.court[data-court="{courts[1].pk}"]'
        assert page.inner_text(f"{row1} .now .big") == "In play"
        assert "min left" in page.inner_text(f"{row1} .now .small")
        assert page.inner_text(f"{row2} .now .big") == "Free"
        assert page.inner_text(f"{row2} .next .big") == "—"
        page.evaluate("window.__sameDocument = true")

        response = requests.post(
            f"{node.http}/api/v1/reservations/reservations/", timeout=10,
            headers={"Authorization": f"Bearer {token}"},
            json={"court": str(courts[1].pk), "start": later.isoformat(),
                  "end": (later + timedelta(minutes=60)).isoformat()})
        assert response.status_code == 201, response.text
        answered = time.monotonic()
        page.wait_for_selector(f'.strip i{slot_selector(courts[1], later, "booked")}', timeout=LIVE_BUDGET_MS)
        assert (time.monotonic() - answered) * 1000 < LIVE_BUDGET_MS
        page.wait_for_function(
            "([sel, text]) => document.querySelector(sel).textContent.startsWith(text)",
            arg=[f"{row2} .next .big", later.strftime("%H:%M")])
        assert page.inner_text(f"{row2} .next .big") == f"{later:%H:%M}–{later + timedelta(hours=1):%H:%M}"
        assert page.evaluate("window.__sameDocument") is True
        page.screenshot(path="/tmp/padelyzer-display.png")

        # Revoking the key closes the board's socket (4401): it says so instead of going stale.
        off_loop(display_key_revoke, key=key)
        page.wait_for_selector("#notice:not([hidden])", timeout=3000)
        assert "revoked" in page.inner_text("#notice")
        assert page.get_attribute("#live-badge", "data-state") == "offline"
        page.screenshot(path="/tmp/padelyzer-display-revoked.png")
    finally:
        context.close()


def test_display_board_in_spanish_and_message_pages(browser, node):
    club = ClubFactory(name="Club de Pádel Norte", timezone=midday_timezone())
    CourtFactory(club=club, name="Pista 1")
    _, raw_key = display_key_create(club=club, name="TV")
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="es-ES")
    try:
        page = context.new_page()
        page.goto(f"{node.http}/clubs/{club.slug}/display/?key={raw_key}")
        wait_live(page)
        assert page.inner_text(".row.head .now-h").lower() == "ahora"
        assert page.inner_text("#live-badge") == "En directo"
        page.screenshot(path="/tmp/padelyzer-display-es.png")

        response = page.goto(f"{node.http}/clubs/{club.slug}/display/?key=dk_wrong")
        assert response.status == 403
        assert page.inner_text("h1") == "Esta clave de pantalla no funciona"
        page.screenshot(path="/tmp/padelyzer-display-badkey-es.png")
        response = page.goto(f"{node.http}/clubs/no-such-club/")
        assert response.status == 404
        assert page.inner_text("h1") == "Club no encontrado"
    finally:
        context.close()


def test_display_board_rides_out_a_server_restart_and_catches_up(browser, node):
    """The server dies (SIGKILL) and comes back while bookings go on: the board says it is
    reconnecting, then resumes from its last seq and shows what it missed, without a reload."""
    club = ClubFactory(name="Club Nocturno", timezone=midday_timezone())
    courts = [CourtFactory(club=club, name="Pista 1"), CourtFactory(club=club, name="Pista 2")]
    _, raw_key = display_key_create(club=club, name="TV")
    tz = ZoneInfo(club.timezone)
    later = datetime.now(tz).replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        page.goto(f"{node.http}/clubs/{club.slug}/display/?key={raw_key}")
        wait_live(page)
        page.evaluate("window.__sameDocument = true")
        seq_before = page.evaluate("window.padelyzer.stream.lastSeq")

        node.kill()
        page.wait_for_selector('#live-badge[data-state="reconnecting"]', timeout=5000)
        # Committed while no server is up: nobody receives it live; only the log has it.
        publish_reservation(court=courts[0], user=UserFactory(), start=later, end=later + timedelta(hours=1))
        publish_reservation(court=courts[1], user=UserFactory(), start=later, end=later + timedelta(minutes=90))
        node.start(same_port=True)

        page.wait_for_selector(f'.strip i{slot_selector(courts[1], later + timedelta(minutes=60), "booked")}',
                               timeout=40000)
        wait_live(page)
        assert page.get_attribute(f'.strip i{slot_selector(courts[0], later)}', "data-status") == "booked"
        stream = page.evaluate("({last: window.padelyzer.stream.lastSeq, stats: window.padelyzer.stream.stats})")
        assert stream["last"] == seq_before + 2
        assert stream["stats"]["connects"] >= 2
        assert page.evaluate("window.__sameDocument") is True
        assert page.is_hidden("#notice") or "Reconnecting" not in page.inner_text("#notice")
    finally:
        context.close()
