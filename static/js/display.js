// Club TV board: today's courts, now/next with minutes left, kept live by the club stream with
// the screen's display key. Built to run unattended all night: it reconnects on its own, resumes
// from the last seq it applied, and moves to the next day at the club's midnight.
import { LiveStream, bindBadge, State } from "./live.js";
import { BUSY, ageSlots, applyClubEvent, clubDate, hhmm, nowNext } from "./club_state.js";
import { $, LANG, readJson } from "./dom.js";
import { fmt } from "./format.js";

const config = readJson("club-config");
const T = readJson("strings");
const displayKey = readJson("display-key");
const TZ = config.timezone;

let avail = readJson("initial");
let boardDate = avail.date;
let reconnectingSince = null;
let deniedRetry = null;

const badge = bindBadge($("live-badge"), T.states);

const stream = new LiveStream(config.stream, {
  params: { display_key: displayKey, date: boardDate },
  since: avail.seq, // the page came with a snapshot: resume right after it
  onState: (state) => {
    badge(state);
    if (state === State.LIVE) {
      reconnectingSince = null;
      hideNotice();
    } else if (state === State.RECONNECTING && reconnectingSince === null) {
      reconnectingSince = Date.now();
    }
  },
  onSnapshot: (data) => {
    if (!data || data.date !== boardDate) return;
    avail = data;
    renderBoard();
  },
  onEvent: (msg) => {
    const result = applyClubEvent(avail, msg);
    if (result.refetch) {
      stream.resume(null, { date: boardDate }); // grid changed shape: take a fresh snapshot
      return;
    }
    const courts = new Set(result.changed.map((c) => c.court));
    for (const court of courts) renderCourt(court, result.changed.filter((c) => c.court === court).map((c) => c.slot));
  },
  onDenied: (code) => {
    showNotice(code === 4401 ? T.revoked : T.denied, false);
    // A refusal is final for these credentials, but a screen must not need a person to recover
    // from a mistaken one: try again now and then.
    clearTimeout(deniedRetry);
    deniedRetry = setTimeout(() => stream.resume(stream.lastSeq, { date: boardDate }), 5 * 60 * 1000);
  },
});

function showNotice(text, soft) {
  const el = $("notice");
  el.textContent = text;
  el.classList.toggle("soft", soft);
  el.hidden = false;
}

function hideNotice() {
  $("notice").hidden = true;
}

// ---------- rendering ----------

// Only the part of the day the club is open anywhere: closed hours waste a TV's width.
function openRange() {
  const slots = avail.courts.length ? avail.courts[0].slots : [];
  let first = -1;
  let last = -1;
  slots.forEach((_, i) => {
    if (avail.courts.some((c) => c.slots[i] && c.slots[i].status !== "closed")) {
      if (first < 0) first = i;
      last = i;
    }
  });
  return first < 0 ? [0, slots.length - 1] : [first, last];
}

function renderHours(first, last) {
  const hours = $("hours");
  hours.textContent = "";
  const count = last - first + 1;
  hours.style.gridTemplateColumns = `repeat(${count}, 1fr)`;
  const slots = avail.courts.length ? avail.courts[0].slots : [];
  const perHour = Math.max(1, Math.round(60 / avail.slot_minutes));
  // Label every hour when there is room for "10:00", else every 2nd or 3rd hour.
  const hourPx = (hours.clientWidth || 600) / Math.max(1, count / perHour);
  const fontPx = parseFloat(getComputedStyle(hours).fontSize) || 16;
  const stride = Math.max(1, Math.ceil((fontPx * 3.4) / hourPx));
  for (let i = first; i <= last; i += 1) {
    const time = hhmm(slots[i].start, TZ);
    if (time.slice(3) !== "00" || Number(time.slice(0, 2)) % stride) continue;
    const label = document.createElement("span");
    label.textContent = time;
    label.style.gridColumn = `${i - first + 1} / span ${Math.min(perHour * stride, last - i + 1)}`;
    hours.appendChild(label);
  }
}

function statusWord(status) {
  if (status === "booked") return T.in_play;
  return T.statuses[status] || status;
}

/** A "now" or "next" cell: a big line and a small one under it. */
function cellParts(kind) {
  const cell = document.createElement("div");
  cell.className = `cell ${kind}`;
  const big = document.createElement("span");
  big.className = "big";
  const small = document.createElement("span");
  small.className = "small";
  return { cell, big, small };
}

