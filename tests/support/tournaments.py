"""Shared helpers of the tournaments tests (API client auth, quick tournament set-ups)."""
from __future__ import annotations

from rest_framework_simplejwt.tokens import RefreshToken

from apps.tournaments import services
from apps.tournaments.models import Match, Tournament
from tests.support.factories import ClubFactory, CourtFactory, UserFactory, staff_of

API = "/api/v1/tournaments"


def auth(client, user):
    if user is None:
        client.credentials()
    else:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def body(response):
    payload = response.json()
    assert "meta" in payload, payload
    return payload


def data(response, status=200):
    assert response.status_code == status, response.json()
    payload = body(response)
    assert payload["success"] is True
    return payload["data"]


def error(response, status, code=None):
    assert response.status_code == status, response.json()
    payload = body(response)
    assert payload["success"] is False and payload["data"] is None
    if code is not None:
        assert payload["error"]["code"] == code, payload
    return payload["error"]


def club_with_staff(courts=2, **club_kwargs):
    club = ClubFactory(**club_kwargs)
    for i in range(courts):
        CourtFactory(club=club, name=f"Pista {i + 1}")
    return club, staff_of(club)


def make_tournament(club, *, format="single_elimination", entries=4, **fields) -> Tournament:
    """A tournament with `entries` entries (pairs, or single players for Americano/Mexicano),
    entered in order so entry i has the i-th best seed."""
    tournament = services.tournament_create(club=club, name=fields.pop("name", "Open"), format=format, **fields)
    for i in range(entries):
        players = [UserFactory()] if tournament.is_solo else [UserFactory(), UserFactory()]
        services.entry_create(tournament=tournament, players=players, name=f"E{i + 1}")
    return tournament


def play_points(match, team, count):
    for _ in range(count):
        match = services.point_add(match=match, team=team)
    return match


def win_match(match, team=1, *, fast=True):
    """`team` wins every remaining point until the match ends (padel: 6-0 6-0 from scratch).

    fast: all but the last point are written at once (as the replay of the stored points, like
    the service would), the last one goes through `point_add`, so advancement, standings and
    events run the real way. fast=False scores every point through the service."""
    match = Match.objects.select_related("tournament").get(pk=match.pk)
    if fast and match.status in ("scheduled", "in_progress"):
        tournament = match.tournament
        points = list(match.points)
        while not services.score_for(tournament, [*points, team])["finished"]:
            points.append(team)
        if len(points) > len(match.points):
            Match.objects.filter(pk=match.pk).update(points=points, score=services.score_for(tournament, points),
                                                     status="in_progress")
            if tournament.status == "ready":
                Tournament.objects.filter(pk=tournament.pk).update(status="in_progress")
    while match.status != "finished":
        match = services.point_add(match=match, team=team)
    return match
