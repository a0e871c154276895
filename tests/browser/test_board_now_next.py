"""The display board's now/next (club_state.js `nowNext`) shows each booking as itself.

Three back-to-back bookings are three bookings, not one long game: "now" ends with the current
booking and "next" is the following one. A no-show leaves the court free to play, not "In play".
Checked on the module with a snapshot and with the club events, and on the real board.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.clubs.services import display_key_create
from apps.reservations.services import reservation_mark_no_show
from tests.browser.test_live_pages import publish_reservation, wait_live
from tests.support.browser import midday_timezone, off_loop
from tests.support.factories import ClubFactory, CourtFactory, UserFactory, staff_of

pytestmark = pytest.mark.browser

# A court from 19:00 to 23:30 (+02:00) in 30-minute slots; bookings 19:30-21:00, 21:00-22:00,
# 22:00-23:00; it is 19:45.
HARNESS = """
async ({ fromSnapshot }) => {
  const cs = await import('/static/js/club_state.js');
  const at = (min) => {
    const pad = (n) => String(n).padStart(2, '0');
    return `2030-05-10T${pad(Math.floor(min / 60))}:${pad(min % 60)}:00+02:00`;
  };
  const bookings = [['b1', 19 * 60 + 30, 21 * 60], ['b2', 21 * 60, 22 * 60], ['b3', 22 * 60, 23 * 60]];
  const slots = [];
  for (let m = 19 * 60; m < 23 * 60 + 30; m += 30) {
    const slot = { start: at(m), end: at(m + 30), status: 'free', price: '10.00' };
    const b = bookings.find(([, s, e]) => s <= m && m < e);
    if (fromSnapshot && b) {
      slot.status = 'booked';
      slot.allocation = { id: b[0], kind: 'reservation', status: 'confirmed' };
    }
    slots.push(slot);
  }
  const avail = { courts: [{ id: 'c1', name: 'Uno', slots }] };
  const now = Date.parse(at(19 * 60 + 45));
  const event = (type, [id, s, e], status, slot_status) => ({ type, data: {
    id, court: 'c1', kind: 'reservation', start: at(s), end: at(e), status, slot_status } });
  if (!fromSnapshot) {
    for (const b of bookings) cs.applyClubEvent(avail, event('reservation.created', b, 'confirmed', 'booked'), now);
  }
  const court = avail.courts[0];
  const view = () => {
    const nn = cs.nowNext(court, now);
    return {
      now: nn.current && [nn.current.status, nn.current.start, nn.current.end],
      minutesLeft: nn.minutesLeft,
      next: nn.next && [nn.next.status, nn.next.start, nn.next.end],
      inPlay: !!nn.current && cs.BUSY.has(nn.current.status),
    };
  };
  const before = view();
  const noShow = cs.applyClubEvent(
    avail, event('reservation.updated', bookings[0], 'no_show', 'booked'), now).changed.length;
  return { before, noShow, after: view(), statuses: court.slots.map((s) => s.status) };
}
"""


@pytest.mark.parametrize("from_snapshot", [True, False], ids=["snapshot", "events"])
def test_back_to_back_bookings_stay_apart_and_a_no_show_is_not_in_play(static_page, from_snapshot):
    result = static_page.evaluate(HARNESS, {"fromSnapshot": from_snapshot})
    before = result["before"]
    assert before["now"] == ["booked", "2030-05-10T19:30:00+02:00", "2030-05-10T21:00:00+02:00"]
    assert before["minutesLeft"] == 75
    assert before["next"] == ["booked", "2030-05-10T21:00:00+02:00", "2030-05-10T22:00:00+02:00"]
    assert before["inPlay"] is True
    # The no-show changes the court's story (so the board redraws it), not its slot statuses.
    assert result["noShow"] == 3
    assert result["statuses"] == ["free"] + ["booked"] * 7 + ["free"]
    after = result["after"]
    assert after["inPlay"] is False
    assert after["now"][0] == "free" and after["now"][2] == "2030-05-10T21:00:00+02:00"
    assert after["next"] == ["booked", "2030-05-10T21:00:00+02:00", "2030-05-10T22:00:00+02:00"]


@pytest.mark.slow
def test_board_shows_each_booking_and_frees_a_no_show(browser, node):
    club = ClubFactory(name="Padel Norte", timezone=midday_timezone())
    court = CourtFactory(club=club, name="Pista 1")
    _key, raw_key = display_key_create(club=club, name="Recepción")
    staff = staff_of(club)
    tz = ZoneInfo(club.timezone)
    now = datetime.now(tz)
    slot_now = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
    first_start = slot_now - timedelta(minutes=30)
    first_end = slot_now + timedelta(minutes=60)
    second_end = first_end + timedelta(minutes=60)
    first = publish_reservation(court=court, user=UserFactory(), start=first_start, end=first_end)
    publish_reservation(court=court, user=UserFactory(), start=first_end, end=second_end)
    publish_reservation(court=court, user=UserFactory(), start=second_end, end=second_end + timedelta(hours=1))

    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(f"{node.http}/clubs/{club.slug}/display/?key={raw_key}")
        wait_live(page)
        row = f'.court[data-court="{court.pk}"]'
        assert page.inner_text(f"{row} .now .big") == "In play"
        small = page.inner_text(f"{row} .now .small")
        left = math.ceil((first_end - datetime.now(tz)).total_seconds() / 60)
        assert small in {f"until {first_end:%H:%M} · {n} min left" for n in (left - 1, left, left + 1)}, small
        assert page.inner_text(f"{row} .next .big") == f"{first_end:%H:%M}–{second_end:%H:%M}"
        assert page.inner_text(f"{row} .next .small") == "Booked"
        page.screenshot(path="/tmp/padelyzer-display-back-to-back.png")

        off_loop(reservation_mark_no_show, reservation=first, actor=staff)
        page.wait_for_function("(sel) => document.querySelector(sel).textContent !== 'In play'",
                               arg=f"{row} .now .big", timeout=2000)
        assert page.inner_text(f"{row} .now .big") == "Free"
        assert page.inner_text(f"{row} .next .big") == f"{first_end:%H:%M}–{second_end:%H:%M}"
        # A fresh snapshot says the same.
        page.reload()
        wait_live(page)
        assert page.inner_text(f"{row} .now .big") == "Free"
        page.screenshot(path="/tmp/padelyzer-display-no-show.png")
    finally:
        context.close()
