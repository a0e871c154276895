// The staff dashboard: today's courts live (staff stream), payments as they happen, check-in and
// no-show at the desk, maintenance blocks, and reports (occupancy heatmap, revenue chart) drawn as
// inline SVG from the reports API, with progress fed by the stream. No build step, no libraries.
//
// Where each piece of state comes from:
//   - the staff stream's snapshot: the day's slots and reservations with player names;
//   - the REST list of the day's reservations: what the snapshot lacks (payment, check-in time);
//   - stream events after the snapshot: everything that changes, applied exactly once (live.js).
// A REST answer can be older than an event already applied, so it only fills a row's fields that
// no event has set since the snapshot (see mergeDetails).
import { LiveStream, bindBadge } from "./live.js";
import { auth, createApi, setAuth } from "./api.js";
import { staffScreens } from "./staff_gate.js";
import {
  REFETCH_EVENTS, applyClubEvent, clubDate, clubTime, money, runs, sumMoney, zonedInstant,
} from "./club_state.js";

const config = JSON.parse(document.getElementById("staff-config").textContent);
const T = JSON.parse(document.getElementById("strings").textContent);
const LANG = document.documentElement.lang || "en";
const $ = (id) => document.getElementById(id);

// "%(name)s" placeholders (gettext python-format) and "%%" for a literal percent sign.
const fmt = (template, values = {}) => template
  .replace(/%\((\w+)\)s/g, (_, k) => (k in values ? values[k] : ""))
  .replace(/%%/g, "%");

const ACTIVE = new Set(["held", "confirmed", "completed", "no_show"]);
const DESK_PAYABLE = new Set(["confirmed", "completed", "no_show"]);
const FEED_MAX = 40;

// ---------- time ----------

let tz = config.timezone;
const ms = (iso) => Date.parse(iso);
const hm = (iso) => clubTime(new Date(iso), tz);

// Local wall times to instants: club_state.js (shared with the tournament desk); re-exported for tests.
export { zonedInstant };

function shiftDay(day, delta) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + delta);
  return d.toISOString().slice(0, 10);
}

function longDate(day) {
  return new Intl.DateTimeFormat(LANG, {
    weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
  }).format(new Date(`${day}T12:00:00Z`));
}

