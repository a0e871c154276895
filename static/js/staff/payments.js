// Payments: what is due at the desk today, refunds the desk owes for bookings of any date, and
// the live feed of payment events.
import { listAll } from "../api.js";
import { clubDate, hhmm, money } from "../club_state.js";
import { $, LANG, el } from "../dom.js";
import { fmt } from "../format.js";
import { actionButton, markPaid, refundGiven } from "./agenda.js";
import { FEED_MAX, S, T, api, config, courtName, isDue, keepFocus, ms, onShownDay, owesRefund, playerName, shortDate } from "./context.js";

export function onPaymentEvent(msg) {
  const d = msg.data;
  if (d.refund_status && d.refund_status !== "pending") {
    S.owed.delete(d.reservation);
    S.owedGone.add(d.reservation);
  }
  const row = S.rows.get(d.reservation);
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
  S.feed.unshift({ seq: msg.seq, type: msg.type, ts: msg.ts, data: d });
  S.feed = S.feed.slice(0, FEED_MAX);
  renderFeedItem(S.feed[0], true);
}

// Refunds owed at the desk for bookings of any date (a player cancels days ahead and comes by
// later): loaded with each snapshot, then kept by reservation.cancelled and payment.* events.
export async function loadOwed() {
  let found;
  S.owedGone = new Set();
  S.owedAdded = new Set();
  try {
    found = await listAll(api, `reservations/reservations/?club=${config.id}&refund_status=pending`
      + "&payment_mode=pay_at_club&page_size=100", 10);
  } catch {
    return; // the next snapshot tries again; today's rows still show their own refunds
  }
  // The answer is the truth as of its read: rebuild, keeping what events added meanwhile and
  // leaving out what they settled.
  const fresh = new Map(found.filter((r) => !S.owedGone.has(r.id)).map((r) => [r.id, r]));
  for (const [id, r] of S.owed) if (S.owedAdded.has(id) && !fresh.has(id)) fresh.set(id, r);
  S.owed = fresh;
  keepFocus(renderDue);
}

export function renderDue() {
  const list = $("due-list");
  list.textContent = "";
  const listed = new Map([...S.owed.values()].filter(owesRefund).map((r) => [r.id, r]));
  for (const r of S.rows.values()) if (isDue(r) || owesRefund(r)) listed.set(r.id, r); // the live row wins
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
    const when = onDay ? hhmm(row.start, S.tz) : `${shortDate(clubDate(new Date(row.start), S.tz))} ${hhmm(row.start, S.tz)}`;
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
    player: d.player ? d.player.name : "", court: courtName(d.court), start: d.start ? hhmm(d.start, S.tz) : "",
  }));
  const when = el("time", "feed-time", item.ts ? hhmm(item.ts, S.tz) : "");
  if (item.ts) when.dateTime = item.ts;
  li.append(top, line, when);
  list.prepend(li);
  while (list.children.length > FEED_MAX) list.lastElementChild.remove();
}

export function renderFeed() {
  const list = $("feed");
  list.textContent = "";
  if (!S.feed.length) list.appendChild(el("li", "muted empty", T.feed_empty));
  for (const item of [...S.feed].reverse()) renderFeedItem(item, false);
}
