"""/reset-password/: the page the password-reset e-mail links to."""
import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_link_in_the_reset_mail_opens_the_new_password_form(client):
    UserFactory(email="pat@example.com")
    APIClient().post("/api/v1/auth/password-reset/", {"email": "pat@example.com"}, format="json")
    link = re.search(r"(http://testserver/reset-password/\?uid=\S+&token=\S+)", mail.outbox[0].body).group(1)
    page = client.get(link.removeprefix("http://testserver"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="confirm-form"' in html and 'id="new-password"' in html and 'id="request-form"' not in html
    assert page["Referrer-Policy"] == "no-referrer"  # the token must not leak through links
    assert "no-cache" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]


def test_without_a_token_it_asks_for_the_e_mail_and_links_back_only_to_our_pages(client):
    page = client.get("/reset-password/?next=/clubs/club-demo-padel/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="request-form"' in html and 'id="confirm-form"' not in html
    assert 'href="/clubs/club-demo-padel/"' in html
    for evil in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        html = client.get("/reset-password/", {"next": evil}).content.decode()
        assert "evil.example" not in html and "javascript:" not in html and 'id="reset-back"' not in html


def test_spanish_and_the_sign_in_forms_link_to_it(client):
    page = client.get("/reset-password/", HTTP_ACCEPT_LANGUAGE="es")
    assert "¿Olvidaste tu contraseña?" in page.content.decode()
    from tests.support.factories import ClubFactory

    club = ClubFactory(slug="club-norte")
    booking = client.get(f"/clubs/{club.slug}/").content.decode()
    assert f'href="/reset-password/?next=/clubs/{club.slug}/"' in booking


def test_the_home_page_lists_public_clubs_and_the_api_docs(client):
    from tests.support.factories import ClubFactory

    ClubFactory(name="Club Público", slug="club-publico")
    ClubFactory(name="Club Privado", slug="club-privado", is_public=False)
    html = client.get("/").content.decode()
    assert 'href="/clubs/club-publico/"' in html and "Club Público" in html
    assert "Club Privado" not in html
    assert 'href="/api/docs/"' in html
    assert "Reserva una pista" in client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
