// Tournament matches on the shown day's courts: call the players, move a match (the shared
// actions of tournament_matches.js, also used by the tournament desk).
import { listAll } from "../api.js";
import { hhmm } from "../club_state.js";
import { $, el } from "../dom.js";
import { fmt } from "../format.js";
import { callPlayers as callMatch, movable, moveMatch as moveTo } from "../tournament_matches.js";
import { S, T, api, config, keepFocus } from "./context.js";
import { renderTimeline } from "./timeline.js";

let matchTimer = null;

// A schedule publishes one court.blocked per match: one load for the burst.
export function loadMatchesSoon() {
  clearTimeout(matchTimer);
  matchTimer = setTimeout(loadMatches, 250);
}

export async function loadMatches() {
  const round = ++S.matchRound;
  let found;
  try {
    found = await listAll(api, `tournaments/matches/?club=${config.id}&date=${S.shownDate}&page_size=100`, 5);
  } catch {
    return; // the next snapshot or court event loads them again
  }
  if (round !== S.matchRound) return; // a newer load started meanwhile
  S.matches = found;
  renderMatches();
  keepFocus(renderTimeline); // match stretches get their label
}

const teamName = (team) => (team && team.name) || T.to_be_decided;

function renderMatches() {
  const list = $("match-list");
  keepFocus(() => {
    list.textContent = "";
    if (!S.matches.length) list.appendChild(el("li", "muted", T.matches_empty));
    for (const m of S.matches) {
      const teams = fmt(T.match_teams, { team1: teamName(m.team1), team2: teamName(m.team2) });
      const li = el("li");
      li.dataset.match = m.id;
      const text = el("div", "block-text");
      text.append(el("strong", "", fmt(T.match_label, {
        start: hhmm(m.start, S.tz), end: hhmm(m.end, S.tz), court: m.court ? m.court.name : "?",
      })), el("span", "", teams), el("span", "muted", T.match_status[m.status] || m.status));
      const actions = el("div", "actions");
      const open = movable(m);
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
        move.setAttribute("aria-expanded", String(S.movingMatch === m.id));
        move.addEventListener("click", () => {
          S.movingMatch = S.movingMatch === m.id ? null : m.id;
          S.moveDraft = {};
          renderMatches();
          if (S.movingMatch) $(`move-court-${m.id}`).focus();
        });
        actions.appendChild(move);
      }
      li.append(text, actions);
      if (S.movingMatch === m.id && open) li.appendChild(moveForm(m));
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
  for (const c of S.day ? S.day.courts : []) {
    const option = el("option", "", c.name);
    option.value = c.id;
    court.appendChild(option);
  }
  court.value = S.moveDraft.court || (m.court ? m.court.id : "");
  court.addEventListener("change", () => { S.moveDraft.court = court.value; });
  const timeLabel = el("label", "", T.start_time);
  timeLabel.htmlFor = `move-start-${m.id}`;
  const time = el("input");
  time.type = "time";
  time.id = `move-start-${m.id}`;
  time.step = String(config.slot_minutes * 60);
  time.dataset.key = `move-start:${m.id}`;
  time.value = S.moveDraft.time || hhmm(m.start, S.tz);
  time.addEventListener("input", () => { S.moveDraft.time = time.value; });
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
  S.movingMatch = null;
  S.moveDraft = {};
  renderMatches();
  const opener = document.querySelector(`[data-key="move:${id}"]`);
  if (opener) opener.focus(); // back where the keyboard user started
}

async function moveMatch(m, courtId, time, button) {
  $("match-error").textContent = "";
  $("match-ok").textContent = "";
  button.disabled = true;
  try {
    const moved = await moveTo(api, m.id, { court: courtId, day: S.shownDate, time, timezone: S.tz });
    $("match-ok").textContent = fmt(T.moved, { court: moved.court.name, start: hhmm(moved.start, S.tz) });
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
    $("match-ok").textContent = await callMatch(api, T, m);
  } catch (err) {
    $("match-error").textContent = err.message;
  } finally {
    button.disabled = false;
  }
}
