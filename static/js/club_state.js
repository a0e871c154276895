// club_state.js: a club's availability (the REST/snapshot shape of CONTRACT §2) kept current
// by club-stream events, shared by the booking page and the display board.

const ALLOCATION_EVENTS = new Set([
  "reservation.created", "reservation.updated", "reservation.cancelled",
  "court.blocked", "court.unblocked",
]);
// Changes the grid itself (hours, courts, prices): only a fresh snapshot is right.
export const REFETCH_EVENTS = new Set(["club.updated", "court.updated"]);

export const BUSY = new Set(["booked", "held", "blocked"]);

const ms = (iso) => Date.parse(iso);

/**
 * Apply one club event to `avail` in place.
 * Returns {changed: [{court, slot}], refetch: bool}.
 */
export function applyClubEvent(avail, msg, now = Date.now()) {
  const out = { changed: [], refetch: false };
  if (REFETCH_EVENTS.has(msg.type)) {
    out.refetch = true;
    return out;
  }
  if (!ALLOCATION_EVENTS.has(msg.type)) return out;
  const d = msg.data || {};
  const court = (avail.courts || []).find((c) => c.id === d.court);
  if (!court) return out; // another date's grid or a court added since the snapshot
  const start = ms(d.start);
  const end = ms(d.end);
  for (const slot of court.slots) {
    const s = ms(slot.start);
    const e = ms(slot.end);
    if (!(s < end && start < e)) continue;
    if (slot.status === "closed") continue; // outside opening hours stays closed
    let status = d.slot_status;
    if (status === "free" && s < now) status = "past";
    if (status !== slot.status) {
      slot.status = status;
      out.changed.push({ court, slot });
    }
  }
  return out;
}

/** Free slots whose start has gone by become `past`, as a fresh snapshot would show them. */
export function ageSlots(avail, now = Date.now()) {
  const changed = [];
  for (const court of avail.courts || []) {
    for (const slot of court.slots) {
      if (slot.status === "free" && ms(slot.start) < now) {
        slot.status = "past";
        changed.push({ court, slot });
      }
    }
  }
  return changed;
}

const TIME_OF_DAY = new Map(); // one Intl formatter per zone: pages format hundreds of times per render

/** "HH:MM" of any instant in the club's timezone. */
function clubTime(instant, timeZone) {
  if (!TIME_OF_DAY.has(timeZone)) {
    TIME_OF_DAY.set(timeZone, new Intl.DateTimeFormat("en-GB",
      { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }));
  }
  return TIME_OF_DAY.get(timeZone).format(instant);
}

/**
 * The one time-of-day formatter of every page: "HH:MM" on the club's clock of an ISO string
 * (club-local with its offset, or UTC with "Z" as older replayed events carry), epoch ms or a Date.
 * Empty for no time.
 */
export function hhmm(when, timeZone) {
  if (when === null || when === undefined || when === "") return "";
  return clubTime(new Date(when), timeZone);
}

/** The club's calendar date (YYYY-MM-DD) at `instant`. */
export function clubDate(instant, timeZone) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(instant);
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** Offset of `zone` from UTC at an instant, in ms. */
function tzOffset(instant, zone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(instant));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - (instant - (instant % 1000));
}

/** The instant of a club-local date ("YYYY-MM-DD") and time ("HH:MM"). */
export function zonedInstant(day, time, zone) {
  const [y, m, d] = day.split("-").map(Number);
  const [h, mi] = time.split(":").map(Number);
  const wall = Date.UTC(y, m - 1, d, h, mi);
  let guess = wall;
  for (let i = 0; i < 3; i += 1) { // converges in one or two steps, also across a DST change
    const next = wall - tzOffset(guess, zone);
    if (next === guess) break;
    guess = next;
  }
  return new Date(guess);
}

/** Contiguous runs of equal status on one court: [{status, start, end, slots}]. */
export function runs(court) {
  const out = [];
  for (const slot of court.slots) {
    const last = out[out.length - 1];
    if (last && last.status === slot.status && last.end === slot.start) {
      last.end = slot.end;
      last.slots.push(slot);
    } else {
      out.push({ status: slot.status, start: slot.start, end: slot.end, slots: [slot] });
    }
  }
  return out;
}

/** What a court is doing at `now` and what comes next (the display board's now/next). */
export function nowNext(court, now = Date.now()) {
  const list = runs(court).map((r) => ({ ...r, status: r.status === "past" ? "free" : r.status }));
  // merge again after folding past into free
  const merged = [];
  for (const r of list) {
    const last = merged[merged.length - 1];
    if (last && last.status === r.status && last.end === r.start) last.end = r.end;
    else merged.push({ ...r });
  }
  const idx = merged.findIndex((r) => ms(r.start) <= now && now < ms(r.end));
  const current = idx >= 0 ? merged[idx] : null;
  const after = merged.slice(idx >= 0 ? idx + 1 : 0).filter((r) => ms(r.start) > now);
  const next = after.find((r) => BUSY.has(r.status)) || null;
  const minutesLeft = current ? Math.max(0, Math.ceil((ms(current.end) - now) / 60000)) : null;
  return { current, next, minutesLeft };
}

/** Slot indexes that a booking of `count` slots from `index` would take, if all are free. */
export function bookableRun(court, index, count) {
  const slots = court.slots.slice(index, index + count);
  if (slots.length !== count) return null;
  for (let i = 0; i < slots.length; i += 1) {
    if (slots[i].status !== "free") return null;
    if (i > 0 && slots[i - 1].end !== slots[i].start) return null;
  }
  return slots;
}

export function money(amount, currency, locale) {
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`;
  }
}

/** Sum of decimal strings ("12.50") without float drift: work in cents. */
export function sumMoney(values) {
  const cents = values.reduce((acc, v) => {
    const [whole, frac = ""] = String(v).split(".");
    const sign = whole.startsWith("-") ? -1 : 1;
    return acc + sign * (Math.abs(Number(whole)) * 100 + Number((frac + "00").slice(0, 2)));
  }, 0);
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}
