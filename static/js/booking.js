// The player's booking page: availability grid with prices, sign in, book, cancel; slots flip
// live from the club stream (live.js). Every error shown comes from the API envelope's message.
import { LiveStream, bindBadge } from "./live.js";
import { auth, createApi, listAll } from "./api.js";
import { createInbox } from "./inbox.js";
import {
  applyClubEvent, ageSlots, bookableRun, clubDate, hhmm, money, sumMoney,
} from "./club_state.js";
import { $, LANG, announce, readJson } from "./dom.js";
import { fmt } from "./format.js";

const config = readJson("club-config");
const T = readJson("strings");
const TZ = config.timezone;

// ---------- API ----------

// Signed-in calls refresh the access token once on 401; if that fails the page shows signed out.
const { rawApi, api, refreshAccess, login, logout } = createApi({
  networkError: T.network_error,
  onExpired: () => renderAccount(),
});

// ---------- state ----------

const validDay = (day) => /^\d{4}-\d{2}-\d{2}$/.test(day || "") && day >= config.today && day <= config.last_day;
const askedDay = new URLSearchParams(location.search).get("date");

let avail = null;          // the availability answer for the shown date, kept current by events
let shownDate = validDay(askedDay) ? askedDay : config.today;
let selection = null;      // {courtId, index, minutes}
let myBookings = [];
let loadToken = 0;

const badge = bindBadge($("live-badge"), T.states);
const inbox = createInbox({
  api, refreshAccess, T, lang: LANG, timeZone: TZ, announce,
});
const stream = new LiveStream(config.stream, {
  params: { date: shownDate },
  onState: (state) => badge(state),
  onSnapshot: (data) => {
    if (!data || data.date !== shownDate) return;
    avail = data;
    renderGrid();
  },
  onEvent: (msg) => {
    if (!avail) return;
    const result = applyClubEvent(avail, msg);
    if (result.refetch) {
      loadDate(shownDate);
      return;
    }
    for (const { court, slot } of result.changed) updateCell(court, slot, true);
    if (result.changed.length) {
      const first = result.changed[0];
      announce(fmt(T.now_status, {
        court: first.court.name, start: hhmm(first.slot.start, TZ), status: T.statuses[first.slot.status],
      }));
      refreshChoice();
    }
    trackMine(msg);
  },
});

// ---------- loading ----------

async function loadDate(day) {
  const mine = ++loadToken;
  shownDate = day;
  $("date").value = day;
  const url = new URL(location.href); // a shareable address for this day
  if (day === config.today) url.searchParams.delete("date");
  else url.searchParams.set("date", day);
  history.replaceState(null, "", url);
  $("prev-day").disabled = day <= config.today;
  $("next-day").disabled = day >= config.last_day;
  $("grid-status").textContent = T.loading;
  $("grid-status").hidden = false;
  try {
    const envelope = await rawApi("GET", `reservations/availability/?club=${config.id}&date=${day}`);
    if (mine !== loadToken) return; // a later date was picked meanwhile
    avail = envelope.data;
    $("grid-status").hidden = true;
    clearSelection();
    renderGrid();
    // Subscribe from the snapshot's seq: events after it are replayed, none is missed or doubled.
    stream.resume(avail.seq, { date: day });
  } catch (err) {
    if (mine !== loadToken) return;
    $("grid-status").textContent = err.message || T.load_failed;
    setTimeout(() => { if (mine === loadToken) loadDate(day); }, 3000);
  }
}

// ---------- grid ----------

function slotLabel(court, slot) {
  const price = slot.status === "free" ? money(slot.price, avail.currency || config.currency, LANG) : "";
  return fmt(T.slot_label, {
    court: court.name, start: hhmm(slot.start, TZ), end: hhmm(slot.end, TZ), status: T.statuses[slot.status], price,
  }).replace(/,\s*$/, "");
}

function cellContent(court, slot, index) {
  const free = slot.status === "free";
  const el = document.createElement(free ? "button" : "span");
  el.className = `slot ${slot.status}`;
  el.dataset.court = court.id;
  el.dataset.index = String(index);
  el.dataset.start = slot.start;
  el.dataset.status = slot.status;
  if (free) {
    el.type = "button";
    el.innerHTML = `<span class="price"></span>`;
    el.querySelector(".price").textContent = money(slot.price, avail.currency || config.currency, LANG);
    el.setAttribute("aria-pressed", "false");
    el.addEventListener("click", () => choose(court.id, index));
  } else {
    el.textContent = slot.status === "closed" || slot.status === "past" ? "·" : T.statuses[slot.status];
    el.setAttribute("role", "img");
  }
  el.setAttribute("aria-label", slotLabel(court, slot));
  return el;
}