function shortDate(day) {
  return new Intl.DateTimeFormat(LANG, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" })
    .format(new Date(`${day}T12:00:00Z`));
}

// ---------- API ----------

// Signed-in calls refresh the access token once on 401, else back to the sign-in form; offline
// during the refresh keeps the tokens (the desk's connection comes back, the session is still good).
const { api, refreshAccess, login, logout } = createApi({
  networkError: T.network_error,
  onExpired: () => signedOut(T.session_expired),
  keepAuthWhenOffline: true,
});

// ---------- state ----------

let day = null;            // the staff snapshot: availability (courts, slots) + date, kept live
let rows = new Map();      // reservation id -> row (see rowFromSnapshot)
let blocks = new Map();    // maintenance block id -> {id, court, start, end, reason}
let owed = new Map();      // cancelled pay-at-club bookings of any date whose refund the desk owes
let owedGone = new Set();  // ids settled by an event while the owed list was loading
let owedAdded = new Set(); // ids an event added while it was loading
let matches = [];          // tournament matches on the shown day's courts (REST), in time order
let matchRound = 0;
let movingMatch = null;    // id of the match whose move form is open
let moveDraft = {};        // its court and time as typed, kept across re-renders
let feed = [];             // payment events, newest first
let snapshotSeq = 0;       // stream seq of the last snapshot
let shownDate = config.today;
let loadRound = 0;
let deskBusy = new Set();  // reservation ids with a desk action in flight

const badge = bindBadge($("live-badge"), T.states);
let stream = null;

function courtOf(id) {
  return day && day.courts.find((c) => c.id === id);
}

function courtName(id) {
  const court = courtOf(id);
  return court ? court.name : "";
}

function dayBounds() {
  return [zonedInstant(shownDate, "00:00", tz).getTime(), zonedInstant(shiftDay(shownDate, 1), "00:00", tz).getTime()];
}

function onShownDay(start, end) {
  const [from, to] = dayBounds();
  return ms(start) < to && from < ms(end);
}

function rowFromSnapshot(r) {
  // payment and checked_in_at are not in the snapshot: undefined until the REST list fills them
  return { ...r, payment: undefined, checked_in_at: undefined, touched: 0 };
}

const playerName = (row) => (row.player && (row.player.name || row.player.email)) || "—";

function isDue(row) {
  return row.payment && row.payment.mode === "pay_at_club" && DESK_PAYABLE.has(row.status)
    && Number(row.payment.amount_due) > 0;
}

// A cancelled pay-at-club booking whose refund the desk still has to hand back.
function owesRefund(row) {
  return row.payment && row.payment.mode === "pay_at_club" && row.payment.refund
    && row.payment.refund.status === "pending";
}

// ---------- stream ----------

function startStream() {
  const a = auth();
  const params = { token: a.access, date: shownDate };
  if (!stream) {
    stream = new LiveStream(config.stream, {
      params,
      onState: (state) => badge(state),
      onSnapshot,
      onEvent,
      onDenied,
    });
    window.padelyzerStaff.stream = stream;
  }
  stream.resume(null, params);
}

async function onDenied(code) {
  if (code === 4401) {
    // The access token expired (sockets close at expiry) or was revoked: refresh and resume from
    // the last applied seq, so the server replays what happened meanwhile.
    let fresh = null;
    try {
      fresh = await refreshAccess();
    } catch {
      setTimeout(() => onDenied(code), 5000); // offline: try again shortly
      return;
    }
    if (fresh) stream.resume(stream.lastSeq, { token: fresh.access });
    else signedOut(T.session_expired);
    return;
  }
  showDenied();
}

function onSnapshot(data, msg) {
  if (!data || data.date !== shownDate) return;
  day = data;
  tz = data.timezone || tz;
  snapshotSeq = msg.seq;
  rows = new Map((data.reservations || []).map((r) => [r.id, rowFromSnapshot(r)]));
  showBoard();
  renderAll();
  loadDetails(msg.seq);
  loadOwed();
  loadMatches();
  loadBlocks();
  Reports.recheck();
  loadClubName();
}

function onEvent(msg) {
  const d = msg.data || {};
  if (REFETCH_EVENTS.has(msg.type)) {
    stream.resume(null, { date: shownDate }); // hours, courts or prices changed: fresh snapshot
    return;
  }
  if (msg.type.startsWith("report.")) {
    Reports.onEvent(msg);
    return;
  }
  if (!day) return;
  if (msg.type.startsWith("reservation.") || msg.type.startsWith("court.")) applyClubEvent(day, msg);
  if (msg.type.startsWith("reservation.")) onReservationEvent(msg);
  else if (msg.type === "court.blocked") onBlockEvent(d, true);
  else if (msg.type === "court.unblocked") onBlockEvent(d, false);
  else if (msg.type.startsWith("payment.")) onPaymentEvent(msg);
  else if (msg.type.startsWith("checkin.")) onCheckinEvent(msg);
  renderAll();
}

function onReservationEvent(msg) {
  const d = msg.data;
  if (d.refund && d.refund.status !== "pending") {
    owed.delete(d.id);
    owedGone.add(d.id);
  }
  // Whatever the day shown: the desk owes this refund until it is handed back.
  if (msg.type === "reservation.cancelled" && d.refund && d.refund.status === "pending"
      && d.payment_mode === "pay_at_club") {
    owedAdded.add(d.id);
    owed.set(d.id, {
      id: d.id, court: d.court, start: d.start, end: d.end, status: d.status, player: d.player,
      price: d.price, currency: d.currency,
      payment: { mode: "pay_at_club", refund: { amount: d.refund.amount, status: "pending" } },
    });
  }
  let row = rows.get(d.id);
  const values = {
    player: d.player ? d.player.name : "", court: courtName(d.court), start: hm(d.start), end: hm(d.end),
  };
  if (!row) {
    if (!onShownDay(d.start, d.end)) return;
    row = {
      id: d.id, court: d.court, start: d.start, end: d.end, status: d.status, slot_status: d.slot_status,
      player: d.player, price: d.price, currency: d.currency, checked_in_at: null, touched: msg.seq,
      // A booking is paid online exactly when it starts out held (reservation_create).
      payment: msg.type === "reservation.created" ? {
        mode: d.status === "held" ? "online" : "pay_at_club", paid_amount: "0.00", amount_due: d.price,
      } : undefined,
    };
    rows.set(d.id, row);
  } else {
    Object.assign(row, { status: d.status, slot_status: d.slot_status, touched: msg.seq });
    if (d.player) row.player = d.player;
  }
  if ("checked_in_at" in d) row.checked_in_at = d.checked_in_at;
  if (d.refund && row.payment) row.payment.refund = { amount: d.refund.amount, status: d.refund.status };
  if (d.paid_amount !== undefined && row.payment) {
    row.payment.paid_amount = d.paid_amount;
    row.payment.amount_due = sumMoney([row.price, `-${d.paid_amount}`]).replace(/^-.*/, "0.00");
  }
  if (msg.type === "reservation.created") announce(fmt(T.booking_new, values));
  else if (msg.type === "reservation.cancelled") announce(fmt(T.booking_cancelled, values));
  else if (!["checked_in", "no_show"].includes(d.reason)) { // the checkin.* event that follows says it
    announce(fmt(T.booking_updated, { ...values, status: statusWord(row) }));
  }
}

function onBlockEvent(d, added) {
  const values = { court: courtName(d.court), start: hm(d.start), end: hm(d.end) };
  // Tournament matches block courts too (kind "match"): the timeline shows them, but they are
  // not maintenance, and only the tournament's scheduling may move or remove them.
  if (d.kind === "match") loadMatchesSoon(); // scheduled, moved or removed: the list follows
  if (d.kind && d.kind !== "maintenance") return;
  if (added) {
    if (ms(d.end) > Date.now()) {
      blocks.set(d.id, { id: d.id, court: d.court, start: d.start, end: d.end, reason: d.reason || "" });
    }
    announce(fmt(T.block_added, values));
  } else {
    blocks.delete(d.id);
    announce(fmt(T.block_removed, values));
  }
  renderBlocks(); // another desk's block (or its removal) shows here at once
}

function onPaymentEvent(msg) {
  const d = msg.data;
  if (d.refund_status && d.refund_status !== "pending") {
    owed.delete(d.reservation);
    owedGone.add(d.reservation);
  }
  const row = rows.get(d.reservation);
  if (row) {
    row.touched = msg.seq;
    if (d.reservation_status) row.status = d.reservation_status;
    if (d.paid_amount !== undefined) {
      row.payment = {
        ...(row.payment || { mode: d.method === "desk" ? "pay_at_club" : "online" }),
        paid_amount: d.paid_amount, amount_due: d.amount_due,
      };
      if (d.refund_status) row.payment.refund = { amount: d.refund_amount, status: d.refund_status };
    }
  }
  feed.unshift({ seq: msg.seq, type: msg.type, ts: msg.ts, data: d });
  feed = feed.slice(0, FEED_MAX);
  renderFeedItem(feed[0], true);
}

function onCheckinEvent(msg) {
  const d = msg.data;
  const row = rows.get(d.reservation);
  if (row) {
    row.touched = msg.seq;
    row.status = d.status;
    row.checked_in_at = d.checked_in_at;
  }
  const values = { player: d.player ? d.player.name : "", court: courtName(d.court), start: hm(d.start) };
  announce(fmt(msg.type === "checkin.no_show" ? T.no_show_event : T.checked_in_event, values));
}

// ---------- REST details ----------

async function loadDetails(seqAtStart) {
  const round = ++loadRound;
  const found = [];
  try {
    for (let page = 1; page <= 20; page += 1) {
      const envelope = await api("GET",
        `reservations/reservations/?club=${config.id}&date=${shownDate}&page_size=100&page=${page}`);
      found.push(...envelope.data);
      if (!envelope.pagination || page >= envelope.pagination.total_pages) break;
    }
  } catch (err) {
    if (round === loadRound) setTimeout(() => { if (round === loadRound) loadDetails(seqAtStart); }, 4000);
    return;
  }
  if (round !== loadRound) return; // a newer snapshot started its own load
  mergeDetails(found, seqAtStart);
  renderAll();
}

function mergeDetails(list, seqAtStart) {
  for (const r of list) {
    const row = rows.get(r.id);
    if (!row) continue; // created after the snapshot: its event brings it
    const fresh = row.touched <= seqAtStart; // no event since the snapshot: the answer is as new
    if (fresh || row.payment === undefined) row.payment = r.payment;
    if (fresh || row.checked_in_at === undefined) row.checked_in_at = r.checked_in_at;
  }
  // Rows the list did not return (a booking that began the day before): nothing to fill.
  for (const row of rows.values()) if (row.checked_in_at === undefined) row.checked_in_at = null;
}

// Refunds owed at the desk for bookings of any date (a player cancels days ahead and comes by
// later): loaded with each snapshot, then kept by reservation.cancelled and payment.* events.
async function loadOwed() {
  const found = [];
  owedGone = new Set();
  owedAdded = new Set();
  try {
    for (let page = 1; page <= 10; page += 1) {
      const envelope = await api("GET", `reservations/reservations/?club=${config.id}&refund_status=pending`
        + `&payment_mode=pay_at_club&page_size=100&page=${page}`);
      found.push(...envelope.data);
      if (!envelope.pagination || page >= envelope.pagination.total_pages) break;
    }
  } catch {
    return; // the next snapshot tries again; today's rows still show their own refunds
  }
  // The answer is the truth as of its read: rebuild, keeping what events added meanwhile and
  // leaving out what they settled.
  const fresh = new Map(found.filter((r) => !owedGone.has(r.id)).map((r) => [r.id, r]));
  for (const [id, r] of owed) if (owedAdded.has(id) && !fresh.has(id)) fresh.set(id, r);
  owed = fresh;
  keepFocus(renderDue);
}

async function loadBlocks() {
  const found = [];
  const since = new Date().toISOString();
  try {
    for (let page = 1; page <= 10; page += 1) {
      const envelope = await api("GET", `clubs/maintenance-blocks/?club=${config.id}`
        + `&ends_after=${encodeURIComponent(since)}&page_size=100&page=${page}`);
      found.push(...envelope.data);
      if (!envelope.pagination || page >= envelope.pagination.total_pages) break;
    }
  } catch {
    return;
  }
  blocks = new Map(found.map((b) => [b.id, b]));
  renderBlocks();
}

async function loadClubName() {
  if (config.name) return;
  try {
    const envelope = await api("GET", `clubs/clubs/${config.id}/`);
    config.name = envelope.data.name;
    $("club-name").textContent = config.name;
    document.title = `${config.name} · ${document.title}`;
  } catch {
    /* the name is cosmetic */
  }
}

// ---------- rendering ----------

function announce(text) {
  const el = $("announcer");
  el.textContent = "";
  setTimeout(() => { el.textContent = text; }, 30); // a fresh change, even when the text repeats
}

function statusWord(row) {
  if (row.status === "confirmed" && row.checked_in_at) return fmt(T.status.checked_in, { time: hm(row.checked_in_at) });
  return T.status[row.status] || row.status;
}

function paymentWord(row) {
  const p = row.payment;
  if (!p) return T.payment.none;
  if (row.status === "cancelled" || row.status === "expired") {
    const refund = p.refund || { status: "none" };
    if (refund.status === "refunded") return T.payment.refunded;
    if (refund.status === "pending") {
      return p.mode === "pay_at_club"
        ? fmt(T.payment.refund_owed, { amount: money(refund.amount, row.currency, LANG) }) : T.payment.refund_pending;
    }
    return Number(p.paid_amount) > 0 ? T.payment.kept : T.payment.none;
  }
  if (row.status === "held") return T.payment.online;
  if (Number(p.amount_due) > 0) return fmt(T.payment.due, { amount: money(p.amount_due, row.currency, LANG) });
  return T.payment.paid;
}

function stateClass(row) {
  if (row.status === "confirmed" && row.checked_in_at) return "checked";
  return row.status;
}

// Re-rendering replaces elements: put focus back on the element with the same data-key, or on
// the reservation's row when its button went away (the action succeeded).
function keepFocus(render) {
  const active = document.activeElement;
  const key = active && active.dataset ? active.dataset.key : null;
  const fallback = active && active.dataset ? active.dataset.row : null;
  render();
  if (!key) return;
  const again = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (again && !again.disabled) again.focus(); // a disabled button (action in flight) cannot hold focus
  else if (fallback) document.querySelector(`[data-key="row:${CSS.escape(fallback)}"]`)?.focus();
}

function renderAll() {
  keepFocus(() => {
    renderTiles();
    renderTimeline();
    renderAgenda();
    renderDue();
  });
}

function renderTiles() {
  const list = [...rows.values()];
  const active = list.filter((r) => ACTIVE.has(r.status));
  const currency = day ? day.currency || config.currency : config.currency;
  $("t-bookings").textContent = String(active.length);
  $("t-checked").textContent = String(active.filter((r) => r.checked_in_at).length);
  $("t-noshow").textContent = String(list.filter((r) => r.status === "no_show").length);
  $("t-due").textContent = money(sumMoney(list.filter(isDue).map((r) => r.payment.amount_due)), currency, LANG);
  $("t-collected").textContent = money(sumMoney(list.filter((r) => r.payment).map((r) => r.payment.paid_amount)),
    currency, LANG);
}

/** First open slot start to last open slot end, over every court (instants). */
function openSpan() {
  let from = Infinity;
  let to = -Infinity;
  for (const court of day.courts) {
    for (const slot of court.slots) {
      if (slot.status === "closed") continue;
      from = Math.min(from, ms(slot.start));
      to = Math.max(to, ms(slot.end));
    }
  }
  for (const row of rows.values()) { // a booking outside today's hours (hours changed) still shows
    if (!ACTIVE.has(row.status)) continue;
    from = Math.min(from, ms(row.start));
    to = Math.max(to, ms(row.end));
  }
  if (!Number.isFinite(from)) [from, to] = dayBounds();
  const [dayFrom, dayTo] = dayBounds();
  return [Math.max(from, dayFrom), Math.min(to, dayTo)];
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function reservationLabel(row) {
  return fmt(T.reservation_label, {
    player: playerName(row), court: courtName(row.court), start: hm(row.start), end: hm(row.end),
    status: statusWord(row), payment: paymentWord(row),
  });
}

function renderTimeline() {
  const box = $("timeline");
  if (!day) return;
  box.textContent = "";
  if (!day.courts.length) {
    $("timeline-status").textContent = T.no_courts;
    $("timeline-status").hidden = false;
    box.hidden = true;
    return;
  }
  $("timeline-status").hidden = true;
  box.hidden = false;
  const [from, to] = openSpan();
  const span = to - from;
  const pct = (t) => `${(((Math.min(Math.max(t, from), to) - from) / span) * 100).toFixed(3)}%`;
  const hours = [];
  const firstHour = Math.ceil(from / 3600000) * 3600000; // whole hours in UTC = whole local hours in
  for (let t = firstHour; t <= to; t += 3600000) hours.push(t); // every zone with whole-hour offsets
  box.style.setProperty("--hours", String(Math.max(1, span / 3600000)));

  const head = el("div", "tl-head");
  head.setAttribute("aria-hidden", "true");
  head.appendChild(el("div", "tl-corner"));
  const scale = el("div", "tl-scale");
  for (const t of hours) {
    const label = el("span", "tl-hour", clubTime(new Date(t), tz));
    label.style.left = pct(t);
    if (t - from < 1800000) label.classList.add("first"); // keep the edge labels inside the track
    else if (to - t < 1800000) label.classList.add("last");
    scale.appendChild(label);
  }
  head.appendChild(scale);
  box.appendChild(head);

  const now = Date.now();
  const list = [...rows.values()].filter((r) => ACTIVE.has(r.status)).sort((a, b) => ms(a.start) - ms(b.start));
  for (const court of day.courts) {
    const row = el("div", "tl-row");
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", court.name);
    row.appendChild(el("div", "tl-court", court.name));
    const track = el("div", "tl-track");
    for (const t of hours) {
      const line = el("span", "tl-grid");
      line.style.left = pct(t);
      track.appendChild(line);
    }
    // closed and maintenance stretches come from the slots; reservations from the rows
    for (const run of runs(court)) {
      if (run.status !== "closed" && run.status !== "blocked") continue;
      if (ms(run.end) <= from || ms(run.start) >= to) continue;
      const shade = el("span", `tl-shade ${run.status}`);
      shade.style.left = pct(ms(run.start));
      shade.style.width = `calc(${pct(ms(run.end))} - ${pct(ms(run.start))})`;
      if (run.status === "blocked") {
        // A tournament match's court time reads as such, not as maintenance.
        const isMatch = matches.some((m) => m.court && m.court.id === court.id
          && ms(m.start) < ms(run.end) && ms(run.start) < ms(m.end));
        const label = isMatch ? T.tournament_block : T.maintenance;
        shade.textContent = label;
        shade.title = `${label} ${hm(run.start)}–${hm(run.end)}`;
        if (isMatch) shade.classList.add("match");
      }
      track.appendChild(shade);
    }
    for (const r of list.filter((x) => x.court === court.id)) {
      const block = el("button", `tl-res s-${stateClass(r)}${isDue(r) ? " due" : ""}`);
      block.type = "button";
      block.dataset.key = `tl:${r.id}`;
      block.dataset.reservation = r.id;
      block.dataset.status = r.status;
      block.style.left = pct(ms(r.start));
      block.style.width = `calc(${pct(ms(r.end))} - ${pct(ms(r.start))} - 3px)`;
      block.setAttribute("aria-label", reservationLabel(r));
      block.title = reservationLabel(r);
      const name = el("span", "tl-name", playerName(r));
      const meta = el("span", "tl-meta", `${hm(r.start)}–${hm(r.end)}`);
      block.append(name, meta);
      block.addEventListener("click", () => focusRow(r.id));
      track.appendChild(block);
    }
    if (now >= from && now < to) {
      const line = el("span", "tl-now");
      line.style.left = pct(now);
      track.appendChild(line);
    }
    row.appendChild(track);
    box.appendChild(row);
  }
}

function focusRow(id) {
  const tr = document.querySelector(`[data-key="row:${CSS.escape(id)}"]`);
  if (!tr) return;
  const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
  tr.scrollIntoView({ block: "center", behavior: still ? "auto" : "smooth" });
  tr.focus({ preventScroll: true });
  tr.classList.remove("flash");
  void tr.offsetWidth; // restart the animation
  tr.classList.add("flash");
}

function actionButton(kind, row, label, className, handler) {
  const button = el("button", className, label);
  button.type = "button";
  button.dataset.key = `${kind}:${row.id}`;
  button.dataset.row = row.id;
  button.setAttribute("aria-label", fmt(T.action_label, {
    action: label, player: playerName(row), court: courtName(row.court), start: hm(row.start),
  }));
  button.disabled = deskBusy.has(row.id);
  button.addEventListener("click", () => handler(row, button));
  return button;
}

function deskActions(row) {
  const out = [];
  const now = Date.now();
  if (row.status === "confirmed" && !row.checked_in_at) {
    if (now >= ms(row.start) - config.check_in_opens_minutes * 60000) {
      out.push(actionButton("checkin", row, T.check_in, "primary small", checkIn));
    }
    if (now >= ms(row.start)) out.push(actionButton("noshow", row, T.no_show, "danger small", noShow));
  }
  if (isDue(row)) out.push(actionButton("paid", row, T.mark_paid, "secondary small", markPaid));
  if (owesRefund(row)) out.push(actionButton("refund", row, T.refund_given, "secondary small", refundGiven));
  return out;
}

function renderAgenda() {
  const body = $("agenda").tBodies[0];
  body.textContent = "";
  const showAll = $("show-inactive").checked;
  const list = [...rows.values()]
    .filter((r) => showAll || ACTIVE.has(r.status))
    .sort((a, b) => ms(a.start) - ms(b.start) || courtName(a.court).localeCompare(courtName(b.court)));
  $("agenda-empty").hidden = list.length > 0;
  $("agenda-empty").textContent = T.no_bookings;
  $("agenda").hidden = list.length === 0;
  for (const row of list) {
    const tr = body.insertRow();
    tr.dataset.key = `row:${row.id}`;
    tr.dataset.reservation = row.id;
    tr.dataset.status = row.status;
    tr.tabIndex = -1;
    tr.className = `s-row s-${stateClass(row)}`;
    const time = el("th", "when", `${hm(row.start)}–${hm(row.end)}`);
    time.scope = "row";
    tr.appendChild(time);
    tr.insertCell().textContent = courtName(row.court);
    const player = tr.insertCell();
    player.className = "player";
    player.textContent = playerName(row);
    const status = tr.insertCell();
    status.appendChild(el("span", `chip s-${stateClass(row)}`, statusWord(row)));
    const pay = tr.insertCell();
    pay.className = isDue(row) || owesRefund(row) ? "pay due" : "pay";
    pay.textContent = paymentWord(row);
    const actions = el("div", "actions"); // flex inside the cell: a flex <td> loses its table borders
    actions.append(...deskActions(row));
    tr.insertCell().appendChild(actions);
  }
}

function renderDue() {
  const list = $("due-list");
  list.textContent = "";
  const listed = new Map([...owed.values()].filter(owesRefund).map((r) => [r.id, r]));
  for (const r of rows.values()) if (isDue(r) || owesRefund(r)) listed.set(r.id, r); // the live row wins
  for (const [id, r] of listed) if (!isDue(r) && !owesRefund(r)) listed.delete(id);
  const due = [...listed.values()].sort((a, b) => ms(a.start) - ms(b.start));
  $("due-count").textContent = due.length ? `(${due.length})` : "";
  if (!due.length) {
    list.appendChild(el("li", "muted", T.due_empty));
    return;
  }
  for (const row of due) {
    const li = el("li");
    const text = el("div", "due-text");
    const refund = owesRefund(row);
    const who = refund ? fmt(T.refund_line, { player: playerName(row) }) : playerName(row);
    const onDay = onShownDay(row.start, row.end);
    const when = onDay ? hm(row.start) : `${shortDate(clubDate(new Date(row.start), tz))} ${hm(row.start)}`;
    text.append(el("strong", "", money(refund ? `-${row.payment.refund.amount}` : row.payment.amount_due,
      row.currency, LANG)), el("span", "", `${when} · ${courtName(row.court)} · ${who}`));
    const button = refund ? actionButton("due-refund", row, T.refund_given, "secondary small", refundGiven)
      : actionButton("due", row, T.mark_paid, "secondary small", markPaid);
    li.append(text, button);
    list.appendChild(li);
  }
}

function renderFeedItem(item, fresh) {
  const list = $("feed");
  const empty = list.querySelector(".empty");
  if (empty) empty.remove();
  const d = item.data;
  const li = el("li", `feed-item t-${item.type.replace(".", "-")}${fresh ? " flash" : ""}`);
  const top = el("div", "feed-top");
  const what = T.feed[item.type] || T.feed.other;
  const amount = (item.type.startsWith("payment.refund") && d.refund && d.refund.amount) || d.amount;
  top.append(el("span", "feed-what", what),
    el("strong", "feed-amount", amount ? money(amount, d.currency, LANG) : ""));
  const line = el("div", "feed-line", fmt(T.feed_line, {
    player: d.player ? d.player.name : "", court: courtName(d.court), start: d.start ? hm(d.start) : "",
  }));
  const when = el("time", "feed-time", item.ts ? clubTime(new Date(item.ts), tz) : "");
  if (item.ts) when.dateTime = item.ts;
  li.append(top, line, when);
  list.prepend(li);
  while (list.children.length > FEED_MAX) list.lastElementChild.remove();
}

function renderFeed() {
  const list = $("feed");
  list.textContent = "";
  if (!feed.length) list.appendChild(el("li", "muted empty", T.feed_empty));
  for (const item of [...feed].reverse()) renderFeedItem(item, false);
}

function renderBlocks() {
  const list = $("block-list");
  keepFocus(() => {
    list.textContent = "";
    const now = Date.now();
    const items = [...blocks.values()].filter((b) => ms(b.end) > now).sort((a, b) => ms(a.start) - ms(b.start));
    if (!items.length) list.appendChild(el("li", "muted", T.blocks_empty));
    for (const b of items) {
      const values = {
        court: courtName(b.court) || "?", day: shortDate(clubDate(new Date(b.start), tz)),
        start: hm(b.start), end: hm(b.end),
      };
      const li = el("li");
      li.dataset.block = b.id;
      const text = el("div", "block-text");
      text.append(el("strong", "", fmt(T.block_label, values)));
      if (b.reason) text.append(el("span", "muted", b.reason));
      const remove = el("button", "danger small", T.block_remove);
      remove.type = "button";
      remove.dataset.key = `blk:${b.id}`;
      remove.setAttribute("aria-label", fmt(T.block_remove_label, values));
      remove.addEventListener("click", () => removeBlock(b, remove));
      li.append(text, remove);
      list.appendChild(li);
    }
  });
}

function renderCourtOptions() {
  const select = $("block-court");
  const keep = select.value;
  select.textContent = "";
  for (const court of day ? day.courts : []) {
    const option = el("option", "", court.name);
    option.value = court.id;
    select.appendChild(option);
  }
  if (keep && [...select.options].some((o) => o.value === keep)) select.value = keep;
}

// ---------- desk actions ----------

function deskMessage(text, error = false) {
  const box = $("desk-msg");
  box.textContent = text;
  box.classList.toggle("error", error);
}

async function deskCall(row, path, done) {
  deskBusy.add(row.id);
  renderAll();
  try {
    await api("POST", `reservations/reservations/${row.id}/${path}/`, path === "mark-paid" ? {} : undefined);
    deskMessage(done);
  } catch (err) {
    deskMessage(err.message, true);
  } finally {
    deskBusy.delete(row.id);
    renderAll(); // the stream event updates the row itself (it may already have)
  }
}

function checkIn(row) {
  return deskCall(row, "check-in", fmt(T.done_check_in, { player: playerName(row) }));
}

function noShow(row) {
  const values = { player: playerName(row), court: courtName(row.court), start: hm(row.start) };
  if (!window.confirm(fmt(T.confirm_no_show, values))) return null;
  return deskCall(row, "no-show", fmt(T.done_no_show, values));
}

function markPaid(row) {
  const amount = money(row.payment.amount_due, row.currency, LANG);
  if (!window.confirm(fmt(T.confirm_paid, { amount, player: playerName(row) }))) return null;
  return deskCall(row, "mark-paid", fmt(T.done_paid, { amount, player: playerName(row) }));
}

function refundGiven(row) {
  const amount = money(row.payment.refund.amount, row.currency, LANG);
  if (!window.confirm(fmt(T.confirm_refund, { amount, player: playerName(row) }))) return null;
  return deskCall(row, "refund-at-desk", fmt(T.done_refund, { amount, player: playerName(row) }));
}

// ---------- maintenance ----------

function defaultBlockTimes() {
  const step = config.slot_minutes * 60000;
  const start = Math.ceil(Date.now() / step) * step;
  $("block-start").value = clubTime(new Date(start), tz);
  $("block-end").value = clubTime(new Date(start + 3600000), tz);
}

async function createBlock(event) {
  event.preventDefault();
  $("block-error").textContent = "";
  $("block-ok").textContent = "";
  const date = $("block-date").value;
  const from = $("block-start").value;
  const to = $("block-end").value;
  if (!date || !from || !to || !$("block-court").value) {
    $("block-error").textContent = T.block_bad_times;
    return;
  }
  const start = zonedInstant(date, from, tz);
  // an end at or before the start means past midnight (e.g. 23:00-00:30)
  let end = zonedInstant(date, to, tz);
  if (end <= start) end = zonedInstant(shiftDay(date, 1), to, tz);
  const button = event.target.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const envelope = await api("POST", "clubs/maintenance-blocks/", {
      court: $("block-court").value, start: start.toISOString(), end: end.toISOString(),
      reason: $("block-reason").value.trim(),
    });
    blocks.set(envelope.data.id, envelope.data);
    renderBlocks();
    $("block-reason").value = "";
    $("block-ok").textContent = T.block_created;
  } catch (err) {
    $("block-error").textContent = err.message;
  } finally {
    button.disabled = false;
  }
}

async function removeBlock(block, button) {
  if (!window.confirm(T.confirm_block_remove)) return;
  button.disabled = true;
  $("block-error").textContent = "";
  $("block-ok").textContent = "";
  try {
    await api("DELETE", `clubs/maintenance-blocks/${block.id}/`);
    blocks.delete(block.id);
    renderBlocks();
    $("block-ok").textContent = T.block_deleted;
    $("block-list").focus();
  } catch (err) {
    $("block-error").textContent = err.message;
    button.disabled = false;
  }
}

// ---------- tournament matches ----------

let matchTimer = null;

// A schedule publishes one court.blocked per match: one load for the burst.
function loadMatchesSoon() {
  clearTimeout(matchTimer);
  matchTimer = setTimeout(loadMatches, 250);
}

async function loadMatches() {
  const round = ++matchRound;
  const found = [];
  try {
    for (let page = 1; page <= 5; page += 1) {
      const envelope = await api("GET",
        `tournaments/matches/?club=${config.id}&date=${shownDate}&page_size=100&page=${page}`);
      found.push(...envelope.data);
      if (!envelope.pagination || page >= envelope.pagination.total_pages) break;
    }
  } catch {
    return; // the next snapshot or court event loads them again
  }
  if (round !== matchRound) return; // a newer load started meanwhile
  matches = found;
  renderMatches();
  keepFocus(renderTimeline); // match stretches get their label
}

const teamName = (team) => (team && team.name) || T.to_be_decided;

function renderMatches() {
  const list = $("match-list");
  keepFocus(() => {
    list.textContent = "";
    if (!matches.length) list.appendChild(el("li", "muted", T.matches_empty));
    for (const m of matches) {
      const teams = fmt(T.match_teams, { team1: teamName(m.team1), team2: teamName(m.team2) });
      const li = el("li");
      li.dataset.match = m.id;
      const text = el("div", "block-text");
      text.append(el("strong", "", fmt(T.match_label, {
        start: hm(m.start), end: hm(m.end), court: m.court ? m.court.name : "?",
      })), el("span", "", teams), el("span", "muted", T.match_status[m.status] || m.status));
      const actions = el("div", "actions");
      const open = m.status === "scheduled" || m.status === "pending";
      if (m.status === "scheduled") {
        const call = el("button", "secondary small", T.call);
        call.type = "button";
        call.dataset.key = `call:${m.id}`;
        call.addEventListener("click", () => callPlayers(m, call));
        actions.appendChild(call);
      }
      if (open) {
        const move = el("button", "secondary small", T.move);
        move.type = "button";
        move.dataset.key = `move:${m.id}`;
        move.setAttribute("aria-label", fmt(T.move_label, { teams }));
        move.setAttribute("aria-expanded", String(movingMatch === m.id));
        move.addEventListener("click", () => {
          movingMatch = movingMatch === m.id ? null : m.id;
          moveDraft = {};
          renderMatches();
          if (movingMatch) $(`move-court-${m.id}`).focus();
        });
        actions.appendChild(move);
      }
      li.append(text, actions);
      if (movingMatch === m.id && open) li.appendChild(moveForm(m));
      list.appendChild(li);
    }
  });
}

function moveForm(m) {
  const form = el("form", "move-form");
  form.noValidate = true;
  const courtLabel = el("label", "", T.court);
  courtLabel.htmlFor = `move-court-${m.id}`;
  const court = el("select");
  court.id = `move-court-${m.id}`;
  court.dataset.key = `move-court:${m.id}`;
  for (const c of day ? day.courts : []) {
    const option = el("option", "", c.name);
    option.value = c.id;
    court.appendChild(option);
  }
  court.value = moveDraft.court || (m.court ? m.court.id : "");
  court.addEventListener("change", () => { moveDraft.court = court.value; });
  const timeLabel = el("label", "", T.start_time);
  timeLabel.htmlFor = `move-start-${m.id}`;
  const time = el("input");
  time.type = "time";
  time.id = `move-start-${m.id}`;
  time.step = String(config.slot_minutes * 60);
  time.dataset.key = `move-start:${m.id}`;
  time.value = moveDraft.time || hm(m.start);
  time.addEventListener("input", () => { moveDraft.time = time.value; });
  const save = el("button", "primary small", T.move_save);
  save.type = "submit";
  save.dataset.key = `move-save:${m.id}`;
  const cancel = el("button", "link small", T.move_cancel);
  cancel.type = "button";
  cancel.dataset.key = `move-cancel:${m.id}`;
  cancel.addEventListener("click", () => closeMove(m.id));
  form.append(courtLabel, court, timeLabel, time, save, cancel);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    moveMatch(m, court.value, time.value, save);
  });
  return form;
}

