"""The staff dashboard in Chromium against a real daphne node and a real Celery worker.

A player books through the REST API and the booking appears on the open dashboard without a
reload; another desk records the payment and it appears in the payments feed; the desk checks
players in with the keyboard and marks a no-show; blocks a court and unblocks it; and builds the
occupancy heatmap and the revenue chart, whose progress arrives as `report.*` events from the
worker. Screenshots go to /tmp.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.conf import settings
from django.db import connection

from apps.clubs.models import AllocationStatus
from apps.reservations.models import Reservation
from apps.tournaments import services as tournaments
from bench.kit.daphne import ROOT, DaphneServer, cluster_env, database_url
from tests.support.browser import midday_timezone, off_loop
from tests.support.factories import PASSWORD, ClubFactory, CourtFactory, ReservationFactory, UserFactory, staff_of
from tests.support.tournaments import make_tournament

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE_BUDGET_MS = 1500  # REST answer -> visible on the dashboard


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def cluster(transactional_db, tmp_path):
    """One daphne node and one Celery worker (analytics queue) on the test database and Redis,
    with a broker key prefix of their own, so reports are built out of process, as in production."""
    prefix = f"padelyzer-staffdash-{uuid.uuid4().hex[:10]}:"
    env = cluster_env(database_url=database_url(connection.settings_dict),
                      CELERY_TASK_ALWAYS_EAGER="0", CELERY_BROKER_KEY_PREFIX=prefix)
    node = DaphneServer(env, name="staff").start()
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "project.celery:app", "worker", "-P", "solo", "-Q", "analytics",
         "--without-mingle", "--without-gossip", "--without-heartbeat", "-n", f"staffdash-{prefix.strip(':')}@%h",
         "--loglevel", "INFO"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: worker.poll() is not None or " ready." in log.read_text(), 90, "the worker")
        assert worker.poll() is None, log.read_text()[-3000:]
        yield node
    finally:
        worker.kill()
        worker.wait(10)
        print(f"--- worker log ---\n{log.read_text()[-3000:]}\n--- daphne log ---\n{node.close()}")
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)


def login(node, user) -> str:
    response = requests.post(f"{node.http}/api/v1/auth/login/", json={"email": user.email, "password": PASSWORD},
                             timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["data"]["access"]


def sign_in(page, user):
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("#signin button[type=submit]")


def test_dashboard_shows_a_booking_and_a_payment_arrive_live(browser, cluster):
    node = cluster
    tz_name = midday_timezone()
    club = ClubFactory(name="Club Pádel Retiro", timezone=tz_name, currency="EUR")
    court1 = CourtFactory(club=club, name="Pista 1")
    court2 = CourtFactory(club=club, name="Pista 2")
    staff = staff_of(club, user=UserFactory(first_name="Sergio", last_name="Méndez"))
    player = UserFactory(first_name="Lucía", last_name="Gómez")
    late = UserFactory(first_name="Diego", last_name="Ruiz")
    tz = ZoneInfo(tz_name)
    now = datetime.now(tz)
    slot = timedelta(minutes=30)
    aligned = now.replace(minute=0, second=0, microsecond=0) + slot * ((now.minute // 30) + 1)
    # Diego's booking started half an hour ago and nobody came: it is in the dashboard's snapshot.
    missed = ReservationFactory(court=court2, user=late, start=aligned - 2 * slot, end=aligned + slot,
                                status=AllocationStatus.CONFIRMED, price="30.00")

    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-GB")
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{node.http}/clubs/{club.slug}/staff/")
        page.wait_for_selector("#gate:not([hidden])")
        sign_in(page, staff)
        page.wait_for_selector('#live-badge[data-state="live"]', timeout=10000)
        page.wait_for_selector(f'.tl-res[data-reservation="{missed.pk}"]')
        assert "Sergio" in page.inner_text("#who")
        page.wait_for_function("() => document.querySelector('#t-due').textContent.includes('30.00')")
        page.evaluate("window.__sameDocument = true")

        # 1. A player books through the REST API: it appears on the timeline, live.
        token = login(node, player)
        response = requests.post(f"{node.http}/api/v1/reservations/reservations/", timeout=10,
                                 headers={"Authorization": f"Bearer {token}"},
                                 json={"court": str(court1.pk), "start": aligned.isoformat(),
                                       "end": (aligned + 2 * slot).isoformat()})
        assert response.status_code == 201, response.text
        answered = time.monotonic()
        booking = response.json()["data"]
        block = f'.tl-res[data-reservation="{booking["id"]}"]'
        page.wait_for_selector(block, timeout=LIVE_BUDGET_MS)
        booking_ms = (time.monotonic() - answered) * 1000
        assert "Lucía Gómez" in page.inner_text(block)
        assert page.get_attribute(block, "data-status") == "confirmed"
        row = f'tr[data-reservation="{booking["id"]}"]'
        assert "Lucía Gómez" in page.inner_text(row)
        assert page.inner_text("#t-bookings") == "2"
        assert "€20.00" in page.inner_text("#due-list")  # pay at the club: due at the desk
        page.wait_for_function("() => document.querySelector('#announcer').textContent.includes('Lucía Gómez')")

        # 2. Another desk takes the money: the payment appears in the feed, live.
        staff_token = login(node, staff)
        paid = requests.post(f"{node.http}/api/v1/reservations/reservations/{booking['id']}/mark-paid/",
                             headers={"Authorization": f"Bearer {staff_token}"}, json={}, timeout=10)
        assert paid.status_code == 200, paid.text
        answered = time.monotonic()
        page.wait_for_selector("#feed .feed-item.t-payment-received", timeout=LIVE_BUDGET_MS)
        payment_ms = (time.monotonic() - answered) * 1000
        item = page.inner_text("#feed .feed-item")
        assert "Paid at the desk" in item and "€20.00" in item and "Lucía Gómez" in item
        page.wait_for_function(f"() => document.querySelector('{row} .pay').textContent === 'Paid'")
        assert "Lucía" not in page.inner_text("#due-list")
        assert page.inner_text("#t-collected") == "€20.00"
        assert page.evaluate("window.__sameDocument") is True  # no reload happened

        page.screenshot(path="/tmp/padelyzer-staff.png", full_page=True)

        # 3. Check-in with the keyboard: focus stays on the booking's row once the button is gone.
        button = f'[data-key="checkin:{booking["id"]}"]'
        page.focus(button)
        page.keyboard.press("Enter")
        page.wait_for_selector(f'{block}.s-checked')
        assert "Checked in" in page.inner_text(f"{row} .chip")
        assert page.evaluate("document.activeElement.dataset.key") == f"row:{booking['id']}"
        assert Reservation.objects.get(pk=booking["id"]).checked_in_at is not None

        # 4. No-show for the booking that started without anyone.
        page.click(f'[data-key="noshow:{missed.pk}"]')
        page.wait_for_selector(f'tr[data-reservation="{missed.pk}"][data-status="no_show"]')
        assert page.inner_text("#t-noshow") == "1"
        missed.refresh_from_db()
        assert missed.status == AllocationStatus.NO_SHOW

        # 5. Block Pista 2 for the afternoon, then remove the block.
        start = aligned + timedelta(hours=3)
        page.select_option("#block-court", str(court2.pk))
        page.fill("#block-date", start.date().isoformat())
        page.fill("#block-start", start.strftime("%H:%M"))
        page.fill("#block-end", (start + timedelta(hours=1)).strftime("%H:%M"))
        page.fill("#block-reason", "Net repair")
        page.click("#block-form button[type=submit]")
        page.wait_for_selector("#block-list li[data-block]")
        assert "Net repair" in page.inner_text("#block-list")
        page.wait_for_selector('.tl-row[aria-label="Pista 2"] .tl-shade.blocked')
        page.click("#block-list li[data-block] button")
        page.wait_for_selector("#block-list li[data-block]", state="detached")
        page.wait_for_selector(".tl-shade.blocked", state="detached")

        # 6. Reports: built by the worker, progress from report.* events, drawn as inline SVG.
        today = now.date()
        page.fill("#report-from", (today - timedelta(days=6)).isoformat())
        page.fill("#report-to", today.isoformat())
        page.click('#report-form button[value="occupancy"]')
        page.wait_for_selector("#report-occupancy svg.svg-chart", timeout=30000)
        assert page.get_attribute("#report-occupancy .progress", "aria-valuenow") == "100"
        heatmap = page.inner_html("#report-occupancy svg")
        assert "Pista 1" in heatmap and "Pista 2" in heatmap and "<rect" in heatmap
        report_id = page.evaluate("window.padelyzerStaff.reports.occupancy.id")
        events = page.evaluate(f"window.padelyzerStaff.reportEvents['{report_id}']")
        assert events and events[-1] == "report.ready" and "report.progress" in events, events
        link = page.locator("#report-occupancy a.download")
        assert link.get_attribute("href").startswith("blob:")
        assert link.get_attribute("download").endswith(".csv")
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename.startswith("padelyzer-occupancy-")

        page.click('#report-form button[value="revenue"]')
        page.wait_for_selector("#report-revenue svg.svg-chart", timeout=30000)
        revenue = page.inner_text("#report-revenue")
        assert "€50.00" in revenue  # Lucía's 20 + Diego's no-show 30, both counted as booked
        assert "€20.00" in revenue  # collected at the desk
        assert page.locator("#report-revenue svg .bar").count() == 7
        page.screenshot(path="/tmp/padelyzer-staff-reports.png", full_page=True)
        assert errors == []
        print(f"\nbooking visible after {booking_ms:.0f} ms; payment visible after {payment_ms:.0f} ms")
    finally:
        context.close()


def test_a_player_is_told_they_are_not_allowed_and_spanish_works(browser, cluster):
    node = cluster
    club = ClubFactory(name="Club Norte", timezone=midday_timezone())
    CourtFactory(club=club, name="Pista Central")
    player = UserFactory(first_name="Ana")
    staff = staff_of(club)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
    try:
        page = context.new_page()
        page.goto(f"{node.http}/clubs/{club.slug}/staff/")
        assert page.get_attribute("html", "lang") == "es"
        sign_in(page, player)
        page.wait_for_selector("#denied:not([hidden])")
        assert "Ana" in page.inner_text("#denied")
        assert "no forma parte del personal" in page.inner_text("#denied")
        assert page.is_hidden("#board")
        page.screenshot(path="/tmp/padelyzer-staff-denied.png")

        page.click("#denied-signout")
        page.wait_for_selector("#gate:not([hidden])")
        sign_in(page, staff)
        page.wait_for_selector('#live-badge[data-state="live"]', timeout=10000)
        assert page.inner_text("#live-badge") == "En directo"
        assert "Pistas de hoy" in page.inner_text("body")
        page.wait_for_selector(".tl-court")
        assert page.inner_text(".tl-court") == "Pista Central"

        # The page's pure helpers: local times to instants across DST, and CSV with quoted commas.
        checks = page.evaluate(r"""async () => {
            const m = await import('/static/js/staff.js');  // the module already loaded: no second run
            const at = (d, t, z) => m.zonedInstant(d, t, z).toISOString();
            return {
                winter: at('2026-01-15', '12:00', 'Europe/Madrid'),
                summer: at('2026-03-29', '12:00', 'Europe/Madrid'),
                mexico: at('2026-11-26', '08:00', 'America/Mexico_City'),
                kolkata: at('2026-06-01', '00:30', 'Asia/Kolkata'),
                csv: m.parseCsv('a,b\r\n\x22Pista 1, cubierta\x22,\x22dice \x22\x22hola\x22\x22\x22\r\n'),
            };
        }""")
        assert checks == {
            "winter": "2026-01-15T11:00:00.000Z", "summer": "2026-03-29T10:00:00.000Z",
            "mexico": "2026-11-26T14:00:00.000Z", "kolkata": "2026-05-31T19:00:00.000Z",
            "csv": [["a", "b"], ["Pista 1, cubierta", 'dice "hola"']],
        }
    finally:
        context.close()


def schedule_a_match(club, day):
    tournament = make_tournament(club, entries=2, name="Copa")
    tournaments.tournament_generate(tournament=tournament)
    return tournaments.tournament_schedule(tournament=tournament, start_date=day, match_minutes=60)


def test_a_refund_owed_at_the_desk_appears_live_and_is_recorded_from_the_dashboard(browser, cluster):
    node = cluster
    tz_name = midday_timezone()
    club = ClubFactory(name="Club Sur", timezone=tz_name, currency="EUR", cancellation_deadline_hours=0)
    court = CourtFactory(club=club, name="Pista 4")
    staff = staff_of(club)
    player = UserFactory(first_name="Lucía", last_name="Gómez")
    now = datetime.now(ZoneInfo(tz_name))
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    player_token, staff_token = login(node, player), login(node, staff)

    def call(token, method, path, **body):
        response = requests.request(method, f"{node.http}/api/v1/{path}", json=body or None, timeout=10,
                                    headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in (200, 201), response.text
        return response.json()["data"]

    booking = call(player_token, "POST", "reservations/reservations/", court=str(court.pk),
                   start=start.isoformat(), end=(start + timedelta(minutes=90)).isoformat())
    call(staff_token, "POST", f"reservations/reservations/{booking['id']}/mark-paid/")

    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-GB")
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{node.http}/clubs/{club.slug}/staff/")
        sign_in(page, staff)
        page.wait_for_selector('#live-badge[data-state="live"]', timeout=10000)
        row = f'tr[data-reservation="{booking["id"]}"]'
        page.wait_for_function(f"() => document.querySelector('{row} .pay')?.textContent === 'Paid'")
        page.check("#show-inactive")  # keep the cancelled row in the list

        # The player cancels in time: the desk owes the money back, shown live without a reload.
        call(player_token, "POST", f"reservations/reservations/{booking['id']}/cancel/")
        price = f"€{booking['price']}"  # 90 minutes at the default price
        page.wait_for_function(f"() => document.querySelector('{row} .pay').textContent === 'Refund {price} owed'",
                               timeout=LIVE_BUDGET_MS)
        due = page.inner_text("#due-list")
        assert "Refund to Lucía Gómez" in due and price in due

        page.click(f'[data-key="due-refund:{booking["id"]}"]')
        page.wait_for_function(f"() => document.querySelector('{row} .pay').textContent === 'Refunded'")
        assert "Lucía" not in page.inner_text("#due-list")
        page.wait_for_selector("#feed .feed-item.t-payment-refunded")
        assert price in page.inner_text("#feed .feed-item.t-payment-refunded")
        assert Reservation.objects.get(pk=booking["id"]).refund_status == "refunded"

        # A tournament scheduled meanwhile blocks the court on the timeline, live, but it is not
        # maintenance: it does not join the maintenance list (whose Remove would fail).
        shades = page.locator(".tl-shade.blocked").count()
        off_loop(schedule_a_match, club, now.date())
        page.wait_for_function(f"() => document.querySelectorAll('.tl-shade.blocked').length > {shades}",
                               timeout=LIVE_BUDGET_MS * 2)
        assert page.locator("#block-list li[data-block]").count() == 0

        # It is listed under the tournament matches: staff call its players and move it an hour on.
        from apps.tournaments.models import MatchAllocation
        allocation = MatchAllocation.objects.select_related("match").get(court=court)
        item = f'#match-list li[data-match="{allocation.match_id}"]'
        page.wait_for_selector(item)
        page.click(f'[data-key="call:{allocation.match_id}"]')
        page.wait_for_function("() => document.querySelector('#match-ok').textContent.includes('players called')")
        page.click(f'[data-key="move:{allocation.match_id}"]')
        later_start = allocation.period.lower.astimezone(ZoneInfo(tz_name)) + timedelta(hours=1)
        page.fill(f"#move-start-{allocation.match_id}", later_start.strftime("%H:%M"))
        page.click(f"{item} .move-form button[type=submit]")
        page.wait_for_function("() => document.querySelector('#match-ok').textContent.startsWith('Moved to')")
        page.wait_for_function(f"() => document.activeElement.dataset.key === 'move:{allocation.match_id}'")
        page.wait_for_selector(".tl-shade.blocked.match")  # the timeline says what holds the court
        assert page.inner_text(".tl-shade.blocked.match") == "Tournament"
        allocation.refresh_from_db()
        assert allocation.period.lower == later_start
        assert later_start.strftime("%H:%M") in page.inner_text(item)
        page.locator("#match-list").screenshot(path="/tmp/padelyzer-staff-matches.png")
        # A block another desk adds does join the list, live.
        block_start = start + timedelta(hours=3)
        block = call(staff_token, "POST", "clubs/maintenance-blocks/", court=str(court.pk),
                     start=block_start.isoformat(), end=(block_start + timedelta(hours=1)).isoformat(),
                     reason="Lights")
        page.wait_for_selector(f'#block-list li[data-block="{block["id"]}"]', timeout=LIVE_BUDGET_MS)
        assert "Lights" in page.inner_text("#block-list")

        # A booking three days ahead, paid at the desk and cancelled: its refund is owed today.
        later = call(player_token, "POST", "reservations/reservations/", court=str(court.pk),
                     start=(start + timedelta(days=3)).isoformat(),
                     end=(start + timedelta(days=3, minutes=60)).isoformat())
        call(staff_token, "POST", f"reservations/reservations/{later['id']}/mark-paid/")
        call(player_token, "POST", f"reservations/reservations/{later['id']}/cancel/")
        owed = f'[data-key="due-refund:{later["id"]}"]'
        page.wait_for_selector(owed, timeout=LIVE_BUDGET_MS)
        assert f"€{later['price']}" in page.inner_text("#due-list")
        page.click(owed)
        page.wait_for_selector(owed, state="detached")
        assert Reservation.objects.get(pk=later["id"]).refund_status == "refunded"
        # And one owed from before the dashboard opened is listed after a reload.
        older = call(player_token, "POST", "reservations/reservations/", court=str(court.pk),
                     start=(start + timedelta(days=4)).isoformat(),
                     end=(start + timedelta(days=4, minutes=60)).isoformat())
        call(staff_token, "POST", f"reservations/reservations/{older['id']}/mark-paid/")
        call(player_token, "POST", f"reservations/reservations/{older['id']}/cancel/")
        page.reload()
        page.wait_for_selector(f'[data-key="due-refund:{older["id"]}"]', timeout=10000)
        assert errors == []
    finally:
        context.close()
