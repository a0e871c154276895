// Maintenance blocks: the list of planned blocks, the form that adds one, and the court events
// that add or remove them (another desk's block shows at once).
import { listAll } from "../api.js";
import { clubDate, hhmm, zonedInstant } from "../club_state.js";
import { $, announce, el } from "../dom.js";
import { fmt } from "../format.js";
import { S, T, api, config, courtName, keepFocus, ms, shiftDay, shortDate } from "./context.js";
import { loadMatchesSoon } from "./matches.js";

export function onBlockEvent(d, added) {
  const values = { court: courtName(d.court), start: hhmm(d.start, S.tz), end: hhmm(d.end, S.tz) };
  // Tournament matches block courts too (kind "match"): the timeline shows them, but they are
  // not maintenance, and only the tournament's scheduling may move or remove them.
  if (d.kind === "match") loadMatchesSoon(); // scheduled, moved or removed: the list follows
  if (d.kind && d.kind !== "maintenance") return;
  if (added) {
    if (ms(d.end) > Date.now()) {
      S.blocks.set(d.id, { id: d.id, court: d.court, start: d.start, end: d.end, reason: d.reason || "" });
    }
    announce(fmt(T.block_added, values));
  } else {
    S.blocks.delete(d.id);
    announce(fmt(T.block_removed, values));
  }
  renderBlocks(); // another desk's block (or its removal) shows here at once
}

export async function loadBlocks() {
  let found;
  const since = new Date().toISOString();
  try {
    found = await listAll(api, `clubs/maintenance-blocks/?club=${config.id}`
      + `&ends_after=${encodeURIComponent(since)}&page_size=100`, 10);
  } catch {
    return;
  }
  S.blocks = new Map(found.map((b) => [b.id, b]));
  renderBlocks();
}

export function renderBlocks() {
  const list = $("block-list");
  keepFocus(() => {
    list.textContent = "";
    const now = Date.now();
    const items = [...S.blocks.values()].filter((b) => ms(b.end) > now).sort((a, b) => ms(a.start) - ms(b.start));
    if (!items.length) list.appendChild(el("li", "muted", T.blocks_empty));
    for (const b of items) {
      const values = {
        court: courtName(b.court) || "?", day: shortDate(clubDate(new Date(b.start), S.tz)),
        start: hhmm(b.start, S.tz), end: hhmm(b.end, S.tz),
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

export function renderCourtOptions() {
  const select = $("block-court");
  const keep = select.value;
  select.textContent = "";
  for (const court of S.day ? S.day.courts : []) {
    const option = el("option", "", court.name);
    option.value = court.id;
    select.appendChild(option);
  }
  if (keep && [...select.options].some((o) => o.value === keep)) select.value = keep;
}

// ---------- maintenance ----------

export function defaultBlockTimes() {
  const step = config.slot_minutes * 60000;
  const start = Math.ceil(Date.now() / step) * step;
  $("block-start").value = hhmm(start, S.tz);
  $("block-end").value = hhmm(start + 3600000, S.tz);
}

export async function createBlock(event) {
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
  const start = zonedInstant(date, from, S.tz);
  // an end at or before the start means past midnight (e.g. 23:00-00:30)
  let end = zonedInstant(date, to, S.tz);
  if (end <= start) end = zonedInstant(shiftDay(date, 1), to, S.tz);
  const button = event.target.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const envelope = await api("POST", "clubs/maintenance-blocks/", {
      court: $("block-court").value, start: start.toISOString(), end: end.toISOString(),
      reason: $("block-reason").value.trim(),
    });
    S.blocks.set(envelope.data.id, envelope.data);
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
    S.blocks.delete(block.id);
    renderBlocks();
    $("block-ok").textContent = T.block_deleted;
    $("block-list").focus();
  } catch (err) {
    $("block-error").textContent = err.message;
    button.disabled = false;
  }
}
