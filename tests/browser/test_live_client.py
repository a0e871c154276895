"""static/js/live.js in a real browser against a scripted fake WebSocket: ordering, duplicates,
gap resync, resume after a drop, refusals, dead-socket detection, backoff bounds."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser

HARNESS = """
async () => {
  const mod = await import('/static/js/live.js');
  class FakeWS {
    constructor(url) {
      this.url = url; this.readyState = 0; this.sent = []; this.closedWith = null;
      FakeWS.all.push(this);
      setTimeout(() => { if (this.readyState === 0) { this.readyState = 1; this.onopen && this.onopen(); } }, 0);
    }
    send(data) { this.sent.push(JSON.parse(data)); }
    close(code) { this.readyState = 3; this.closedWith = code ?? 1000; }
    push(obj) { this.onmessage && this.onmessage({ data: JSON.stringify(obj) }); }
    drop(code) { this.readyState = 3; this.onclose && this.onclose({ code }); }
  }
  FakeWS.all = [];
  window.FakeWS = FakeWS;
  window.live = mod;
  window.sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  window.ev = (seq, type = 'reservation.created') => ({ type, stream: 'club:x', seq, ts: '', data: { seq } });
  window.make = (opts = {}) => {
    const rec = { events: [], states: [], snapshots: [], denied: [] };
    const stream = new mod.LiveStream('/ws/clubs/x/', {
      WebSocket: FakeWS, baseDelay: 10, maxDelay: 40, pingEvery: 60000, deadAfter: 60000,
      onEvent: (m) => rec.events.push(m.seq), onState: (s) => rec.states.push(s),
      onSnapshot: (d, m) => rec.snapshots.push(m.seq), onDenied: (c) => rec.denied.push(c), ...opts,
    });
    window.rec = rec; window.stream = stream;
    return stream;
  };
}
"""


@pytest.fixture
def page(static_page):
    static_page.evaluate(HARNESS)
    return static_page


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def test_applies_in_order_and_drops_duplicates(page):
    result = page.evaluate("""async () => {
      const s = make({ since: 5, params: { date: '2026-01-01', display_key: 'dk_1' } }).start();
      await sleep(5);
      const ws = FakeWS.all[0];
      ws.push({ type: 'hello', seq: 7 });
      const before = stream.state;
      ws.push(ev(6)); ws.push(ev(6)); ws.push(ev(5)); ws.push(ev(7)); ws.push(ev(7));
      return { url: ws.url, events: rec.events, dups: s.stats.duplicates, before, state: s.state,
               last: s.lastSeq, sockets: FakeWS.all.length };
    }""")
    assert result["url"].startswith("ws://padelyzer.test/ws/clubs/x/?")
    assert query(result["url"]) == {"date": "2026-01-01", "display_key": "dk_1", "since": "5"}
    assert result["events"] == [6, 7]
    assert result["dups"] == 3
    assert result["before"] == "connecting"  # not live until the replay reaches hello's seq
    assert (result["state"], result["last"], result["sockets"]) == ("live", 7, 1)


def test_resuming_at_the_head_is_live_at_hello(page):
    state = page.evaluate("""async () => {
      make({ since: 4 }).start(); await sleep(5);
      FakeWS.all[0].push({ type: 'hello', seq: 4 });
      return stream.state;
    }""")
    assert state == "live"


def test_a_seq_jump_resyncs_from_the_last_applied_seq(page):
    result = page.evaluate("""async () => {
      const s = make({ since: 1 }).start(); await sleep(5);
      const first = FakeWS.all[0];
      first.push({ type: 'hello', seq: 2 }); first.push(ev(2));
      first.push(ev(4));                       // 3 was lost in transit
      await sleep(5);
      const second = FakeWS.all[1];
      second.push({ type: 'hello', seq: 4 }); second.push(ev(3)); second.push(ev(4));
      first.push(ev(5));                       // the abandoned socket is ignored
      return { closed: first.closedWith, url: second.url, events: rec.events, gaps: s.stats.gaps,
               state: s.state, count: FakeWS.all.length };
    }""")
    assert result["closed"] == 4000
    assert query(result["url"])["since"] == "2"
    assert result["events"] == [2, 3, 4]
    assert result["gaps"] == 1
    assert (result["state"], result["count"]) == ("live", 2)


def test_without_a_baseline_it_takes_the_snapshot_then_events(page):
    result = page.evaluate("""async () => {
      make().start(); await sleep(5);
      const ws = FakeWS.all[0];
      ws.push(ev(3));                          // before any snapshot: cannot be applied
      ws.push({ type: 'hello', seq: 3 });
      ws.push({ type: 'snapshot', seq: 3, data: { courts: [] } });
      ws.push(ev(3)); ws.push(ev(4));
      return { url: ws.url, snaps: rec.snapshots, events: rec.events, state: stream.state };
    }""")
    assert "since" not in query(result["url"])
    assert result["snaps"] == [3]
    assert result["events"] == [4]
    assert result["state"] == "live"


def test_a_drop_reconnects_with_backoff_and_resumes_from_last_seq(page):
    result = page.evaluate("""async () => {
      const s = make({ since: 0 }).start(); await sleep(5);
      const first = FakeWS.all[0];
      first.push({ type: 'hello', seq: 2 }); first.push(ev(1)); first.push(ev(2));
      first.drop(1006);
      const during = s.state;
      await sleep(80);                         // backoff with base 10 ms: at most 10 ms at first
      const second = FakeWS.all[1];
      second.push({ type: 'hello', seq: 3 }); second.push(ev(3));
      return { during, url: second && second.url, states: rec.states, events: rec.events, state: s.state };
    }""")
    assert result["during"] == "reconnecting"
    assert query(result["url"])["since"] == "2"
    assert result["events"] == [1, 2, 3]
    assert result["states"] == ["connecting", "live", "reconnecting", "live"]


def test_refusals_are_final_and_reported(page):
    for code in (4401, 4403, 4404):
        result = page.evaluate("""async (code) => {
          FakeWS.all = [];
          make().start(); await sleep(5);
          FakeWS.all[0].drop(code);
          await sleep(100);
          return { state: stream.state, denied: rec.denied, sockets: FakeWS.all.length };
        }""", code)
        assert result == {"state": "offline", "denied": [code], "sockets": 1}


def test_pings_detect_a_dead_socket_and_server_pings_are_answered(page):
    result = page.evaluate("""async () => {
      const s = make({ since: 0, pingEvery: 30, deadAfter: 30 }).start(); await sleep(5);
      const first = FakeWS.all[0];
      first.push({ type: 'hello', seq: 0 });
      first.push({ type: 'ping' });
      await sleep(45);
      const pinged = first.sent.some((m) => m.type === 'ping');
      await sleep(120);                        // no pong: declared dead, redialled
      return { answered: first.sent[0], pinged, closed: first.closedWith, sockets: FakeWS.all.length,
               url: FakeWS.all[1] && FakeWS.all[1].url };
    }""")
    assert result["answered"] == {"type": "pong"}
    assert result["pinged"] is True
    assert result["closed"] == 4000
    assert result["sockets"] >= 2
    assert query(result["url"])["since"] == "0"


def test_a_pong_keeps_the_socket(page):
    result = page.evaluate("""async () => {
      make({ since: 0, pingEvery: 20, deadAfter: 40 }).start(); await sleep(5);
      const ws = FakeWS.all[0];
      ws.push({ type: 'hello', seq: 0 });
      for (let i = 0; i < 8; i++) {
        await sleep(15);
        if (ws.sent.some((m) => m.type === 'ping')) { ws.sent = []; ws.push({ type: 'pong', seq: 0 }); }
      }
      return { sockets: FakeWS.all.length, state: stream.state };
    }""")
    assert result == {"sockets": 1, "state": "live"}


def test_backoff_is_full_jitter_under_an_exponential_cap(page):
    result = page.evaluate("""() => {
      const top = [], bottom = [];
      for (let n = 0; n < 12; n++) {
        top.push(live.backoffDelay(n, { base: 500, cap: 30000, random: () => 0.999999 }));
        bottom.push(live.backoffDelay(n, { base: 500, cap: 30000, random: () => 0 }));
      }
      const sample = Array.from({ length: 200 }, () => live.backoffDelay(3, { base: 500, cap: 30000 }));
      return { top, bottom, min: Math.min(...sample), max: Math.max(...sample) };
    }""")
    assert result["top"][:7] == [499, 999, 1999, 3999, 7999, 15999, 29999]
    assert all(t == 29999 for t in result["top"][6:])
    assert result["bottom"] == [0] * 12
    assert 0 <= result["min"] < 1000 and 3000 < result["max"] < 4000  # spread over [0, 4000)


def test_stop_closes_and_stays_offline(page):
    result = page.evaluate("""async () => {
      make({ since: 0 }).start(); await sleep(5);
      const ws = FakeWS.all[0];
      ws.push({ type: 'hello', seq: 0 });
      stream.stop();
      await sleep(60);
      return { closed: ws.closedWith, state: stream.state, sockets: FakeWS.all.length };
    }""")
    assert result == {"closed": 1000, "state": "offline", "sockets": 1}


def test_club_state_applies_events_like_a_fresh_snapshot(page):
    result = page.evaluate("""async () => {
      const cs = await import('/static/js/club_state.js');
      const slot = (h, m, status) => {
        const pad = (n) => String(n).padStart(2, '0');
        const start = `2030-05-10T${pad(h)}:${pad(m)}:00+02:00`;
        const endM = m + 30, eh = h + Math.floor(endM / 60);
        return { start, end: `2030-05-10T${pad(eh)}:${pad(endM % 60)}:00+02:00`, status, price: '10.00' };
      };
      const avail = { courts: [{ id: 'c1', name: 'Uno', slots: [
        slot(9, 0, 'closed'), slot(9, 30, 'free'), slot(10, 0, 'free'), slot(10, 30, 'free'), slot(11, 0, 'free'),
      ] }] };
      const now = Date.parse('2030-05-10T10:15:00+02:00');
      const booked = cs.applyClubEvent(avail, { type: 'reservation.created', data: {
        court: 'c1', start: '2030-05-10T07:00:00Z', end: '2030-05-10T08:30:00Z', slot_status: 'booked' } }, now);
      const afterBook = avail.courts[0].slots.map((s) => s.status);
      const nn = cs.nowNext(avail.courts[0], now);
      const cancelled = cs.applyClubEvent(avail, { type: 'reservation.cancelled', data: {
        court: 'c1', start: '2030-05-10T07:00:00Z', end: '2030-05-10T08:30:00Z', slot_status: 'free' } }, now);
      const afterCancel = avail.courts[0].slots.map((s) => s.status);
      const other = cs.applyClubEvent(avail, { type: 'reservation.created', data: {
        court: 'elsewhere', start: '2030-05-10T07:00:00Z', end: '2030-05-10T08:30:00Z', slot_status: 'booked' } }, now);
      return {
        changed: booked.changed.length, afterBook, afterCancel, cancelledChanged: cancelled.changed.length,
        other: other.changed.length,
        refetch: cs.applyClubEvent(avail, { type: 'club.updated', data: {} }).refetch,
        now: nn.current && [nn.current.status, nn.current.end], minutesLeft: nn.minutesLeft,
        run: cs.bookableRun(avail.courts[0], 1, 2) === null,
        sum: cs.sumMoney(['10.00', '12.50', '0.05']),
      };
    }""")
    # 09:00 is closed and stays closed; 09:00-10:30 local booked; 10:30 onwards untouched.
    assert result["afterBook"] == ["closed", "booked", "booked", "free", "free"]
    assert result["changed"] == 2
    assert result["now"] == ["booked", "2030-05-10T10:30:00+02:00"]
    assert result["minutesLeft"] == 15
    # Cancelled: 09:30 and 10:00 have started, so they read past, as a fresh snapshot would say.
    assert result["afterCancel"] == ["closed", "past", "past", "free", "free"]
    assert result["cancelledChanged"] == 2
    assert result["other"] == 0
    assert result["refetch"] is True
    assert result["run"] is True  # 09:30 is past: nothing bookable from there
    assert result["sum"] == "22.55"


def test_hhmm_gives_the_club_wall_clock_for_club_local_and_utc_times(page):
    result = page.evaluate("""async () => {
      const { hhmm } = await import('/static/js/club_state.js');
      const zone = 'Europe/Madrid';
      return {
        local: hhmm('2030-05-10T09:05:00+02:00', zone),   // what events and snapshots send now
        utc: hhmm('2030-05-10T07:05:00Z', zone),          // older replayed events
        ms: hhmm(Date.parse('2030-05-10T07:05:00Z'), zone),
        midnight: hhmm('2030-05-09T22:00:00Z', zone),
        winter: hhmm('2030-01-10T08:30:00Z', zone),
        other: hhmm('2030-05-10T09:05:00+02:00', 'America/Mexico_City'),
        empty: [hhmm(null, zone), hhmm(undefined, zone), hhmm('', zone)],
      };
    }""")
    assert result == {"local": "09:05", "utc": "09:05", "ms": "09:05", "midnight": "00:00", "winter": "09:30",
                      "other": "01:05", "empty": ["", "", ""]}


def test_el_builds_from_a_class_name_or_attributes(page):
    result = page.evaluate("""async () => {
      const { el } = await import('/static/js/dom.js');
      let clicked = 0;
      const a = el('span', 'chip s-held', 'Held');
      const b = el('td', {}, 'Staff', el('button', { class: 'link', text: 'Change', onclick: () => { clicked += 1; } }));
      const c = el('th', '', '');
      const d = el('option', { value: 'c1', text: 'Pista 1', selected: true, disabled: false, title: null });
      b.querySelector('button').click();
      return [a.outerHTML, b.outerHTML, c.outerHTML, d.outerHTML, clicked];
    }""")
    assert result == ['<span class="chip s-held">Held</span>',
                      '<td>Staff<button class="link">Change</button></td>',
                      "<th></th>", '<option value="c1" selected="">Pista 1</option>', 1]
