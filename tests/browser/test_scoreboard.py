"""The tournament scoreboard in Chromium against a live daphne on the test database: it follows
points scored live (from the services and from the court-side scorer page), undo, a finished
match moving its winner into the final, and it speaks Spanish by Accept-Language."""
from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from rest_framework_simplejwt.tokens import RefreshToken

from apps.tournaments import services
from apps.tournaments.models import Match
from tests.support.browser import off_loop
from tests.support.tournaments import club_with_staff, make_tournament, win_match

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 15_000  # ms; a live event normally lands within a few hundred


def _tournament():
    club, staff = club_with_staff(courts=2)
    tournament = make_tournament(club, entries=4, name="Open Live")
    services.tournament_generate(tournament=tournament)
    day = timezone.now().astimezone(ZoneInfo(club.timezone)).date() + timedelta(days=1)
    services.tournament_schedule(tournament=tournament, start_date=day, match_minutes=90)
    semis = list(Match.objects.filter(tournament=tournament, round=1).order_by("position"))
    final = Match.objects.get(tournament=tournament, round=2)
    return tournament, staff, semis, final


def _card(page, match):
    return page.locator(f'#bracket article[data-match-id="{match.pk}"]')


def _auth_script(user) -> str:
    refresh = RefreshToken.for_user(user)
    value = {"access": str(refresh.access_token), "refresh": str(refresh),
             "user": {"id": str(user.pk), "email": user.email, "first_name": user.first_name,
                      "last_name": user.last_name}}
    return f"sessionStorage.setItem('padelyzer.auth', {json.dumps(json.dumps(value))});"


def test_scoreboard_follows_live_points(browser, node):
    tournament, staff, (semi1, semi2), final = _tournament()
    context = browser.new_context(locale="en-GB")
    board = context.new_page()
    errors = []
    board.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        board.goto(f"{node.http}/tournaments/{tournament.pk}/board/")
        expect(board.locator("#live-badge")).to_have_attribute("data-state", "live", timeout=WAIT)
        expect(board.locator("#t-name")).to_have_text("Open Live")
        expect(_card(board, semi1)).to_have_attribute("data-status", "scheduled")
        expect(board.locator("#on-court")).to_contain_text("No match is being played right now.")

        # A point scored elsewhere (the service, committed) shows up without a reload.
        off_loop(services.point_add, match=semi1, team=1)
        live_card = board.locator(f'#on-court article[data-match-id="{semi1.pk}"]')
        expect(live_card).to_be_visible(timeout=WAIT)
        expect(live_card.locator('[data-team="1"] .points')).to_have_text("15", timeout=WAIT)
        expect(live_card.locator('[data-team="2"] .points')).to_have_text("0")
        expect(live_card.locator('[data-team="1"] .name')).to_have_text(semi1.team1.name)

        # The court-side scorer page: two big buttons and undo, signed in with the stored API token.
        scorer_context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844},
                                             is_mobile=True, has_touch=True)
        scorer_context.add_init_script(_auth_script(staff))
        scorer = scorer_context.new_page()
        scorer.on("pageerror", lambda exc: errors.append(str(exc)))
        scorer.goto(f"{node.http}/tournaments/{tournament.pk}/score/{semi1.pk}/")
        expect(scorer.locator("#points-1")).to_have_text("15", timeout=WAIT)
        expect(scorer.locator("#point-2")).to_have_text(f"Point for {semi1.team2.name}")
        assert scorer.evaluate("document.documentElement.scrollWidth") <= 390
        box = scorer.locator("#point-2").bounding_box()
        assert box["height"] >= 200 and box["width"] >= 150  # thumb-sized on a phone
        scorer.locator("#point-2").tap()
        expect(scorer.locator("#points-2")).to_have_text("15", timeout=WAIT)
        scorer.locator("#point-2").tap()
        expect(scorer.locator("#points-2")).to_have_text("30", timeout=WAIT)
        expect(live_card.locator('[data-team="2"] .points')).to_have_text("30", timeout=WAIT)
        scorer.locator("#undo").tap()
        expect(scorer.locator("#points-2")).to_have_text("15", timeout=WAIT)
        expect(live_card.locator('[data-team="2"] .points')).to_have_text("15", timeout=WAIT)
        assert Match.objects.get(pk=semi1.pk).points == [1, 2]

        # The semi-final ends: it leaves the court list and its winner appears in the final.
        off_loop(win_match, Match.objects.get(pk=semi1.pk), team=2)
        expect(board.locator(f'#on-court article[data-match-id="{semi1.pk}"]')).to_have_count(0, timeout=WAIT)
        done = _card(board, semi1)
        expect(done).to_have_attribute("data-status", "finished", timeout=WAIT)
        expect(done.locator(".team.won .name")).to_have_text(semi1.team2.name)
        expect(done.locator('[data-team="2"] .sets')).to_have_text("6 6")
        expect(_card(board, final).locator('[data-team="1"] .name')).to_have_text(semi1.team2.name, timeout=WAIT)
        expect(scorer.locator("#state-note")).to_have_text("The match is over. Undo takes the last point back.",
                                                           timeout=WAIT)
        expect(scorer.locator("#point-1")).to_be_disabled()
        assert errors == []
        scorer_context.close()
    finally:
        context.close()