function closeMove(id) {
  movingMatch = null;
  moveDraft = {};
  renderMatches();
  const opener = document.querySelector(`[data-key="move:${id}"]`);
  if (opener) opener.focus(); // back where the keyboard user started
}

async function moveMatch(m, courtId, time, button) {
  $("match-error").textContent = "";
  $("match-ok").textContent = "";
  button.disabled = true;
  try {
    const start = zonedInstant(shownDate, time, tz).toISOString();
    const envelope = await api("POST", `tournaments/matches/${m.id}/reschedule/`, { court: courtId, start });
    $("match-ok").textContent = fmt(T.moved, { court: envelope.data.court.name, start: hm(envelope.data.start) });
    await loadMatches();
    closeMove(m.id);
  } catch (err) {
    $("match-error").textContent = err.message; // e.g. the court is taken then: nothing moved
    button.disabled = false;
  }
}

async function callPlayers(m, button) {
  $("match-error").textContent = "";
  $("match-ok").textContent = "";
  button.disabled = true;
  try {
    const envelope = await api("POST", `tournaments/matches/${m.id}/call/`);
    $("match-ok").textContent = fmt(T.called, { n: envelope.data.notified, court: m.court ? m.court.name : "" });
  } catch (err) {
    $("match-error").textContent = err.message;
  } finally {
    button.disabled = false;
  }
}

