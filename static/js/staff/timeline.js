// Today at a glance: the tiles and the courts' timeline (bookings, closed and blocked stretches,
// tournament matches, the now line). `renderAll` redraws every panel fed by the day's rows.
import { hhmm, money, runs, sumMoney } from "../club_state.js";
import { $, LANG, el } from "../dom.js";
import { fmt } from "../format.js";
import { focusRow, renderAgenda } from "./agenda.js";
import { ACTIVE, S, T, config, courtName, dayBounds, isDue, keepFocus, ms, paymentWord, playerName, stateClass, statusWord } from "./context.js";
import { renderDue } from "./payments.js";

export function renderAll() {
  keepFocus(() => {
    renderTiles();
    renderTimeline();
    renderAgenda();
    renderDue();
  });
}

function renderTiles() {
  const list = [...S.rows.values()];
  const active = list.filter((r) => ACTIVE.has(r.status));
  const currency = S.day ? S.day.currency || config.currency : config.currency;
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
  for (const court of S.day.courts) {
    for (const slot of court.slots) {
      if (slot.status === "closed") continue;
      from = Math.min(from, ms(slot.start));
      to = Math.max(to, ms(slot.end));
    }
  }
  for (const row of S.rows.values()) { // a booking outside today's hours (hours changed) still shows
    if (!ACTIVE.has(row.status)) continue;
    from = Math.min(from, ms(row.start));
    to = Math.max(to, ms(row.end));
  }
  if (!Number.isFinite(from)) [from, to] = dayBounds();
  const [dayFrom, dayTo] = dayBounds();
  return [Math.max(from, dayFrom), Math.min(to, dayTo)];
}

function reservationLabel(row) {
  return fmt(T.reservation_label, {
    player: playerName(row), court: courtName(row.court), start: hhmm(row.start, S.tz), end: hhmm(row.end, S.tz),
    status: statusWord(row), payment: paymentWord(row),
  });
}

export function renderTimeline() {
  const box = $("timeline");
  if (!S.day) return;
  box.textContent = "";
  if (!S.day.courts.length) {
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
    const label = el("span", "tl-hour", hhmm(t, S.tz));
    label.style.left = pct(t);
    if (t - from < 1800000) label.classList.add("first"); // keep the edge labels inside the track
    else if (to - t < 1800000) label.classList.add("last");
    scale.appendChild(label);
  }
  head.appendChild(scale);
  box.appendChild(head);

  const now = Date.now();
  const list = [...S.rows.values()].filter((r) => ACTIVE.has(r.status)).sort((a, b) => ms(a.start) - ms(b.start));
  for (const court of S.day.courts) {
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
        const isMatch = S.matches.some((m) => m.court && m.court.id === court.id
          && ms(m.start) < ms(run.end) && ms(run.start) < ms(m.end));
        const label = isMatch ? T.tournament_block : T.maintenance;
        shade.textContent = label;
        shade.title = `${label} ${hhmm(run.start, S.tz)}–${hhmm(run.end, S.tz)}`;
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
      const meta = el("span", "tl-meta", `${hhmm(r.start, S.tz)}–${hhmm(r.end, S.tz)}`);
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
