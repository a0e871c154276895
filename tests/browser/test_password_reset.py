"""The password-reset page in Chromium: from the sign-in form's link to a new password that works."""
from __future__ import annotations

import pytest
import requests
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.support.factories import ClubFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_forgot_password_from_the_booking_page_to_signing_in_with_the_new_one(browser, node):
    club = ClubFactory(name="Club Sur")
    player = UserFactory(email="lupe@example.com")
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 420, "height": 860}, locale="en-GB")
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{node.http}/clubs/{club.slug}/")
        # The sign-in form is shown once a slot is picked; its "forgot" link is in the page already.
        href = page.get_attribute("#signin a.forgot", "href")
        assert href == f"/reset-password/?next=/clubs/{club.slug}/"
        page.goto(f"{node.http}{href}")
        page.click("#request-form button[type=submit]")
        assert page.inner_text("#reset-error") == "Give your e-mail."
        page.fill("#reset-email", player.email)
        page.click("#request-form button[type=submit]")
        page.wait_for_function("() => document.querySelector('#reset-ok').textContent.includes('on its way')")
        assert page.get_attribute("#reset-back", "href") == f"/clubs/{club.slug}/"

        # The link of the e-mail (built here as the server builds it: the mail stays in its process).
        uid = urlsafe_base64_encode(force_bytes(player.pk))
        token = default_token_generator.make_token(player)
        page.goto(f"{node.http}/reset-password/?uid={uid}&token={token}")
        page.fill("#new-password", "brand-New-pass-77")
        page.fill("#repeat-password", "brand-New-pass-78")
        page.click("#confirm-form button[type=submit]")
        assert page.inner_text("#reset-error") == "The two passwords differ."
        page.fill("#new-password", "123")
        page.fill("#repeat-password", "123")
        page.click("#confirm-form button[type=submit]")
        # The API's own message (Django's password validators).
        page.wait_for_function("() => document.querySelector('#reset-error').textContent.includes('too short')")
        page.fill("#new-password", "brand-New-pass-77")
        page.fill("#repeat-password", "brand-New-pass-77")
        page.click("#confirm-form button[type=submit]")
        page.wait_for_function("() => document.querySelector('#reset-ok').textContent.startsWith('Password changed')")
        assert page.is_hidden("#confirm-form")
        login = requests.post(f"{node.http}/api/v1/auth/login/", timeout=10,
                              json={"email": player.email, "password": "brand-New-pass-77"})
        assert login.status_code == 200, login.text

        # The same link a second time: refused with the API's message.
        page.goto(f"{node.http}/reset-password/?uid={uid}&token={token}")
        page.fill("#new-password", "another-New-pass-88")
        page.fill("#repeat-password", "another-New-pass-88")
        page.click("#confirm-form button[type=submit]")
        page.wait_for_function("() => document.querySelector('#reset-error').textContent.includes('invalid')")
        page.screenshot(path="/tmp/padelyzer-reset.png", full_page=True)
        assert errors == []
    finally:
        context.close()