// ---------- reports ----------

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of strings. */
export function parseCsv(text) {
  const out = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i += 1;
      row.push(field);
      out.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length) {
    row.push(field);
    out.push(row);
  }
  return out;
}

function records(text) {
  const [header, ...lines] = parseCsv(text);
  return lines.filter((l) => l.length === header.length)
    .map((l) => Object.fromEntries(header.map((h, i) => [h, l[i]])));
}

const SVG_NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

let svgIds = 0;

function svgRoot(width, height, title, desc) {
  const id = `chart-${++svgIds}`;
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-labelledby": `${id}-t ${id}-d`,
    class: "svg-chart", preserveAspectRatio: "xMinYMin meet",
  });
  root.append(svg("title", { id: `${id}-t` }, title), svg("desc", { id: `${id}-d` }, desc));
  return root;
}

const pctText = (v) => new Intl.NumberFormat(LANG, { style: "percent", maximumFractionDigits: 0 }).format(v);

// Sequential green scale (light = idle, dark = full), readable with text on top.
const HEAT = [[241, 245, 244], [198, 231, 212], [127, 202, 160], [47, 158, 102], [15, 95, 59]];

function heatColor(v) {
  const x = Math.max(0, Math.min(1, v)) * (HEAT.length - 1);
  const i = Math.min(HEAT.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [HEAT[i], HEAT[i + 1]];
  return `rgb(${a.map((c, k) => Math.round(c + (b[k] - c) * f)).join(",")})`;
}

export function drawHeatmap(text, params) {
  const lines = records(text).filter((r) => r.section === "court_hour");
  const courts = [];
  const byCourt = new Map();
  const hours = new Set();
  for (const r of lines) {
    if (!byCourt.has(r.court_id)) {
      byCourt.set(r.court_id, { name: r.court, cells: new Map(), booked: 0, open: 0 });
      courts.push(r.court_id);
    }
    const c = byCourt.get(r.court_id);
    const hour = Number(r.hour);
    hours.add(hour);
    c.cells.set(hour, { booked: Number(r.booked_minutes), open: Number(r.open_minutes) });
    c.booked += Number(r.booked_minutes);
    c.open += Number(r.open_minutes);
  }
  const figure = document.createDocumentFragment();
  if (!courts.length) {
    figure.appendChild(el("p", "muted", T.heatmap_empty));
    return figure;
  }
  const cols = [...hours].sort((a, b) => a - b);
  const cw = 38;
  const ch = 30;
  const left = Math.min(170, 24 + 7.5 * Math.max(...courts.map((id) => byCourt.get(id).name.length)));
  const top = 26;
  const gap = 14;
  const width = left + cols.length * cw + gap + 56;
  const height = top + courts.length * ch + 8;
  let best = null;
  let totalBooked = 0;
  let totalOpen = 0;
  for (const id of courts) {
    const c = byCourt.get(id);
    totalBooked += c.booked;
    totalOpen += c.open;
    for (const [hour, cell] of c.cells) {
      const v = cell.open ? cell.booked / cell.open : 0;
      if (!best || v > best.v) best = { v, court: c.name, hour };
    }
  }
  const hourLabel = (h) => `${String(h).padStart(2, "0")}:00`;
  const title = fmt(T.heatmap_title, { from: shortDate(params.date_from), to: shortDate(params.date_to) });
  const desc = fmt(T.heatmap_desc, {
    overall: pctText(totalOpen ? totalBooked / totalOpen : 0), court: best.court, hour: hourLabel(best.hour),
    value: pctText(best.v),
  });
  const root = svgRoot(width, height, title, desc);
  cols.forEach((h, i) => root.appendChild(svg("text", {
    x: left + i * cw + cw / 2, y: top - 9, class: "axis", "text-anchor": "middle",
  }, String(h).padStart(2, "0"))));
  root.appendChild(svg("text", { x: left + cols.length * cw + gap + 26, y: top - 9, class: "axis strong",
    "text-anchor": "middle" }, T.overall));
  courts.forEach((id, r) => {
    const c = byCourt.get(id);
    const y = top + r * ch;
    root.appendChild(svg("text", { x: left - 10, y: y + ch / 2 + 4, class: "label", "text-anchor": "end" }, c.name));
    cols.forEach((h, i) => {
      const cell = c.cells.get(h) || { booked: 0, open: 0 };
      const v = cell.open ? cell.booked / cell.open : 0;
      const g = svg("g");
      g.appendChild(svg("rect", {
        x: left + i * cw + 1, y: y + 1, width: cw - 2, height: ch - 2, rx: 4,
        fill: cell.open ? heatColor(v) : "#f7f8f9", class: cell.open ? "cell" : "cell closed",
      }));
      if (cell.open) {
        g.appendChild(svg("text", {
          x: left + i * cw + cw / 2, y: y + ch / 2 + 4, "text-anchor": "middle", class: v > 0.55 ? "val light" : "val",
        }, String(Math.round(v * 100))));
      }
      g.appendChild(svg("title", {}, fmt(T.heatmap_cell, {
        court: c.name, hour: hourLabel(h), value: cell.open ? pctText(v) : "—", booked: cell.booked, open: cell.open,
      })));
      root.appendChild(g);
    });
    const v = c.open ? c.booked / c.open : 0;
    const x = left + cols.length * cw + gap;
    root.appendChild(svg("rect", { x, y: y + 1, width: 52, height: ch - 2, rx: 4, fill: heatColor(v) }));
    root.appendChild(svg("text", { x: x + 26, y: y + ch / 2 + 4, "text-anchor": "middle",
      class: v > 0.55 ? "val light strong" : "val strong" }, pctText(v)));
  });
  const wrap = el("div", "chart-scroll");
  wrap.appendChild(root);
  figure.appendChild(wrap);
  const legend = el("div", "heat-legend");
  legend.setAttribute("aria-hidden", "true");
  legend.append(el("span", "", `${T.low} 0%`), el("span", "heat-bar"), el("span", "", `100% ${T.high}`));
  figure.appendChild(legend);
  const caption = el("figcaption", "caption", `${title}. ${desc}`);
  figure.appendChild(caption);
  return figure;
}

/** The smallest "round" step (1, 2, 2.5 or 5 times a power of ten) that covers `value` in `ticks` steps. */
function niceStep(value, ticks) {
  const raw = Math.max(value, 1) / ticks;
  const exp = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= raw) return m * exp;
  return 10 * exp;
}

