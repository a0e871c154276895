"""The staff dashboard shell: who gets which page, in which language, with what configuration."""
import json
import re

import pytest

from tests.support.factories import ClubFactory, CourtFactory

pytestmark = pytest.mark.django_db


def json_script(html: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no #{element_id} in page"
    return json.loads(match.group(1))


def test_staff_page_renders_the_club_config_and_assets(client):
    club = ClubFactory(name="Padel Norte", timezone="America/Mexico_City", currency="MXN")
    CourtFactory(club=club, name="Cancha 1")
    response = client.get(f"/clubs/{club.slug}/staff/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")  # never cached: it is a live tool
    assert response["X-Robots-Tag"] == "noindex"
    html = response.content.decode()
    assert "<title>Staff dashboard · Padel Norte · Padelyzer</title>" in html
    for asset in ("/static/js/staff.js", "/static/css/staff.css", "/static/js/live.js"):
        assert asset in html
    assert 'aria-live="polite"' in html and 'role="log"' in html and 'role="progressbar"' in html
    config = json_script(html, "staff-config")
    assert config["id"] == str(club.pk)
    assert config["stream"] == f"/ws/clubs/{club.pk}/staff/"
    assert (config["timezone"], config["currency"], config["slot_minutes"]) == ("America/Mexico_City", "MXN", 30)
    assert config["check_in_opens_minutes"] == 60
    assert config["max_report_days"] == 366
    strings = json_script(html, "strings")
    assert strings["states"]["live"] == "Live"
    assert strings["check_in"] == "Check in"
    assert set(strings["feed"]) >= {"payment.succeeded", "payment.received", "payment.refunded"}


def test_no_token_or_data_is_in_the_page(client):
    """Everything staff see comes from the API after sign-in; the page itself holds nothing private."""
    club = ClubFactory(is_public=False, name="Club Privado Secreto")
    response = client.get(f"/clubs/{club.slug}/staff/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Club Privado Secreto" not in html  # a private club's name waits for a staff sign-in
    assert json_script(html, "staff-config")["name"] == ""
    assert "reservations" not in json_script(html, "staff-config")


def test_staff_page_speaks_spanish_by_accept_language(client):
    club = ClubFactory(name="Padel Sur")
    response = client.get(f"/clubs/{club.slug}/staff/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    html = response.content.decode()
    assert '<html lang="es">' in html
    for text in ("Panel del personal · Padel Sur", "Pistas de hoy", "Reservas de hoy", "Pagos", "Mantenimiento",
                 "Informes", "Mapa de ocupación", "Gráfico de ingresos", "Acceso del personal"):
        assert text in html, text
    strings = json_script(html, "strings")
    assert strings["check_in"] == "Registrar llegada"
    assert strings["no_show"] == "No se presentó"
    assert strings["mark_paid"] == "Cobrar"
    assert strings["feed"]["payment.received"] == "Pagado en recepción"
    assert strings["states"]["reconnecting"] == "Reconectando…"
    # every interface string has a Spanish version (none falls back to English)
    english = json_script(client.get(f"/clubs/{club.slug}/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode(),
                          "strings")
    words = lambda text: re.sub(r"%\(\w+\)s", "", text)  # noqa: E731  placeholders are not words
    untranslated = [key for key, value in _flatten(strings).items()
                    if value == _flatten(english)[key] and re.search(r"[A-Za-z]", words(value))]
    assert untranslated == []


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): value}


def test_unknown_club_is_a_404_page(client):
    response = client.get("/clubs/no-such-club/staff/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"Club not found" in response.content


def test_only_get(client):
    club = ClubFactory()
    assert client.post(f"/clubs/{club.slug}/staff/").status_code == 405


def test_maintenance_list_for_the_dashboard_skips_blocks_that_ended(api_client):
    """The dashboard lists blocks with `?club=&ends_after=<now>`: running and future ones only."""
    from datetime import timedelta

    from django.utils import timezone
    from psycopg2.extras import DateTimeTZRange
    from rest_framework_simplejwt.tokens import RefreshToken

    from apps.clubs.models import AllocationStatus, MaintenanceBlock
    from tests.support.factories import staff_of

    club = ClubFactory()
    court = CourtFactory(club=club)
    now = timezone.now()
    made = {}
    for name, start, end in [("ended", -3, -2), ("running", -1, 1), ("later", 2, 3)]:
        made[name] = MaintenanceBlock.objects.create(
            court=court, status=AllocationStatus.BLOCKED,
            period=DateTimeTZRange(now + timedelta(hours=start), now + timedelta(hours=end), "[)"))
    token = RefreshToken.for_user(staff_of(club)).access_token
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api_client.get("/api/v1/clubs/maintenance-blocks/",
                              {"club": str(club.pk), "ends_after": now.isoformat()})
    assert response.status_code == 200, response.json()
    assert [b["id"] for b in response.json()["data"]] == [str(made["running"].pk), str(made["later"].pk)]
    assert len(api_client.get("/api/v1/clubs/maintenance-blocks/", {"club": str(club.pk)}).json()["data"]) == 3
    bad = api_client.get("/api/v1/clubs/maintenance-blocks/", {"club": str(club.pk), "ends_after": "soon"})
    assert bad.status_code == 400
    assert bad.json()["success"] is False