function nowCell(court, now) {
  const { current, next, minutesLeft } = nowNext(court, now);
  const { cell, big, small } = cellParts("now");
  if (!current || current.status === "closed") {
    cell.dataset.status = "none";
    big.textContent = T.closed_now;
    const opens = court.slots.find((s) => Date.parse(s.start) > now && s.status !== "closed");
    small.textContent = opens ? fmt(T.opens_at, { time: hhmm(opens.start, TZ) }) : "";
  } else if (BUSY.has(current.status)) {
    cell.dataset.status = current.status;
    big.textContent = statusWord(current.status);
    small.textContent = `${fmt(T.until, { time: hhmm(current.end, TZ) })} · ${fmt(T.min_left, { n: minutesLeft })}`;
  } else {
    cell.dataset.status = "free";
    big.textContent = T.statuses.free;
    const restOfDay = !next && !court.slots.some((s) => Date.parse(s.start) >= Date.parse(current.end) && s.status !== "closed");
    small.textContent = restOfDay ? T.free_rest : `${fmt(T.until, { time: hhmm(current.end, TZ) })} · ${fmt(T.free_for, { n: minutesLeft })}`;
  }
  cell.append(big, small);
  return cell;
}

function nextCell(court, now) {
  const { next } = nowNext(court, now);
  const { cell, big, small } = cellParts("next");
  if (next) {
    cell.dataset.status = next.status;
    big.textContent = `${hhmm(next.start, TZ)}–${hhmm(next.end, TZ)}`;
    small.textContent = T.statuses[next.status];
  } else {
    cell.dataset.status = "none";
    big.textContent = "—";
    small.textContent = T.nothing_next;
  }
  cell.append(big, small);
  return cell;
}

function strip(court, first, last, now, changed = []) {
  const el = document.createElement("div");
  el.className = "strip";
  el.style.gridTemplateColumns = `repeat(${last - first + 1}, 1fr)`;
  for (let i = first; i <= last; i += 1) {
    const slot = court.slots[i];
    const cell = document.createElement("i");
    cell.dataset.court = court.id;
    cell.dataset.start = slot.start;
    cell.dataset.status = slot.status;
    cell.title = `${hhmm(slot.start, TZ)} ${T.statuses[slot.status]}`;
    if (changed.includes(slot)) cell.classList.add("changed");
    if (Date.parse(slot.end) <= now) cell.classList.add("gone");
    el.appendChild(cell);
  }
  const dayStart = Date.parse(court.slots[first].start);
  const dayEnd = Date.parse(court.slots[last].end);
  if (now >= dayStart && now < dayEnd) {
    const line = document.createElement("span");
    line.className = "now-line";
    line.style.left = `${((now - dayStart) / (dayEnd - dayStart)) * 100}%`;
    el.appendChild(line);
  }
  return el;
}

function courtRow(court, range, now, changed) {
  const row = document.createElement("section");
  row.className = "row court";
  row.dataset.court = court.id;
  row.setAttribute("aria-label", court.name);
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = court.name;
  row.append(name, nowCell(court, now), nextCell(court, now), strip(court, range[0], range[1], now, changed));
  return row;
}

let range = [0, 0];

function renderBoard() {
  const now = Date.now();
  ageSlots(avail, now);
  const courts = $("courts");
  courts.textContent = "";
  const dateText = new Intl.DateTimeFormat(LANG, {
    weekday: "long", day: "numeric", month: "long", timeZone: "UTC",
  }).format(new Date(`${boardDate}T12:00:00Z`));
  $("board-date").textContent = dateText.charAt(0).toUpperCase() + dateText.slice(1);
  // Few courts: rows of a readable height, not stretched over the whole screen.
  courts.style.gridAutoRows = avail.courts.length >= 4 ? "minmax(0, 1fr)" : "minmax(0, 22vh)";
  if (!avail.courts.length) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = T.no_courts;
    courts.appendChild(p);
    $("hours").textContent = "";
    return;
  }
  range = openRange();
  renderHours(range[0], range[1]);
  for (const court of avail.courts) courts.appendChild(courtRow(court, range, now));
}

function renderCourt(court, changed = []) {
  const old = $("courts").querySelector(`[data-court="${court.id}"]`);
  if (!old) {
    renderBoard();
    return;
  }
  old.replaceWith(courtRow(court, range, Date.now(), changed));
}

// ---------- time ----------

function tick() {
  const now = new Date();
  $("clock").textContent = hhmm(now, TZ);
  const today = clubDate(now, config.timezone);
  if (today !== boardDate) {
    // Club midnight: show the new day from a fresh snapshot.
    boardDate = today;
    stream.resume(null, { date: boardDate });
  }
  if (reconnectingSince !== null && Date.now() - reconnectingSince > 10000 && $("notice").hidden) {
    showNotice(T.reconnecting_note, true);
  }
}

function refreshTimes() {
  const now = Date.now();
  ageSlots(avail, now);
  for (const court of avail.courts) renderCourt(court);
}

window.padelyzer = { stream, get avail() { return avail; } }; // for debugging and the browser tests
renderBoard();
tick();
setInterval(tick, 1000);
setInterval(refreshTimes, 15000);
stream.start();