export function drawRevenue(text, params) {
  const all = records(text);
  const days = all.filter((r) => r.section === "day");
  const total = all.find((r) => r.section === "total");
  const courts = all.filter((r) => r.section === "court");
  const modes = all.filter((r) => r.section === "payment_mode");
  const currency = (total && total.currency) || config.currency;
  const moneyShort = (v) => new Intl.NumberFormat(LANG, {
    style: "currency", currency, maximumFractionDigits: 0, minimumFractionDigits: 0,
  }).format(v);
  const figure = document.createDocumentFragment();

  const values0 = days.map((d) => Math.max(Number(d.revenue), Number(d.collected)));
  const ticks = 4;
  const step = niceStep(Math.max(1, ...values0), ticks);
  const max = step * ticks;
  const labelWidth = 7 * moneyShort(max).length; // ~7 px a character at 11 px
  const width = 900;
  const height = 300;
  const m = { left: Math.max(48, labelWidth + 14), right: 14, top: 18, bottom: 44 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const values = days.map((d) => ({
    day: d.key, revenue: Number(d.revenue), collected: Number(d.collected), bookings: Number(d.bookings),
  }));
  const y = (v) => m.top + plotH - (v / max) * plotH;
  const best = values.reduce((a, b) => (b.revenue > a.revenue ? b : a),
    values[0] || { day: params.date_from, revenue: 0 });
  const title = fmt(T.chart_title, { from: shortDate(params.date_from), to: shortDate(params.date_to) });
  const desc = fmt(T.chart_desc, {
    revenue: money(total ? total.revenue : "0", currency, LANG), bookings: total ? total.bookings : 0,
    collected: money(total ? total.collected : "0", currency, LANG), day: shortDate(best.day),
    best: money(best.revenue, currency, LANG),
  });
  const root = svgRoot(width, height, title, desc);
  root.classList.add("wide");
  for (let i = 0; i <= ticks; i += 1) {
    const v = step * i;
    root.appendChild(svg("line", { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v), class: i ? "grid" : "base" }));
    root.appendChild(svg("text", { x: m.left - 8, y: y(v) + 4, "text-anchor": "end", class: "axis" }, moneyShort(v)));
  }
  const band = plotW / Math.max(1, values.length);
  const every = Math.ceil(values.length / 12);
  values.forEach((v, i) => {
    const x = m.left + i * band;
    const g = svg("g", { class: "bar" });
    const outer = Math.min(56, Math.max(2, band * 0.72));
    const inner = Math.min(28, Math.max(1.5, band * 0.38));
    g.appendChild(svg("rect", { x: x + (band - outer) / 2, y: y(v.revenue), width: outer,
      height: Math.max(0, y(0) - y(v.revenue)), rx: Math.min(3, outer / 4), class: "booked" }));
    g.appendChild(svg("rect", { x: x + (band - inner) / 2, y: y(v.collected), width: inner,
      height: Math.max(0, y(0) - y(v.collected)), rx: Math.min(2, inner / 4), class: "collected" }));
    g.appendChild(svg("rect", { x, y: m.top, width: band, height: plotH, class: "hit" }));
    g.appendChild(svg("title", {}, fmt(T.chart_bar, {
      day: shortDate(v.day), revenue: money(v.revenue, currency, LANG), collected: money(v.collected, currency, LANG),
      bookings: v.bookings,
    })));
    root.appendChild(g);
    if (i % every === 0) {
      const date = new Date(`${v.day}T12:00:00Z`);
      const first = i === 0 || date.getUTCDate() <= every;
      const label = new Intl.DateTimeFormat(LANG, first ? { day: "numeric", month: "short", timeZone: "UTC" }
        : { day: "numeric", timeZone: "UTC" }).format(date);
      root.appendChild(svg("text", { x: x + band / 2, y: height - m.bottom + 18, "text-anchor": "middle",
        class: "axis" }, label));
    }
  });
  const legend = svg("g", { transform: `translate(${m.left}, ${height - 10})`, class: "legend" });
  const second = 18 + 6.5 * T.booked_value.length + 22; // after the first label (~6.5 px a character)
  legend.append(svg("rect", { x: 0, y: -10, width: 12, height: 12, rx: 2, class: "booked" }),
    svg("text", { x: 18, y: 0, class: "axis" }, T.booked_value),
    svg("rect", { x: second, y: -10, width: 12, height: 12, rx: 2, class: "collected" }),
    svg("text", { x: second + 18, y: 0, class: "axis" }, T.collected));
  root.appendChild(legend);
  const wrap = el("div", "chart-scroll");
  wrap.appendChild(root);
  figure.appendChild(wrap);

  const stats = el("dl", "stats");
  const stat = (label, value) => {
    const box = el("div", "stat");
    box.append(el("dt", "", label), el("dd", "", value));
    stats.appendChild(box);
  };
  stat(T.booked_value, money(total ? total.revenue : "0", currency, LANG));
  stat(T.collected, money(total ? total.collected : "0", currency, LANG));
  stat(T.refunded, money(total ? total.refunded : "0", currency, LANG));
  stat(T.bookings, total ? total.bookings : "0");
  figure.appendChild(stats);
  if (modes.length) {
    const line = el("p", "modes");
    line.textContent = modes
      .map((mode) => `${T.by_mode[mode.key] || mode.label}: ${money(mode.revenue, currency, LANG)}`)
      .join(" · ");
    figure.appendChild(line);
  }

  if (courts.length) {
    const table = el("table", "mini");
    const head = table.createTHead().insertRow();
    for (const text of [T.kind.revenue, T.bookings, T.booked_value, T.collected]) {
      const th = el("th", "", text);
      th.scope = "col";
      head.appendChild(th);
    }
    head.cells[0].textContent = "";
    head.cells[0].appendChild(el("span", "sr-only", T.kind.revenue));
    const body = table.createTBody();
    const top = Math.max(1, ...courts.map((c) => Number(c.revenue)));
    for (const c of courts) {
      const tr = body.insertRow();
      const th = el("th", "", c.label);
      th.scope = "row";
      tr.appendChild(th);
      tr.insertCell().textContent = c.bookings;
      const cell = tr.insertCell();
      const bar = el("span", "inline-bar");
      bar.style.setProperty("--w", `${(Number(c.revenue) / top) * 100}%`);
      cell.append(bar, document.createTextNode(money(c.revenue, currency, LANG)));
      tr.insertCell().textContent = money(c.collected, currency, LANG);
    }
    figure.appendChild(table);
  }
  figure.appendChild(el("figcaption", "caption", `${title}. ${desc}`));
  return figure;
}

