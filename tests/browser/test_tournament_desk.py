"""The tournament desk in Chromium against a live daphne: staff sign in, create a knockout,
enter four pairs by e-mail (a typo answers the API's message and enters nothing), make the
draw, put the matches on court, and watch a point scored on court arrive live; a player is
refused; the page speaks Spanish by Accept-Language."""
from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.tournaments import services
from apps.tournaments.models import Match, Tournament
from tests.support.browser import off_loop
from tests.support.factories import PASSWORD, ClubFactory, CourtFactory, UserFactory, staff_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 15_000  # ms


def _club(name: str, staff_name: str, courts: int = 1):
    club = ClubFactory(name=name)
    for n in range(1, courts + 1):
        CourtFactory(club=club, name=f"Pista {n}")
    return club, staff_of(club, user=UserFactory(first_name=staff_name))


def _desk_page(browser):
    """An English page that records script errors and accepts the desk's confirmations."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    return context, page, errors


def _sign_in(page, user):
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("#signin button[type=submit]")


def test_staff_run_a_tournament_from_the_desk(browser, node):
    club, staff = _club("Club Norte", "Marta", courts=2)
    pairs = [(UserFactory(email=f"p{i}a@example.com", last_name=f"Alfa{i}"),
              UserFactory(email=f"p{i}b@example.com", last_name=f"Beta{i}")) for i in range(1, 5)]
    tomorrow = timezone.now().astimezone(ZoneInfo(club.timezone)).date() + timedelta(days=1)

    context, page, errors = _desk_page(browser)
    try:
        page.goto(f"{node.http}/clubs/{club.slug}/tournaments/")
        expect(page.locator("#gate")).to_be_visible()
        _sign_in(page, staff)
        expect(page.locator("#desk")).to_be_visible(timeout=WAIT)
        expect(page.locator("#tournament-list")).to_contain_text("No tournaments yet")

        page.fill("#c-name", "Desk Open")
        page.select_option("#c-format", "single_elimination")
        page.check("#c-golden")
        page.check("#c-third")
        page.fill("#c-fee", "25")
        page.click("#create-form button[type=submit]")
        expect(page.locator("#detail-title")).to_have_text("Desk Open", timeout=WAIT)
        expect(page.locator("#live-badge")).to_have_attribute("data-state", "live", timeout=WAIT)
        tournament = Tournament.objects.get(club=club)
        assert (tournament.name, tournament.golden_point, str(tournament.entry_fee), tournament.third_place) == (
            "Desk Open", True, "25.00", True)
        expect(page.locator("#tournament-list")).to_contain_text("Desk Open")

        # A typo in an e-mail: the API's message, and nothing entered.
        page.fill("#e-player1", "nobody@example.com")
        page.fill("#e-player2", pairs[0][1].email)
        page.click("#entry-form button[type=submit]")
        expect(page.locator("#detail-error")).to_contain_text("nobody@example.com", timeout=WAIT)
        assert tournament.entries.count() == 0

        for i, (a, b) in enumerate(pairs, start=1):
            page.fill("#e-player1", a.email.upper())  # as typed at the desk
            page.fill("#e-player2", b.email)
            page.fill("#e-name", f"Pair {i}")
            page.fill("#e-seed", str(i))
            page.click("#entry-form button[type=submit]")
            expect(page.locator("#entry-rows tr")).to_have_count(i, timeout=WAIT)  # from the stream
        expect(page.locator("#entry-rows")).to_contain_text(re.compile(r"Alfa1 / \w+ Beta1"))
        expect(page.locator("#detail-ok")).to_have_text("Entry added: Pair 4.")

        page.click("#generate")
        expect(page.locator("#detail-ok")).to_have_text("Draw made: 4 matches.", timeout=WAIT)
        expect(page.locator("#match-rows tr")).to_have_count(4, timeout=WAIT)
        expect(page.locator("#match-rows")).to_contain_text("Third place")
        expect(page.locator("#match-rows")).to_contain_text("Loser of R1-M1 vs Loser of R1-M2")
        expect(page.locator("#entry-form")).to_be_hidden()  # entries are fixed after the draw
        expect(page.locator("#entry-rows button")).to_have_count(0)

        page.fill("#s-date", tomorrow.isoformat())
        page.fill("#s-minutes", "90")
        page.click("#schedule-form button[type=submit]")
        expect(page.locator("#detail-ok")).to_have_text("4 matches put on court.", timeout=WAIT)
        semi = Match.objects.filter(tournament=tournament, round=1).order_by("position").first()
        row = page.locator(f'#match-rows tr[data-match-id="{semi.pk}"]')
        expect(row).to_contain_text("Pista", timeout=WAIT)
        expect(page.locator("#schedule-form")).to_be_hidden()
        score_link = row.locator("a")
        expect(score_link).to_have_attribute("href", f"/tournaments/{tournament.pk}/score/{semi.pk}/")

        # Calling the semi-final's four players to their court (a notification each).
        row.get_by_role("button", name=re.compile("^Call the players of")).click()
        expect(page.locator("#detail-ok")).to_have_text(re.compile(r"^4 players called to Pista \d\.$"), timeout=WAIT)

        # A point scored on court (the scorer page calls the same service) shows up live, and the
        # redraw keeps the keyboard focus where it was.
        score_link.focus()
        off_loop(services.point_add, match=semi, team=1)
        expect(row).to_have_attribute("data-status", "in_progress", timeout=WAIT)
        expect(row).to_contain_text("Playing · 0-0 · 15-0")
        assert page.evaluate("document.activeElement.dataset.focusKey") == f"score-{semi.pk}"

        # A volunteer scores the other semi-final: chosen by e-mail, shown in the row.
        other = Match.objects.filter(tournament=tournament, round=1).order_by("position").last()
        other_row = page.locator(f'#match-rows tr[data-match-id="{other.pk}"]')
        expect(other_row).to_contain_text("Staff")
        volunteer = UserFactory(email="voluntario@example.com", first_name="Nuria", last_name="Vidal")
        other_row.get_by_role("button", name=re.compile("Choose who scores")).click()
        expect(page.locator("#scorer-email")).to_be_focused()
        page.fill("#scorer-email", "nobody@example.com")
        page.click("#scorer-form button[type=submit]")
        expect(page.locator("#detail-error")).to_contain_text("nobody@example.com", timeout=WAIT)
        page.fill("#scorer-email", volunteer.email)
        page.click("#scorer-form button[type=submit]")
        expect(other_row).to_contain_text("Nuria Vidal", timeout=WAIT)
        expect(page.locator("#scorer-form")).to_be_hidden()
        expect(page.locator("#detail-ok")).to_contain_text("Nuria Vidal scores")
        assert Match.objects.get(pk=other.pk).scorer_id == volunteer.pk

        # The final moves to the evening, on the other court, for the crowd; a move before the
        # semi-finals end is refused with the API's reason and nothing moves.
        final = Match.objects.get(tournament=tournament, key="R2-M1")
        final_row = page.locator(f'#match-rows tr[data-match-id="{final.pk}"]')
        final_row.get_by_role("button", name=re.compile("^Move ")).click()
        expect(page.locator("#move-court")).to_be_focused()
        page.select_option("#move-court", label="Pista 1")
        page.fill("#move-date", tomorrow.isoformat())
        page.fill("#move-time", "08:00")
        page.click("#move-form button[type=submit]")
        expect(page.locator("#detail-error")).not_to_be_empty(timeout=WAIT)
        assert Match.objects.select_related("allocation").get(pk=final.pk).allocation.period == final.allocation.period
        page.select_option("#move-court", label="Pista 2")
        page.fill("#move-time", "18:00")
        page.click("#move-form button[type=submit]")
        expect(final_row).to_contain_text("Pista 2", timeout=WAIT)
        expect(final_row).to_contain_text("18:00")
        expect(page.locator("#move-form")).to_be_hidden()
        moved = Match.objects.select_related("allocation__court").get(pk=final.pk).allocation
        local = moved.period.lower.astimezone(ZoneInfo(club.timezone))
        assert (moved.court.name, local.date(), local.strftime("%H:%M")) == ("Pista 2", tomorrow, "18:00")

        # A reload opens the same tournament (its id is in the address) without signing in again.
        page.reload()
        expect(page.locator("#detail-title")).to_have_text("Desk Open", timeout=WAIT)
        expect(page.locator(f'#match-rows tr[data-match-id="{semi.pk}"]')).to_have_attribute(
            "data-status", "in_progress", timeout=WAIT)
        expect(page.locator(f'#match-rows tr[data-match-id="{other.pk}"]')).to_contain_text("Nuria Vidal",
                                                                                       timeout=WAIT)
        page.screenshot(path="/tmp/tournament-desk.png", full_page=True)
        assert errors == []
    finally:
        context.close()


def test_a_player_is_refused_and_the_desk_speaks_spanish(browser, node):
    club = ClubFactory(name="Club Sur")
    player = UserFactory(first_name="Luis")
    context = browser.new_context(locale="es-ES", extra_http_headers={"Accept-Language": "es"})
    page = context.new_page()
    try:
        page.goto(f"{node.http}/clubs/{club.slug}/tournaments/")
        expect(page.locator("#gate-title")).to_have_text("Acceso del personal")
        _sign_in(page, player)
        expect(page.locator("#denied")).to_be_visible(timeout=WAIT)
        expect(page.locator("#denied-text")).to_contain_text("Luis")
        expect(page.locator("#desk")).to_be_hidden()
        # Another account from the refusal, then signing out for good.
        staff = staff_of(club, user=UserFactory(first_name="Ane"))
        page.click("#denied-signout")
        expect(page.locator("#gate")).to_be_visible()
        expect(page.locator("#email")).to_be_focused()
        _sign_in(page, staff)
        expect(page.locator("#desk")).to_be_visible(timeout=WAIT)
        expect(page.locator("#who")).to_have_text("Sesión iniciada como Ane")
        page.click("#signout")
        expect(page.locator("#gate")).to_be_visible(timeout=WAIT)
        expect(page.locator("#desk")).to_be_hidden()
        assert page.evaluate("sessionStorage.getItem('padelyzer.auth')") is None
    finally:
        context.close()


def test_americano_takes_one_player_per_entry_and_entries_can_be_withdrawn(browser, node):
    club, staff = _club("Club Este", "Iker")
    players = [UserFactory(email=f"solo{i}@example.com", last_name=f"Solo{i}") for i in range(1, 4)]
    context, page, errors = _desk_page(browser)
    try:
        page.goto(f"{node.http}/clubs/{club.slug}/tournaments/")
        _sign_in(page, staff)
        expect(page.locator("#desk")).to_be_visible(timeout=WAIT)
        page.select_option("#c-format", "americano")
        expect(page.locator("#c-points")).to_be_visible()
        expect(page.locator("#c-golden")).to_be_hidden()  # a race to points has no deuce
        page.fill("#c-name", "Americano del jueves")
        page.fill("#c-points", "16")
        page.click("#create-form button[type=submit]")
        expect(page.locator("#detail-title")).to_have_text("Americano del jueves", timeout=WAIT)
        tournament = Tournament.objects.get(club=club)
        assert (tournament.format, tournament.points_per_match) == ("americano", 16)

        expect(page.locator("#e-player2")).to_be_hidden()
        expect(page.locator("#e-player1-label")).to_have_text("Player e-mail")
        for i, player in enumerate(players, start=1):
            page.fill("#e-player1", player.email)
            page.click("#entry-form button[type=submit]")
            expect(page.locator("#entry-rows tr[data-entry-id]")).to_have_count(i, timeout=WAIT)
        assert tournament.entries.count() == 3

        # Seeding is the list's order: moving Solo3 up re-seeds everyone 1..3, and the focus stays
        # on the moved row's button for the next press.
        page.get_by_role("button", name=f"Seed {players[2].last_name} one place higher").click()
        expect(page.locator("#entry-rows th")).to_have_text(["Solo1", "Solo3", "Solo2"], timeout=WAIT)
        expect(page.locator("#detail-ok")).to_have_text("Seeds saved: the list's order is the seeding.")
        assert sorted(tournament.entries.values_list("name", "seed")) == [("Solo1", 1), ("Solo2", 3), ("Solo3", 2)]
        assert page.evaluate("document.activeElement.dataset.focusKey").startswith("up-")
        expect(page.get_by_role("button", name=f"Seed {players[0].last_name} one place higher")).to_be_disabled()

        page.get_by_role("button", name=f"Withdraw {players[1].last_name}").click()
        expect(page.locator("#entry-rows tr[data-entry-id]")).to_have_count(2, timeout=WAIT)
        expect(page.locator("#detail-ok")).to_have_text(f"Entry withdrawn: {players[1].last_name}.")
        assert sorted(tournament.entries.values_list("name", flat=True)) == ["Solo1", "Solo3"]
        assert errors == []
    finally:
        context.close()


def test_the_desk_fits_a_phone_and_the_match_table_scrolls_inside_its_card(browser, node):
    from tests.support.tournaments import make_tournament

    club, staff = _club("Club Oeste", "Eva")
    tournament = make_tournament(club, entries=6, name="Liga de invierno", format="groups_knockout",
                                 group_size=3, advance_per_group=1)
    services.tournament_generate(tournament=tournament)
    context = browser.new_context(locale="es-ES", extra_http_headers={"Accept-Language": "es"},
                                  viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{node.http}/clubs/{club.slug}/tournaments/#{tournament.pk}")  # a link to one tournament
        _sign_in(page, staff)
        expect(page.locator("#detail-title")).to_have_text("Liga de invierno", timeout=WAIT)
        expect(page.locator("#match-rows tr")).to_have_count(7, timeout=WAIT)
        expect(page.locator("#match-rows")).to_contain_text("Grupo A · Ronda 1")
        # Nothing widens the page (a phone would zoom out): the table scrolls in its own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = page.locator(".table-scroll")
        assert page.evaluate("(e) => e.scrollWidth > e.clientWidth", box.element_handle())
        page.screenshot(path="/tmp/tournament-desk-phone.png", full_page=True)
    finally:
        context.close()
