"""The player's notifications on the booking page, in Chromium against a real daphne node.

A booking's confirmation arrives in the page's inbox live from /ws/me/; the player switches
notifications to Spanish and turns e-mail off for cancellations in the settings; the
cancellation then arrives in Spanish; "mark all as read" empties the inbox for good.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from apps.accounts.models import User
from apps.accounts.phone import _digest as phone_digest
from apps.notifications.models import Kind, Notification
from apps.notifications.selectors import preference_matrix_get
from tests.support.factories import PASSWORD, ClubFactory, CourtFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE_BUDGET_MS = 1500


def test_notifications_arrive_live_follow_the_settings_and_are_read(browser, node):
    club = ClubFactory(name="Club Pádel Norte", timezone="America/Mexico_City", currency="MXN")
    court = CourtFactory(club=club, name="Pista 2")
    player = UserFactory(first_name="Lupe", language="")
    tz = ZoneInfo(club.timezone)
    day = datetime.now(tz).date() + timedelta(days=3)
    start = datetime(day.year, day.month, day.day, 18, tzinfo=tz)

    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-GB")
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{node.http}/clubs/{club.slug}/?date={day}")
        page.wait_for_selector('#live-badge[data-state="live"]', timeout=10000)
        assert page.is_hidden("#inbox")  # signed out: no inbox

        slot = f'[data-court="{court.pk}"][data-start="{start.isoformat()}"]'
        page.click(slot)
        page.fill("#email", player.email)
        page.fill("#password", PASSWORD)
        page.click("#signin button[type=submit]")
        page.wait_for_selector("#inbox:not([hidden])")
        page.wait_for_function("() => document.querySelector('#inbox-list').textContent.includes('No new')")

        # 1. Booking: its confirmation arrives in the inbox without a reload.
        page.click("#book")
        page.wait_for_selector("#inbox-list li[data-notification]", timeout=LIVE_BUDGET_MS * 4)
        note = page.inner_text("#inbox-list li[data-notification]")
        assert "Booking confirmed at Club Pádel Norte" in note and "Pista 2" in note
        assert page.inner_text("#inbox-count") == "1"

        # 2. Settings: Spanish, and no e-mail for cancellations.
        page.click("#settings summary")
        page.wait_for_selector('#set-matrix input[data-kind="booking_cancelled"][data-channel="email"]')
        assert page.input_value("#set-language") == ""
        page.select_option("#set-language", "es")
        page.fill("#set-phone", "not a phone")
        page.uncheck('#set-matrix input[data-kind="booking_cancelled"][data-channel="email"]')
        page.click("#settings-form button[type=submit]")
        page.wait_for_function("() => document.querySelector('#settings-msg').classList.contains('error')")
        # One request, refused whole: neither the language nor the channels were saved.
        assert User.objects.get(pk=player.pk).language == ""
        assert preference_matrix_get(user=player)["booking_cancelled"]["email"] is True
        assert page.get_attribute("#set-phone", "aria-invalid") == "true"
        assert page.evaluate("document.activeElement.id") == "set-phone"
        page.fill("#set-phone", "+52 55 1234 5678")
        page.click("#settings-form button[type=submit]")
        page.wait_for_function("() => document.querySelector('#settings-msg').textContent === 'Settings saved.'")
        saved = User.objects.get(pk=player.pk)
        assert (saved.language, saved.phone) == ("es", "+52 55 1234 5678")
        assert saved.phone_verified_at is None  # SMS wait for the code

        # The code box: a wrong code is refused; the right one verifies the number. (No worker
        # runs here to send the SMS, so the test puts a code of its own where the server keeps it.)
        page.wait_for_selector("#verify:not([hidden])")
        assert "+52 55 1234 5678" in page.inner_text("#verify-msg")
        state = cache.get(f"phone-verify:{player.pk}")
        state["digest"] = phone_digest(player.pk, "+52 55 1234 5678", "424242")
        cache.set(f"phone-verify:{player.pk}", state, 600)
        page.fill("#verify-code", "999999")
        page.click("#verify-submit")
        page.wait_for_function("() => document.querySelector('#verify-msg').classList.contains('error')")
        page.fill("#verify-code", "424242")
        page.press("#verify-code", "Enter")
        page.wait_for_selector("#phone-ok:not([hidden])")
        assert page.is_hidden("#verify")
        assert User.objects.get(pk=player.pk).phone_verified_at is not None
        matrix = preference_matrix_get(user=saved)
        assert matrix["booking_cancelled"]["email"] is False and matrix["booking_confirmed"]["email"] is True

        # 3. Cancelling: the notification arrives, now in Spanish, and with no e-mail delivery.
        page.click("#my-list button.danger")
        page.wait_for_function("() => document.querySelectorAll('#inbox-list li[data-notification]').length === 2",
                               timeout=LIVE_BUDGET_MS * 4)
        first = page.inner_text("#inbox-list li[data-notification]")
        assert "Reserva cancelada en Club Pádel Norte" in first
        assert page.inner_text("#inbox-count") == "2"
        cancelled = Notification.objects.get(user=player, kind=Kind.BOOKING_CANCELLED)
        assert not cancelled.deliveries.filter(channel="email").exists()

        page.locator("#inbox").screenshot(path="/tmp/padelyzer-inbox-notes.png")

        # 4. Mark all as read: the inbox empties, and stays empty after a reload.
        page.click("#inbox-readall")
        page.wait_for_selector("#inbox-count", state="hidden")
        unread = lambda: Notification.objects.filter(user=player, read_at__isnull=True).count()  # noqa: E731
        deadline = time.monotonic() + 5
        while unread() and time.monotonic() < deadline:  # the POST lands just after the list empties
            time.sleep(0.1)
        assert unread() == 0
        page.reload()
        page.wait_for_selector("#inbox:not([hidden])")
        page.wait_for_function("() => document.querySelector('#inbox-list').textContent.includes('No new')")
        page.screenshot(path="/tmp/padelyzer-inbox.png", full_page=True)
        assert errors == []
    finally:
        context.close()