const Reports = (() => {
  const current = {};          // kind -> {id, status, progress, params, url}
  const early = new Map();     // report id -> latest event data (events may beat the POST answer)
  const pollTimers = {};

  const box = (kind) => $(`report-${kind}`);

  function show(kind) {
    const r = current[kind];
    const article = box(kind);
    article.hidden = false;
    const bar = article.querySelector(".progress");
    const percent = r.status === "ready" ? 100 : Math.max(0, Math.min(100, r.progress || 0));
    bar.setAttribute("aria-valuenow", String(percent));
    bar.setAttribute("aria-label", fmt(T.report_progress, { kind: T.kind[kind] }));
    bar.querySelector("span").style.width = `${percent}%`;
    bar.dataset.state = r.status;
    const state = article.querySelector(".report-state");
    state.textContent = r.status === "ready" ? fmt(T.report_ready, { rows: r.rows ?? "" })
      : r.status === "failed" ? T.report_failed
        : r.status === "running" ? fmt(T.report_running, { percent }) : T.report_queued;
    article.querySelector(".progress-row").classList.toggle("done", r.status === "ready");
  }

  function apply(kind, data) {
    const r = current[kind];
    if (!r || data.report !== r.id || r.status === "ready") return;
    r.status = data.status;
    r.progress = Math.max(r.progress || 0, data.progress || 0);
    if (data.rows !== undefined) r.rows = data.rows;
    show(kind);
    if (r.status === "ready") finish(kind);
  }

  const seen = {};              // report id -> event types received, in order (for the browser tests)

  function onEvent(msg) {
    const d = msg.data || {};
    (seen[d.report] = seen[d.report] || []).push(msg.type);
    early.set(d.report, d);
    if (early.size > 50) early.delete(early.keys().next().value);
    for (const kind of Object.keys(current)) {
      if (current[kind].id === d.report) {
        apply(kind, d);
        if (msg.type === "report.ready") announce(`${T.kind[kind]}: ${fmt(T.report_ready, { rows: d.rows ?? "" })}`);
        if (msg.type === "report.failed") announce(`${T.kind[kind]}: ${T.report_failed}`);
      }
    }
  }

  async function finish(kind) {
    const r = current[kind];
    const article = box(kind);
    try {
      const response = await api("GET", `reports/${r.id}/download/`, undefined, { raw: true });
      const text = await response.text();
      if (current[kind] !== r) return; // another report was requested meanwhile
      const figure = article.querySelector(".chart");
      figure.textContent = "";
      figure.appendChild(kind === "occupancy" ? drawHeatmap(text, r.params) : drawRevenue(text, r.params));
      const link = article.querySelector(".download");
      if (r.url) URL.revokeObjectURL(r.url);
      r.url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = /filename="([^"]+)"/.exec(disposition);
      link.href = r.url;
      link.download = match ? match[1] : `padelyzer-${kind}.csv`;
      link.hidden = false;
    } catch (err) {
      article.querySelector(".report-state").textContent = err.message;
    }
  }

  // Events are the way progress arrives; a slow poll covers a socket that was down meanwhile.
  function watch(kind) {
    clearTimeout(pollTimers[kind]);
    pollTimers[kind] = setTimeout(async () => {
      const r = current[kind];
      if (!r || r.status === "ready" || r.status === "failed") return;
      try {
        const envelope = await api("GET", `reports/${r.id}/`);
        apply(kind, { report: envelope.data.id, ...envelope.data });
      } catch {
        /* next round */
      }
      watch(kind);
    }, 10000);
  }

  async function request(event) {
    event.preventDefault();
    const kind = (event.submitter && event.submitter.value) || "occupancy";
    const from = $("report-from").value;
    const to = $("report-to").value;
    $("report-error").textContent = "";
    const days = from && to ? Math.round((Date.parse(to) - Date.parse(from)) / 86400000) + 1 : 0;
    if (!from || !to || days < 1 || days > config.max_report_days) {
      $("report-error").textContent = fmt(T.report_bad_range, { days: config.max_report_days });
      return;
    }
    const buttons = event.target.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const envelope = await api("POST", "reports/", { club: config.id, kind, date_from: from, date_to: to });
      const data = envelope.data;
      const previous = current[kind];
      if (previous && previous.url) URL.revokeObjectURL(previous.url);
      current[kind] = { id: data.id, status: data.status, progress: data.progress, rows: data.rows,
        params: { date_from: data.date_from, date_to: data.date_to } };
      const article = box(kind);
      article.querySelector(".chart").textContent = "";
      article.querySelector(".download").hidden = true;
      show(kind);
      if (data.status === "ready") finish(kind); // built already (eager mode, or the same report ran)
      else if (early.has(data.id)) apply(kind, early.get(data.id));
      watch(kind);
      article.scrollIntoView({ block: "nearest" });
    } catch (err) {
      $("report-error").textContent = err.message;
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  // After a snapshot (a resync skipped events): ask where each unfinished report is.
  function recheck() {
    for (const kind of Object.keys(current)) if (current[kind].status !== "ready") watch(kind);
  }

  return { onEvent, request, recheck, current, seen };
})();

