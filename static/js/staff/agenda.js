// Bookings today and the desk's actions on them: check in, no-show, mark paid, refund given.
import { hhmm, money } from "../club_state.js";
import { $, LANG, el } from "../dom.js";
import { fmt } from "../format.js";
import { ACTIVE, S, T, api, config, courtName, isDue, ms, owesRefund, paymentWord, playerName, stateClass, statusWord } from "./context.js";
import { renderAll } from "./timeline.js";

export function focusRow(id) {
  const tr = document.querySelector(`[data-key="row:${CSS.escape(id)}"]`);
  if (!tr) return;
  const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
  tr.scrollIntoView({ block: "center", behavior: still ? "auto" : "smooth" });
  tr.focus({ preventScroll: true });
  tr.classList.remove("flash");
  void tr.offsetWidth; // restart the animation
  tr.classList.add("flash");
}

export function actionButton(kind, row, label, className, handler) {
  const button = el("button", className, label);
  button.type = "button";
  button.dataset.key = `${kind}:${row.id}`;
  button.dataset.row = row.id;
  button.setAttribute("aria-label", fmt(T.action_label, {
    action: label, player: playerName(row), court: courtName(row.court), start: hhmm(row.start, S.tz),
  }));
  button.disabled = S.deskBusy.has(row.id);
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

export function renderAgenda() {
  const body = $("agenda").tBodies[0];
  body.textContent = "";
  const showAll = $("show-inactive").checked;
  const list = [...S.rows.values()]
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
    const time = el("th", "when", `${hhmm(row.start, S.tz)}–${hhmm(row.end, S.tz)}`);
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

// ---------- desk actions ----------

function deskMessage(text, error = false) {
  const box = $("desk-msg");
  box.textContent = text;
  box.classList.toggle("error", error);
}

async function deskCall(row, path, done) {
  S.deskBusy.add(row.id);
  renderAll();
  try {
    await api("POST", `reservations/reservations/${row.id}/${path}/`, path === "mark-paid" ? {} : undefined);
    deskMessage(done);
  } catch (err) {
    deskMessage(err.message, true);
  } finally {
    S.deskBusy.delete(row.id);
    renderAll(); // the stream event updates the row itself (it may already have)
  }
}

function checkIn(row) {
  return deskCall(row, "check-in", fmt(T.done_check_in, { player: playerName(row) }));
}

function noShow(row) {
  const values = { player: playerName(row), court: courtName(row.court), start: hhmm(row.start, S.tz) };
  if (!window.confirm(fmt(T.confirm_no_show, values))) return null;
  return deskCall(row, "no-show", fmt(T.done_no_show, values));
}

export function markPaid(row) {
  const amount = money(row.payment.amount_due, row.currency, LANG);
  if (!window.confirm(fmt(T.confirm_paid, { amount, player: playerName(row) }))) return null;
  return deskCall(row, "mark-paid", fmt(T.done_paid, { amount, player: playerName(row) }));
}

export function refundGiven(row) {
  const amount = money(row.payment.refund.amount, row.currency, LANG);
  if (!window.confirm(fmt(T.confirm_refund, { amount, player: playerName(row) }))) return null;
  return deskCall(row, "refund-at-desk", fmt(T.done_refund, { amount, player: playerName(row) }));
}
