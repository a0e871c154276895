"""The HTML shells: who gets which page, in which language, with what initial data."""
import json
import re

import pytest
from django.utils import timezone

from apps.clubs.models import DisplayKey
from apps.clubs.services import display_key_create, display_key_revoke
from tests.support.factories import ClubFactory, CourtFactory

pytestmark = pytest.mark.django_db


def json_script(html: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no #{element_id} in page"
    return json.loads(match.group(1))


def test_booking_page_renders_club_config(client):
    club = ClubFactory(name="Padel Norte")
    CourtFactory(club=club, name="Pista 1")
    response = client.get(f"/clubs/{club.slug}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Padel Norte" in html
    assert "/static/js/booking.js" in html
    config = json_script(html, "club-config")
    assert config["id"] == str(club.pk)
    assert config["stream"] == f"/ws/clubs/{club.pk}/"
    assert (config["slot_minutes"], config["min_duration"], config["max_duration"]) == (30, 60, 120)
    strings = json_script(html, "strings")
    assert strings["states"]["live"] == "Live"


def test_booking_page_speaks_spanish_by_accept_language(client):
    club = ClubFactory(name="Padel Sur")
    response = client.get(f"/clubs/{club.slug}/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5")
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Reserva una pista en Padel Sur" in html
    assert "Mis reservas" in html
    assert json_script(html, "strings")["states"]["reconnecting"] == "Reconectando…"


def test_unknown_or_private_club_is_a_404_page(client):
    assert client.get("/clubs/no-such-club/").status_code == 404
    private = ClubFactory(is_public=False)
    response = client.get(f"/clubs/{private.slug}/")
    assert response.status_code == 404
    assert b"Club not found" in response.content
    assert response["Content-Type"].startswith("text/html")


def test_display_without_key_explains_what_is_missing(client):
    club = ClubFactory()
    response = client.get(f"/clubs/{club.slug}/display/")
    assert response.status_code == 401
    assert b"Display key needed" in response.content


def test_display_with_wrong_revoked_or_foreign_key_is_refused(client):
    club, other = ClubFactory(), ClubFactory()
    _, foreign = display_key_create(club=other, name="tv")
    key, revoked = display_key_create(club=club, name="old tv")
    display_key_revoke(key=key)
    for raw in ("dk_nope", foreign, revoked):
        response = client.get(f"/clubs/{club.slug}/display/", {"key": raw})
        assert response.status_code == 403, raw
        assert b"This display key does not work" in response.content


def test_display_unknown_club_is_404(client):
    response = client.get("/clubs/nowhere/display/", {"key": "dk_x"})
    assert response.status_code == 404


def test_display_embeds_todays_snapshot_and_never_leaks_the_key(client):
    club = ClubFactory(is_public=False)  # a display key works for a private club too
    CourtFactory(club=club, name="Central")
    _, raw = display_key_create(club=club, name="lobby")
    response = client.get(f"/clubs/{club.slug}/display/", {"key": raw}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    html = response.content.decode()
    initial = json_script(html, "initial")
    assert initial["club"] == str(club.pk)
    assert initial["seq"] == 0
    assert [c["name"] for c in initial["courts"]] == ["Central"]
    assert json_script(html, "display-key") == raw
    assert json_script(html, "strings")["in_play"] == "En juego"
    assert DisplayKey.objects.get(club=club).revoked_at is None
    assert initial["date"] == timezone.now().astimezone(__import__("zoneinfo").ZoneInfo(club.timezone)).date().isoformat()


def test_static_client_modules_are_served(client):
    for path in ("/static/js/live.js", "/static/js/club_state.js", "/static/js/booking.js",
                 "/static/js/display.js", "/static/css/display.css"):
        response = client.get(path)
        assert response.status_code == 200, path
    live = b"".join(client.get("/static/js/live.js").streaming_content)
    assert b"export class LiveStream" in live
