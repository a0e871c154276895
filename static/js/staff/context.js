// The staff dashboard's shared ground: its settings and strings, the API client, the one state
// object every panel reads and writes (`S`), and the helpers the panels share (times, names,
// what a row owes, focus kept across re-renders).
import { bindBadge } from "../live.js";
import { createApi } from "../api.js";
import { hhmm, money, zonedInstant } from "../club_state.js";
import { $, LANG, readJson } from "../dom.js";
import { fmt } from "../format.js";

export const config = readJson("staff-config");
export const T = readJson("strings");

export const ACTIVE = new Set(["held", "confirmed", "completed", "no_show"]);
export const DESK_PAYABLE = new Set(["confirmed", "completed", "no_show"]);
export const FEED_MAX = 40;

// What the entry module (static/js/staff.js) owns and the panels call back into.
export const hooks = { signedOut: () => {}, showBoard: () => {}, showDenied: () => {} };

// Signed-in calls refresh the access token once on 401, else back to the sign-in form; offline
// during the refresh keeps the tokens (the desk's connection comes back, the session is still good).
export const { api, refreshAccess, login, logout } = createApi({
  networkError: T.network_error,
  onExpired: () => hooks.signedOut(T.session_expired),
  keepAuthWhenOffline: true,
});

export const badge = bindBadge($("live-badge"), T.states);

// ---------- state ----------

export const S = {
  tz: config.timezone,
  day: null,            // the staff snapshot: availability (courts, slots) + date, kept live
  rows: new Map(),      // reservation id -> row (see rowFromSnapshot)
  blocks: new Map(),    // maintenance block id -> {id, court, start, end, reason}
  owed: new Map(),      // cancelled pay-at-club bookings of any date whose refund the desk owes
  owedGone: new Set(),  // ids settled by an event while the owed list was loading
  owedAdded: new Set(), // ids an event added while it was loading
  matches: [],          // tournament matches on the shown day's courts (REST), in time order
  matchRound: 0,
  movingMatch: null,    // id of the match whose move form is open
  moveDraft: {},        // its court and time as typed, kept across re-renders
  feed: [],             // payment events, newest first
  snapshotSeq: 0,       // stream seq of the last snapshot
  shownDate: config.today,
  loadRound: 0,
  deskBusy: new Set(),  // reservation ids with a desk action in flight
  stream: null,
};

// ---------- time ----------

export const ms = (iso) => Date.parse(iso);

export function shiftDay(day, delta) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + delta);
  return d.toISOString().slice(0, 10);
}

export function longDate(day) {
  return new Intl.DateTimeFormat(LANG, {
    weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
  }).format(new Date(`${day}T12:00:00Z`));
}

export function shortDate(day) {
  return new Intl.DateTimeFormat(LANG, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" })
    .format(new Date(`${day}T12:00:00Z`));
}

// ---------- rows ----------

export function courtOf(id) {
  return S.day && S.day.courts.find((c) => c.id === id);
}

export function courtName(id) {
  const court = courtOf(id);
  return court ? court.name : "";
}

export function dayBounds() {
  return [zonedInstant(S.shownDate, "00:00", S.tz).getTime(), zonedInstant(shiftDay(S.shownDate, 1), "00:00", S.tz).getTime()];
}

export function onShownDay(start, end) {
  const [from, to] = dayBounds();
  return ms(start) < to && from < ms(end);
}

export function rowFromSnapshot(r) {
  // payment and checked_in_at are not in the snapshot: undefined until the REST list fills them
  return { ...r, payment: undefined, checked_in_at: undefined, touched: 0 };
}

export const playerName = (row) => (row.player && (row.player.name || row.player.email)) || "—";

export function isDue(row) {
  return row.payment && row.payment.mode === "pay_at_club" && DESK_PAYABLE.has(row.status)
    && Number(row.payment.amount_due) > 0;
}

// A cancelled pay-at-club booking whose refund the desk still has to hand back.
export function owesRefund(row) {
  return row.payment && row.payment.mode === "pay_at_club" && row.payment.refund
    && row.payment.refund.status === "pending";
}

// ---------- rendering helpers ----------

export function statusWord(row) {
  if (row.status === "confirmed" && row.checked_in_at) return fmt(T.status.checked_in, { time: hhmm(row.checked_in_at, S.tz) });
  return T.status[row.status] || row.status;
}

export function paymentWord(row) {
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

export function stateClass(row) {
  if (row.status === "confirmed" && row.checked_in_at) return "checked";
  return row.status;
}

// Re-rendering replaces elements: put focus back on the element with the same data-key, or on
// the reservation's row when its button went away (the action succeeded).
export function keepFocus(render) {
  const active = document.activeElement;
  const key = active && active.dataset ? active.dataset.key : null;
  const fallback = active && active.dataset ? active.dataset.row : null;
  render();
  if (!key) return;
  const again = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (again && !again.disabled) again.focus(); // a disabled button (action in flight) cannot hold focus
  else if (fallback) document.querySelector(`[data-key="row:${CSS.escape(fallback)}"]`)?.focus();
}