// ---------- account and screens ----------

const screens = staffScreens({ contentId: "board", T });
const { showGate, showDenied, renderAccount } = screens;

function showBoard() {
  screens.showContent();
  renderCourtOptions();
}

function resetState() {
  day = null;
  rows = new Map();
  blocks = new Map();
  owed = new Map();
  matches = [];
  feed = [];
  renderFeed();
}

function signedOut(message = "") {
  if (stream) stream.stop();
  setAuth(null);
  resetState();
  showGate(message);
}

function begin() {
  if (!auth()) {
    showGate();
    return;
  }
  renderAccount();
  $("gate").hidden = true;
  $("denied").hidden = true;
  startStream();
}

// ---------- wiring ----------

screens.wire({ login, logout, begin, signedOut });
$("show-inactive").addEventListener("change", renderAll);
$("block-form").addEventListener("submit", createBlock);
$("report-form").addEventListener("submit", Reports.request);
$("today-label").textContent = longDate(shownDate);

// Time passes: actions open (check-in, no-show), the now line moves, blocks end; at the club's
// midnight the dashboard moves to the new day with a fresh snapshot.
setInterval(() => {
  const today = clubDate(new Date(), tz);
  if (today !== shownDate && stream && auth()) {
    shownDate = today;
    $("today-label").textContent = longDate(shownDate);
    $("block-date").min = today;
    if ($("block-date").value < today) $("block-date").value = today;
    stream.resume(null, { date: shownDate });
    return;
  }
  if (day) {
    renderAll();
    renderBlocks();
  }
}, 30000);

// for debugging and the browser tests
window.padelyzerStaff = {
  stream, get day() { return day; }, get rows() { return rows; }, reports: Reports.current, reportEvents: Reports.seen,
};
renderFeed();
defaultBlockTimes();
begin();
