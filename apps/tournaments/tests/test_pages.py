"""The scoreboard and scorer page shells: initial data, privacy, language."""
from __future__ import annotations

import json
import re
import uuid

import pytest

from apps.tournaments import services
from apps.tournaments.models import Match
from apps.tournaments.selectors import tournament_snapshot
from routing.publisher import current_seq
from routing.streams import tournament_stream
from tests.support.tournaments import club_with_staff, make_tournament

pytestmark = pytest.mark.django_db


def json_script(html: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no #{element_id} in page"
    return json.loads(match.group(1))


def test_board_of_a_public_tournament_embeds_the_snapshot(client):
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=4, name="Open Norte")
    services.tournament_generate(tournament=tournament)
    response = client.get(f"/tournaments/{tournament.pk}/board/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Open Norte" in html and "On court now" in html
    assert "tournaments/board.js" in html
    config = json_script(html, "board-config")
    assert config == {"id": str(tournament.pk), "stream": f"/ws/tournaments/{tournament.pk}/",
                      "timezone": "Europe/Madrid", "public": True}
    initial = json_script(html, "initial")
    assert initial["seq"] == current_seq(tournament_stream(tournament.pk))
    assert initial["data"] == json.loads(json.dumps(tournament_snapshot(tournament.pk)))
    assert json_script(html, "strings")["states"]["live"] == "Live"


def test_board_speaks_spanish_by_accept_language(client):
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    response = client.get(f"/tournaments/{tournament.pk}/board/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5")
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "En pista ahora" in html and "A continuación" in html
    strings = json_script(html, "strings")
    assert strings["formats"]["single_elimination"] == "Eliminatoria"
    assert strings["match_status"]["in_progress"] == "En juego"


def test_board_of_a_private_tournament_reveals_nothing_before_the_stream(client):
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=2, is_public=False, name="Torneo Secreto")
    html = client.get(f"/tournaments/{tournament.pk}/board/").content.decode()
    assert "Torneo Secreto" not in html
    assert json_script(html, "initial") is None
    assert json_script(html, "board-config")["public"] is False


def test_unknown_tournament_is_a_404_page(client):
    response = client.get(f"/tournaments/{uuid.uuid4()}/board/")
    assert response.status_code == 404 and b"Tournament not found" in response.content
    assert client.get("/tournaments/not-a-uuid/board/").status_code == 404


def test_scorer_page(client):
    club, _staff = club_with_staff()
    tournament = make_tournament(club, entries=2)
    services.tournament_generate(tournament=tournament)
    match = Match.objects.get(tournament=tournament)
    response = client.get(f"/tournaments/{tournament.pk}/score/{match.pk}/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Deshacer último punto" in html and "Inicia sesión para anotar" in html
    config = json_script(html, "scorer-config")
    assert config["match"] == str(match.pk) and config["stream"] == f"/ws/tournaments/{tournament.pk}/"
    assert json_script(html, "strings")["point_for"] == "Punto para %(team)s"
    other = make_tournament(club, entries=0)
    assert client.get(f"/tournaments/{other.pk}/score/{match.pk}/").status_code == 404


def test_desk_page_shell(client):
    """The desk carries the club's settings and strings only; the data comes after sign-in."""
    club, _staff = club_with_staff(name="Club Norte")
    make_tournament(club, entries=2, name="Torneo Interno", is_public=False)
    response = client.get(f"/clubs/{club.slug}/tournaments/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200 and response["X-Robots-Tag"] == "noindex"
    assert "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    assert "Torneo Interno" not in html  # tournaments are read with the staff's token
    assert "Crear torneo" in html and "Correo del jugador 1" in html and "tournaments/desk.js" in html
    config = json_script(html, "desk-config")
    assert config["id"] == str(club.pk) and config["name"] == "Club Norte"
    assert config["staff_page"] == f"/clubs/{club.slug}/staff/"
    assert set(config["solo_formats"]) == {"americano", "mexicano"}
    assert json_script(html, "strings")["generated"] == "Cuadro sorteado: %(n)s partidos."


def test_desk_of_a_private_club_does_not_name_it_and_an_unknown_club_is_a_404(client):
    club, _staff = club_with_staff(name="Club Privado", is_public=False)
    html = client.get(f"/clubs/{club.slug}/tournaments/").content.decode()
    assert "Club Privado" not in html and json_script(html, "desk-config")["name"] == ""
    response = client.get("/clubs/no-such-club/tournaments/")
    assert response.status_code == 404 and b"Club not found" in response.content


def test_the_staff_dashboard_links_to_the_desk(client):
    club, _staff = club_with_staff()
    html = client.get(f"/clubs/{club.slug}/staff/").content.decode()
    assert f'href="/clubs/{club.slug}/tournaments/"' in html
