// The staff stream: its snapshot replaces the day, its events are applied once each (live.js);
// the REST list of the day's reservations fills what the snapshot lacks (payment, check-in time).
// A REST answer can be older than an event already applied, so it only fills a row's fields that
// no event has set since the snapshot (see mergeDetails).
import { LiveStream } from "../live.js";
import { auth, listAll } from "../api.js";
import { REFETCH_EVENTS, applyClubEvent, hhmm, sumMoney } from "../club_state.js";
import { $, announce } from "../dom.js";
import { fmt } from "../format.js";
import { S, T, api, badge, config, courtName, hooks, onShownDay, refreshAccess, rowFromSnapshot, statusWord } from "./context.js";
import { loadBlocks, onBlockEvent } from "./maintenance.js";
import { loadMatches } from "./matches.js";
import { loadOwed, onPaymentEvent } from "./payments.js";
import { Reports } from "./reports.js";
import { renderAll } from "./timeline.js";

export function startStream() {
  const a = auth();
  const params = { token: a.access, date: S.shownDate };
  if (!S.stream) {
    S.stream = new LiveStream(config.stream, {
      params,
      onState: (state) => badge(state),
      onSnapshot,
      onEvent,
      onDenied,
    });
    window.padelyzerStaff.stream = S.stream;
  }
  S.stream.resume(null, params);
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
    if (fresh) S.stream.resume(S.stream.lastSeq, { token: fresh.access });
    else hooks.signedOut(T.session_expired);
    return;
  }
  hooks.showDenied();
}

function onSnapshot(data, msg) {
  if (!data || data.date !== S.shownDate) return;
  S.day = data;
  S.tz = data.timezone || S.tz;
  S.snapshotSeq = msg.seq;
  S.rows = new Map((data.reservations || []).map((r) => [r.id, rowFromSnapshot(r)]));
  hooks.showBoard();
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
    S.stream.resume(null, { date: S.shownDate }); // hours, courts or prices changed: fresh snapshot
    return;
  }
  if (msg.type.startsWith("report.")) {
    Reports.onEvent(msg);
    return;
  }
  if (!S.day) return;
  if (msg.type.startsWith("reservation.") || msg.type.startsWith("court.")) applyClubEvent(S.day, msg);
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
    S.owed.delete(d.id);
    S.owedGone.add(d.id);
  }
  // Whatever the day shown: the desk owes this refund until it is handed back.
  if (msg.type === "reservation.cancelled" && d.refund && d.refund.status === "pending"
      && d.payment_mode === "pay_at_club") {
    S.owedAdded.add(d.id);
    S.owed.set(d.id, {
      id: d.id, court: d.court, start: d.start, end: d.end, status: d.status, player: d.player,
      price: d.price, currency: d.currency,
      payment: { mode: "pay_at_club", refund: { amount: d.refund.amount, status: "pending" } },
    });
  }
  let row = S.rows.get(d.id);
  const values = {
    player: d.player ? d.player.name : "", court: courtName(d.court), start: hhmm(d.start, S.tz), end: hhmm(d.end, S.tz),
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
    S.rows.set(d.id, row);
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

function onCheckinEvent(msg) {
  const d = msg.data;
  const row = S.rows.get(d.reservation);
  if (row) {
    row.touched = msg.seq;
    row.status = d.status;
    row.checked_in_at = d.checked_in_at;
  }
  const values = { player: d.player ? d.player.name : "", court: courtName(d.court), start: hhmm(d.start, S.tz) };
  announce(fmt(msg.type === "checkin.no_show" ? T.no_show_event : T.checked_in_event, values));
}

// ---------- REST details ----------

async function loadDetails(seqAtStart) {
  const round = ++S.loadRound;
  let found;
  try {
    found = await listAll(api, `reservations/reservations/?club=${config.id}&date=${S.shownDate}&page_size=100`, 20);
  } catch (err) {
    if (round === S.loadRound) setTimeout(() => { if (round === S.loadRound) loadDetails(seqAtStart); }, 4000);
    return;
  }
  if (round !== S.loadRound) return; // a newer snapshot started its own load
  mergeDetails(found, seqAtStart);
  renderAll();
}

function mergeDetails(list, seqAtStart) {
  for (const r of list) {
    const row = S.rows.get(r.id);
    if (!row) continue; // created after the snapshot: its event brings it
    const fresh = row.touched <= seqAtStart; // no event since the snapshot: the answer is as new
    if (fresh || row.payment === undefined) row.payment = r.payment;
    if (fresh || row.checked_in_at === undefined) row.checked_in_at = r.checked_in_at;
  }
  // Rows the list did not return (a booking that began the day before): nothing to fill.
  for (const row of S.rows.values()) if (row.checked_in_at === undefined) row.checked_in_at = null;
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