function renderGrid() {
  const table = $("grid");
  const focused = document.activeElement && document.activeElement.dataset
    ? { court: document.activeElement.dataset.court, index: document.activeElement.dataset.index } : null;
  table.textContent = "";
  if (!avail || !avail.courts.length) {
    $("grid-status").textContent = T.no_courts;
    $("grid-status").hidden = false;
    table.hidden = true;
    return;
  }
  const thead = table.createTHead();
  const headRow = thead.insertRow();
  const corner = document.createElement("th");
  corner.scope = "col";
  corner.innerHTML = '<span class="sr-only"></span>';
  corner.firstChild.textContent = T.time;
  headRow.appendChild(corner);
  for (const court of avail.courts) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = court.name;
    headRow.appendChild(th);
  }
  const body = table.createTBody();
  const times = avail.courts[0].slots;
  times.forEach((timeSlot, index) => {
    const row = body.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = hhmm(timeSlot.start, TZ);
    row.appendChild(th);
    for (const court of avail.courts) {
      const td = row.insertCell();
      const slot = court.slots[index];
      if (slot) td.appendChild(cellContent(court, slot, index));
    }
  });
  // rows that are closed for every court add nothing: hide them
  [...body.rows].forEach((row, index) => {
    row.hidden = avail.courts.every((c) => !c.slots[index] || c.slots[index].status === "closed");
  });
  table.hidden = false;
  markChoice();
  if (focused && focused.court) {
    const again = table.querySelector(`[data-court="${focused.court}"][data-index="${focused.index}"]`);
    if (again && again.tagName === "BUTTON") again.focus();
  }
}

function updateCell(court, slot, flash) {
  const index = court.slots.indexOf(slot);
  const old = $("grid").querySelector(`[data-court="${court.id}"][data-index="${index}"]`);
  if (!old) return;
  const hadFocus = document.activeElement === old;
  const fresh = cellContent(court, slot, index);
  if (flash) fresh.classList.add("flash");
  old.replaceWith(fresh);
  if (hadFocus) (fresh.tagName === "BUTTON" ? fresh : $("grid-wrap")).focus();
  markChoice();
}

// ---------- choosing and booking ----------

function durationsFor(court, index) {
  const step = avail.slot_minutes;
  const out = [];
  for (let minutes = config.min_duration; minutes <= config.max_duration; minutes += step) {
    const slots = bookableRun(court, index, minutes / step);
    if (slots) out.push({ minutes, slots });
  }
  return out;
}

function choose(courtId, index) {
  const court = avail.courts.find((c) => c.id === courtId);
  const options = durationsFor(court, index);
  const keep = selection && selection.courtId === courtId && selection.index === index ? selection.minutes : null;
  const minutes = options.some((o) => o.minutes === keep) ? keep : options.length ? options[0].minutes : null;
  selection = { courtId, index, minutes };
  $("panel-ok").textContent = "";
  $("panel-error").textContent = "";
  renderChoice();
  if (!auth()) $("email").focus();
  else if (options.length) $("duration-options").querySelector("input:checked")?.focus();
}

function clearSelection() {
  selection = null;
  renderChoice();
}

function markChoice() {
  for (const el of $("grid").querySelectorAll(".slot.selected, .slot.in-choice")) {
    el.classList.remove("selected", "in-choice");
    if (el.tagName === "BUTTON") el.setAttribute("aria-pressed", "false");
  }
  if (!selection) return;
  const count = (selection.minutes || avail.slot_minutes) / avail.slot_minutes;
  for (let i = 0; i < count; i += 1) {
    const el = $("grid").querySelector(`[data-court="${selection.courtId}"][data-index="${selection.index + i}"]`);
    if (!el || el.dataset.status !== "free") continue;
    el.classList.add(i === 0 ? "selected" : "in-choice");
    if (i === 0) el.setAttribute("aria-pressed", "true");
  }
}

function dayLabel(iso) {
  return new Intl.DateTimeFormat(LANG, {
    weekday: "short", day: "numeric", month: "short", timeZone: config.timezone,
  }).format(new Date(iso));
}