def test_scoreboard_in_spanish(browser, node):
    tournament, _staff, (semi1, _semi2), _final = _tournament()
    context = browser.new_context(locale="es-ES", extra_http_headers={"Accept-Language": "es-ES,es;q=0.9"})
    page = context.new_page()
    try:
        page.goto(f"{node.http}/tournaments/{tournament.pk}/board/")
        expect(page.locator("#live-badge")).to_have_text("En directo", timeout=WAIT)
        expect(page.locator("#now-title")).to_have_text("En pista ahora")
        expect(page.locator("#t-meta")).to_contain_text("Eliminatoria")
        expect(page.locator("#bracket h3").last).to_have_text("Final")
        expect(_card(page, semi1).locator(".match-meta")).to_contain_text("Programado")
    finally:
        context.close()


def test_scoreboard_shows_the_third_place_match_under_the_final_and_crowns_the_finals_winner(browser, node):
    club, _staff = club_with_staff(courts=2)
    tournament = make_tournament(club, entries=4, name="Open Bronce", third_place=True)
    services.tournament_generate(tournament=tournament)
    semi1, semi2 = Match.objects.filter(tournament=tournament, round=1).order_by("position")
    win_match(semi1, team=1)
    win_match(semi2, team=1)
    final = Match.objects.get(tournament=tournament, key="R2-M1")
    third = Match.objects.get(tournament=tournament, key="3P")
    context = browser.new_context(locale="en-GB")
    board = context.new_page()
    try:
        board.goto(f"{node.http}/tournaments/{tournament.pk}/board/")
        expect(board.locator("#live-badge")).to_have_attribute("data-state", "live", timeout=WAIT)
        final_column = board.locator('#bracket .round[data-round="2"]')
        expect(final_column.locator("h3.third-place")).to_have_text("Third place")
        expect(final_column.locator(f'article[data-match-id="{third.pk}"]')).to_contain_text(semi1.team2.name)
        # The third-place match ends last here: the champion is still the final's winner.
        off_loop(win_match, final, team=2)
        off_loop(win_match, third, team=1)
        expect(board.locator("#champion")).to_have_text(f"Winner: {semi2.team1.name}", timeout=WAIT)
        board.screenshot(path="/tmp/scoreboard-third-place.png", full_page=True)
        # The same board on a phone: one column, nothing wider than the screen.
        phone = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}, is_mobile=True)
        page = phone.new_page()
        page.goto(f"{node.http}/tournaments/{tournament.pk}/board/")
        expect(page.locator("#champion")).to_have_text(f"Winner: {semi2.team1.name}", timeout=WAIT)
        page.screenshot(path="/tmp/scoreboard-phone.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        phone.close()
    finally:
        context.close()