function renderChoice() {
  const signedIn = Boolean(auth());
  $("signin").hidden = signedIn || !selection;
  $("choice").hidden = !selection || !signedIn;
  $("panel-hint").hidden = Boolean(selection);
  if (!selection || !avail) return;
  const court = avail.courts.find((c) => c.id === selection.courtId);
  const slot = court && court.slots[selection.index];
  if (!slot) {
    clearSelection();
    return;
  }
  $("choice-summary").textContent = `${court.name} · ${dayLabel(slot.start)} · ${hhmm(slot.start, TZ)}`;
  const options = durationsFor(court, selection.index);
  const box = $("duration-options");
  box.textContent = "";
  for (const option of options) {
    const label = document.createElement("label");
    label.className = "duration";
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "duration";
    input.value = String(option.minutes);
    input.checked = option.minutes === selection.minutes;
    input.addEventListener("change", () => {
      selection.minutes = option.minutes;
      renderChoice();
      markChoice();
    });
    const text = document.createElement("span");
    const end = option.slots[option.slots.length - 1].end;
    text.textContent = `${fmt(T.minutes, { n: option.minutes })} · ${hhmm(slot.start, TZ)}–${hhmm(end, TZ)}`;
    label.append(input, text);
    box.appendChild(label);
  }
  const chosen = options.find((o) => o.minutes === selection.minutes);
  if (!chosen && options.length) selection.minutes = options[0].minutes;
  const pick = options.find((o) => o.minutes === selection.minutes);
  $("durations").hidden = !options.length;
  $("total").textContent = pick ? money(sumMoney(pick.slots.map((s) => s.price)), avail.currency || config.currency, LANG) : "—";
  $("book").disabled = !pick;
  $("book").textContent = fmt(T.book, { court: court.name, start: hhmm(slot.start, TZ) });
  if (!options.length) $("panel-error").textContent = slot.status === "free" ? T.no_duration : T.slot_gone;
  markChoice();
}

// An event may take the chosen slot away while the panel is open.
function refreshChoice() {
  if (!selection) return;
  const court = avail.courts.find((c) => c.id === selection.courtId);
  const slot = court && court.slots[selection.index];
  if (!slot || slot.status !== "free") {
    clearSelection();
    $("panel-error").textContent = T.slot_gone;
    return;
  }
  renderChoice();
}

async function book() {
  if (!selection || !selection.minutes) return;
  const court = avail.courts.find((c) => c.id === selection.courtId);
  const slots = bookableRun(court, selection.index, selection.minutes / avail.slot_minutes);
  $("panel-error").textContent = "";
  $("panel-ok").textContent = "";
  if (!slots) {
    $("panel-error").textContent = T.slot_gone;
    return;
  }
  const button = $("book");
  button.disabled = true;
  try {
    const envelope = await api("POST", "reservations/reservations/", {
      court: court.id, start: slots[0].start, end: slots[slots.length - 1].end,
    });
    const r = envelope.data;
    // Show it at once; the club event that follows is idempotent on the grid.
    applyClubEvent(avail, {
      type: "reservation.created",
      data: { court: r.court, start: r.start, end: r.end, slot_status: r.status === "held" ? "held" : "booked" },
    }).changed.forEach(({ court: c, slot }) => updateCell(c, slot, false));
    myBookings = [r, ...myBookings.filter((b) => b.id !== r.id)];
    renderMine();
    clearSelection();
    $("panel-ok").textContent = fmt(T.booked_ok, {
      court: court.name, day: dayLabel(r.start), start: hhmm(r.start, TZ), end: hhmm(r.end, TZ),
    });
    $("panel-ok").focus(); // the Book button just disappeared: keep keyboard users in place
  } catch (err) {
    $("panel-error").textContent = err.message;
    if (err.status === 409) loadDate(shownDate); // someone else was faster: show the truth
  } finally {
    button.disabled = false;
  }
}

// ---------- account ----------

function renderAccount() {
  const a = auth();
  inbox.start(); // shows and connects the signed-in player's notifications; hides them otherwise
  $("who").hidden = !a;
  $("signout").hidden = !a;
  if (a) $("who").textContent = fmt(T.signed_in_as, { name: a.user.first_name || a.user.email });
  $("mine-signin").hidden = Boolean(a);
  if (!a) {
    myBookings = [];
    renderMine();
  }
  renderChoice();
}

async function signIn(event) {
  event.preventDefault();
  $("panel-error").textContent = "";
  const email = $("email").value.trim();
  const password = $("password").value;
  try {
    await login(email, password);
    $("password").value = "";
    renderAccount();
    loadMine();
    if (selection) $("book").focus();
  } catch (err) {
    $("panel-error").textContent = err.message;
    $("password").focus();
  }
}

async function signOut() {
  await logout();
  renderAccount();
}

// ---------- my bookings ----------

const ACTIVE = new Set(["held", "confirmed"]);

async function loadMine() {
  if (!auth()) return;
  let found;
  try {
    found = await listAll(api, "reservations/reservations/?page_size=100", 10);
  } catch (err) {
    $("panel-error").textContent = err.message;
    return;
  }
  myBookings = found.filter((r) => r.club === config.id);
  renderMine();
}

function courtName(id) {
  const court = avail && avail.courts.find((c) => c.id === id);
  return court ? court.name : "";
}

function renderMine() {
  const list = $("my-list");
  list.textContent = "";
  if (!auth()) return;
  const now = Date.now();
  const upcoming = myBookings
    .filter((r) => ACTIVE.has(r.status) && Date.parse(r.end) > now)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  if (!upcoming.length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = T.no_bookings;
    list.appendChild(li);
    return;
  }
  for (const r of upcoming) {
    const li = document.createElement("li");
    li.dataset.reservation = r.id;
    const when = document.createElement("span");
    when.className = "when";
    when.textContent = `${dayLabel(r.start)} ${hhmm(r.start, TZ)}–${hhmm(r.end, TZ)}`;
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "danger";
    cancel.textContent = T.cancel;
    cancel.setAttribute("aria-label", `${T.cancel}: ${courtName(r.court)} ${when.textContent}`);
    cancel.addEventListener("click", () => cancelBooking(r, cancel));
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = [courtName(r.court), money(r.price, r.currency, LANG), T.status_word[r.status] || r.status]
      .filter(Boolean).join(" · ");
    li.append(when, cancel, meta);
    list.appendChild(li);
  }
}

async function cancelBooking(r, button) {
  if (!window.confirm(T.confirm_cancel)) return;
  button.disabled = true;
  $("panel-error").textContent = "";
  $("panel-ok").textContent = "";
  try {
    const envelope = await api("POST", `reservations/reservations/${r.id}/cancel/`);
    const done = envelope.data;
    myBookings = myBookings.map((b) => (b.id === r.id ? done : b));
    renderMine();
    let text = T.cancelled_ok;
    if (done.refund && done.refund.status !== "none") {
      text += ` ${fmt(T.refund, { amount: money(done.refund.amount, done.refund.currency, LANG), status: done.refund.status })}`;
    }
    $("panel-ok").textContent = text;
  } catch (err) {
    $("panel-error").textContent = err.message;
    button.disabled = false;
  }
}

// Staff may cancel or change my booking: the club stream says so.
function trackMine(msg) {
  const d = msg.data || {};
  const mine = myBookings.find((b) => b.id === d.id);
  if (!mine) return;
  if (msg.type === "reservation.cancelled") {
    mine.status = "cancelled";
    renderMine();
  } else if (msg.type === "reservation.updated") {
    loadMine();
  }
}

// ---------- wiring ----------

function shiftDay(day, delta) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + delta);
  return d.toISOString().slice(0, 10);
}

$("date").addEventListener("change", (e) => {
  const value = e.target.value;
  if (validDay(value)) loadDate(value);
  else e.target.value = shownDate;
});
$("prev-day").addEventListener("click", () => { if (shownDate > config.today) loadDate(shiftDay(shownDate, -1)); });
$("next-day").addEventListener("click", () => { if (shownDate < config.last_day) loadDate(shiftDay(shownDate, 1)); });
$("today").addEventListener("click", () => loadDate(config.today));
$("book").addEventListener("click", book);
$("signin").addEventListener("submit", signIn);
$("signout").addEventListener("click", signOut);

// Time passes: free slots that started become past; at the club's midnight the range moves.
setInterval(() => {
  const today = clubDate(new Date(), config.timezone);
  if (today !== config.today) {
    const horizon = Math.round((Date.parse(config.last_day) - Date.parse(config.today)) / 86400000);
    config.today = today;
    config.last_day = shiftDay(today, horizon);
    $("date").min = config.today;
    $("date").max = config.last_day;
    if (shownDate < today) loadDate(today);
  }
  if (avail) {
    ageSlots(avail).forEach(({ court, slot }) => updateCell(court, slot, false));
    refreshChoice();
  }
  renderMine();
}, 30000);

window.padelyzer = { stream, get avail() { return avail; } }; // for debugging and the browser tests
renderAccount();
loadDate(shownDate); // starts the stream from the snapshot's seq
loadMine();
