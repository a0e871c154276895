// The tournament desk (/clubs/<slug>/tournaments/): staff create a tournament, enter pairs by the
// players' sign-up e-mails, make the draw, put the matches on court and open the scorer.
//
// State comes from the tournament stream (snapshot, then every change exactly once: live.js), so
// entries, the draw, schedules and scores played on court show here as they happen; actions go
// through the REST API, whose answers only give the messages. No build step, no libraries.
import { LiveStream, bindBadge } from "../js/live.js";
import { auth, createApi, listAll, setAuth } from "../js/api.js";
import { staffScreens } from "../js/staff_gate.js";
import { clubDate, hhmm } from "../js/club_state.js";
import { $, LANG, el, readJson } from "../js/dom.js";
import { fmt } from "../js/format.js";
import { callPlayers as callMatch, movable, moveMatch as moveTo } from "../js/tournament_matches.js";
import { applyTournamentEvent, isRace, isThirdPlace, sideScore, teamLabel } from "./tournament_state.js";

const config = readJson("desk-config");
const T = readJson("strings");
const SOLO = new Set(config.solo_formats);

const { api, refreshAccess, login, logout } = createApi({
  networkError: T.network_error,
  onExpired: () => signedOut(T.session_expired),
  keepAuthWhenOffline: true,
});
const badge = bindBadge($("live-badge"), T.states);

let tournaments = [];   // the club's tournaments, newest first (REST list, kept in step with the stream)
let selected = null;    // id of the open tournament
let state = null;       // its stream state: {tournament, entries, standings, matches}
let stream = null;
let scorers = new Map(); // match id -> {scorer, scorer_name}: staff-only, so from REST, not the stream
let scorerMatch = null;  // the match the scorer form is open for
let movingMatch = null;  // the match the move form is open for
let courts = [];         // the club's active courts, for moving a match

function say(okText = "", errorText = "") {
  $("detail-ok").textContent = okText;
  $("detail-error").textContent = errorText;
}

/** Runs a REST action with its button disabled; the message goes to the detail card. */
async function act(button, work) {
  const about = selected; // staff may open another tournament while this one is answering
  const focusKey = button && button.dataset.focusKey;
  if (button) button.disabled = true; // (a disabled button drops the focus: given back below)
  say();
  try {
    const message = await work();
    if (selected === about) say(message);
  } catch (err) {
    if (selected === about) say("", err.message);
  } finally {
    if (button) button.disabled = false;
    if (!document.activeElement || document.activeElement === document.body) refocus(focusKey);
  }
}

// ---------- the list ----------

function describe(t) {
  return [T.formats[t.format] || t.format, T.status[t.status] || t.status, t.is_public ? T.public : T.private]
    .join(" · ");
}

function renderList() {
  const list = $("tournament-list");
  list.replaceChildren(...tournaments.map((t) => el("li", { class: t.id === selected ? "current" : null },
    el("button", {
      type: "button", class: "link t-open", "aria-label": fmt(T.open_label, { name: t.name }),
      "data-focus-key": `open-${t.id}`,
      "aria-current": t.id === selected ? "true" : null, onclick: () => select(t.id, { focus: true }),
    }, t.name),
    el("span", { class: "muted small", text: describe(t) }))));
  if (!tournaments.length) list.replaceChildren(el("li", { class: "muted", text: T.none_yet }));
}

async function loadList() {
  $("list-error").textContent = "";
  try {
    const answer = await api("GET", `tournaments/tournaments/?club=${config.id}&page_size=100`);
    tournaments = answer.data;
    renderList();
  } catch (err) {
    $("list-error").textContent = err.message;
  }
}

// ---------- one tournament ----------

function select(id, { focus = false } = {}) {
  clearTimeout(retryTimer);
  selected = id;
  state = null;
  scorers = new Map();
  closeScorerForm();
  closeMoveForm();
  say();
  renderList();
  renderDetail();
  const a = auth();
  const params = { token: a && a.access };
  const path = `/ws/tournaments/${id}/`;
  if (stream) stream.stop();
  stream = new LiveStream(path, {
    params,
    onState: (s) => badge(s),
    onSnapshot: (data) => {
      state = data;
      renderDetail();
      loadScorers(id);
    },
    onEvent: (msg) => {
      if (!state) return;
      state = applyTournamentEvent(state, msg);
      renderDetail();
    },
    onDenied,
  });
  window.padelyzerDesk.stream = stream;
  $("live-badge").hidden = false;
  stream.start();
  history.replaceState(null, "", `#${id}`);
  if (focus) $("detail").focus();
}

let retryTimer = null;

async function onDenied(code) {
  const refused = stream; // by the time the refresh answers, staff may have moved on
  clearTimeout(retryTimer);
  if (code === 4401) { // the access token expired or was revoked: refresh and resume where we were
    let fresh = null;
    try {
      fresh = await refreshAccess();
    } catch {
      retryTimer = setTimeout(() => onDenied(code), 5000);
      return;
    }
    if (refused !== stream || !refused) return;
    if (fresh) refused.resume(refused.lastSeq, { token: fresh.access });
    else signedOut(T.session_expired);
    return;
  }
  say("", code === 4404 ? T.not_found : T.stream_denied);
}

/** Focuses the control rendered with `data-focus-key` = key, if there is one now. */
function refocus(key) {
  const again = key && document.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
  if (again && again !== document.activeElement) again.focus();
}

/** Re-renders without losing the keyboard focus: the focused control is found again by its key. */
function keepingFocus(render) {
  const key = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.focusKey : null;
  render();
  refocus(key);
}

function renderDetail() {
  keepingFocus(renderDetailNow);
}

function renderDetailNow() {
  $("detail").hidden = !selected;
  $("pick").hidden = Boolean(selected);
  if (!selected || !state) { // until the snapshot arrives, nothing of the previous tournament
    for (const id of ["entry-form", "generate", "schedule-form", "next-round"]) $(id).hidden = true;
    for (const id of ["detail-title", "detail-meta", "no-matches"]) $(id).textContent = "";
    $("board-link").removeAttribute("href");
    $("entry-rows").replaceChildren();
    $("match-rows").replaceChildren();
    return;
  }
  const t = state.tournament;
  // The list shows what the stream knows (status after a draw, a renamed tournament).
  tournaments = tournaments.map((row) => (row.id === t.id ? { ...row, ...t } : row));
  renderList();
  const solo = SOLO.has(t.format);
  const draft = t.status === "draft";
  $("detail-title").textContent = t.name;
  $("detail-meta").textContent = [describe(t), fmt(T.entries_count, { n: state.entries.length })].join(" · ");
  $("board-link").href = `/tournaments/${t.id}/board/`;

  const count = state.entries.length;
  $("entry-rows").replaceChildren(...state.entries.map((entry, i) => el("tr", { "data-entry-id": entry.id },
    el("td", { text: entry.seed ? String(entry.seed) : "—" }),
    el("th", { scope: "row", text: entry.name }),
    el("td", { text: entry.players.map((p) => p.name).join(" / ") }),
    el("td", { class: "row-actions" }, draft ? [
      // Seeds are the list's order: moving a row re-seeds everyone 1..n (POST seed/).
      el("button", {
        type: "button", class: "secondary small", "aria-label": fmt(T.seed_up_label, { name: entry.name }),
        "data-focus-key": `up-${entry.id}`, disabled: i === 0,
        onclick: (event) => reseed(event.currentTarget, i, i - 1),
      }, "↑"),
      el("button", {
        type: "button", class: "secondary small", "aria-label": fmt(T.seed_down_label, { name: entry.name }),
        "data-focus-key": `down-${entry.id}`, disabled: i === count - 1,
        onclick: (event) => reseed(event.currentTarget, i, i + 1),
      }, "↓"),
      el("button", {
        type: "button", class: "danger small", "aria-label": fmt(T.remove_label, { name: entry.name }),
        "data-focus-key": `remove-${entry.id}`,
        onclick: (event) => removeEntry(event.currentTarget, entry),
      }, T.remove),
    ] : null))));
  if (!state.entries.length) {
    $("entry-rows").replaceChildren(el("tr", {}, el("td", { colspan: "4", class: "muted", text: T.no_entries })));
  }
  $("entry-form").hidden = !draft;
  for (const node of $("entry-form").querySelectorAll("[data-pair]")) node.hidden = solo;
  $("e-player1-label").textContent = solo ? T.player_email_solo : T.player_email_first;
  $("e-player2").required = !solo;

  const unplaced = state.matches.filter((m) => !m.court && m.status !== "bye" && m.status !== "finished");
  $("generate").hidden = !draft;
  $("schedule-form").hidden = draft || !unplaced.length;
  const roundOver = state.matches.length && state.matches.every((m) => m.status === "finished" || m.status === "bye");
  $("next-round").hidden = !(t.format === "mexicano" && !draft && roundOver && t.status !== "finished");
  renderMatches();
}

function renderMatches() {
  const tz = config.timezone;
  const rows = state.matches.filter((m) => m.status !== "bye").map((m) => {
    const teams = fmt(T.teams, { team1: teamLabel(m.team1, m.source1, T), team2: teamLabel(m.team2, m.source2, T) });
    const where = m.court ? `${m.court.name} · ${day(m.start)} ${hhmm(m.start, tz)}` : T.unscheduled;
    const score = m.status === "in_progress" || m.status === "finished" ? scoreLine(m) : "";
    const playable = m.team1 && m.team2 && m.status !== "finished";
    return el("tr", { "data-match-id": m.id, "data-status": m.status },
      el("td", { text: label(m) }),
      el("th", { scope: "row", text: teams }),
      el("td", { text: where }),
      el("td", { text: [T.match_status[m.status] || m.status, score].filter(Boolean).join(" · ") }),
      el("td", {}, (scorers.get(m.id) || {}).scorer_name || T.staff_scores,
        m.status !== "finished" ? el("button", {
          type: "button", class: "link small", "aria-label": fmt(T.set_scorer_label, { teams }),
          "data-focus-key": `scorer-${m.id}`, onclick: () => openScorerForm(m, teams),
        }, T.set_scorer) : null),
      el("td", { class: "row-actions" }, callable(m) ? el("button", {
        type: "button", class: "secondary small", "aria-label": fmt(T.call_label, { teams, court: m.court.name }),
        "data-focus-key": `call-${m.id}`, onclick: (event) => callPlayers(event.currentTarget, m),
      }, T.call) : null, movable(m) ? el("button", {
        type: "button", class: "secondary small", "aria-label": fmt(T.move_label, { teams }),
        "data-focus-key": `move-${m.id}`, onclick: () => openMoveForm(m, teams),
      }, T.move) : null, playable ? el("a", {
        class: "button-link small", href: `/tournaments/${m.tournament}/score/${m.id}/`, target: "_blank",
        rel: "noopener", "aria-label": fmt(T.score_label, { teams }), "data-focus-key": `score-${m.id}`,
      }, T.score) : null));
  });
  $("match-rows").replaceChildren(...rows);
  // A form open for a match that has since started, finished or gone closes with it.
  const current = (id) => state.matches.find((m) => m.id === id);
  if (movingMatch && !(current(movingMatch.id) && movable(current(movingMatch.id)))) closeMoveForm();
  if (scorerMatch && !current(scorerMatch.id)) closeScorerForm();
  $("no-matches").textContent = rows.length ? "" : T.no_matches;
}

/** "6-4 3-2 · 30-15": finished sets, then (while playing) games and points; a race: its points. */
function scoreLine(m) {
  const [a, b] = [sideScore(m.score, 0), sideScore(m.score, 1)];
  const parts = a.sets.map((games, i) => `${games}-${b.sets[i]}`);
  if (m.status === "in_progress") {
    if (!isRace(m.score)) parts.push(`${a.games}-${b.games}`);
    parts.push(`${a.points}-${b.points}`);
  }
  return parts.join(" · ");
}

function label(m) {
  if (m.stage === "group" && m.group) return `${fmt(T.group, { name: m.group })} · ${fmt(T.round, { n: m.round })}`;
  if (isThirdPlace(m)) return T.third_place;
  if (m.stage === "knockout") return `${T.knockout} · ${m.key}`;
  return fmt(T.round, { n: m.round });
}

function day(iso) {
  return new Date(iso).toLocaleDateString(LANG,
    { weekday: "short", day: "numeric", month: "short", timeZone: config.timezone });
}

// ---------- calling players to court ----------

/** Both teams known, on a court, not over: the players can be called (again). */
const callable = (m) => Boolean(m.court && m.team1 && m.team2) && (m.status === "scheduled" || m.status === "in_progress");

async function callPlayers(button, m) {
  await act(button, () => callMatch(api, T, m));
}

// ---------- moving a match (staff move one that is on court and not started: `movable`) ----------

async function loadCourts() {
  try {
    courts = (await api("GET", `clubs/courts/?club=${config.id}&is_active=true&page_size=100`)).data;
  } catch {
    courts = []; // the move form then offers the match's own court only
  }
}

function openMoveForm(match, teams) {
  closeScorerForm();
  movingMatch = { id: match.id, teams };
  // The club's active courts, and the match's own even if it was closed since.
  const options = [...courts.filter((c) => c.id !== match.court.id), match.court];
  $("move-court").replaceChildren(...options.map((c) => el("option", { value: c.id, text: c.name })));
  $("move-court").value = match.court.id;
  $("move-date").value = clubDate(new Date(match.start), config.timezone);
  $("move-time").value = hhmm(match.start, config.timezone);
  $("move-for").textContent = fmt(T.move_for, { teams });
  $("move-form").hidden = false;
  $("move-court").focus();
}

/** Hides a match's form; the keyboard goes back to the button that opened it (`<key>-<match id>`). */
function hideMatchForm(formId, open, key) {
  $(formId).hidden = true;
  if (open) refocus(`${key}-${open.id}`);
}

function closeMoveForm() {
  const open = movingMatch;
  movingMatch = null;
  hideMatchForm("move-form", open, "move");
}

async function moveMatch(event) {
  event.preventDefault();
  if (!movingMatch || !$("move-form").reportValidity()) return; // a day and a time, or the browser says so
  const { id, teams } = movingMatch;
  const to = { court: $("move-court").value, day: $("move-date").value, time: $("move-time").value,
    timezone: config.timezone };
  await act(event.submitter, async () => {
    const match = await moveTo(api, id, to);
    closeMoveForm(); // the stream brings the new court and time to the table
    return fmt(T.moved, { teams, court: match.court.name, when: `${day(match.start)} ${hhmm(match.start, config.timezone)}` });
  });
}

// ---------- scorers ----------

async function loadScorers(id) {
  const found = new Map();
  try {
    // 100 a page, 50 pages: the largest draws have a few thousand matches
    const matches = await listAll(api, `tournaments/matches/?tournament=${id}&page_size=100`, 50);
    for (const m of matches) found.set(m.id, { scorer: m.scorer, scorer_name: m.scorer_name });
  } catch (err) {
    if (selected === id) say("", err.message);
    return;
  }
  if (selected !== id) return;
  scorers = found;
  renderDetail();
}

function openScorerForm(match, teams) {
  closeMoveForm();
  scorerMatch = { id: match.id, teams };
  $("scorer-for").textContent = fmt(T.scorer_for, { teams });
  $("scorer-email").value = "";
  $("scorer-form").hidden = false;
  $("scorer-email").focus();
}

function closeScorerForm() {
  const open = scorerMatch;
  scorerMatch = null;
  hideMatchForm("scorer-form", open, "scorer");
}

async function saveScorer(scorer, button) {
  if (!scorerMatch) return;
  const { id, teams } = scorerMatch;
  await act(button, async () => {
    const match = (await api("PATCH", `tournaments/matches/${id}/`, { scorer })).data;
    scorers.set(id, { scorer: match.scorer, scorer_name: match.scorer_name });
    closeScorerForm();
    renderDetail();
    return match.scorer_name ? fmt(T.scorer_saved, { name: match.scorer_name, teams }) : fmt(T.scorer_removed, { teams });
  });
}

// ---------- actions ----------

function showFormatFields() {
  const format = $("c-format").value;
  for (const node of $("create-form").querySelectorAll("[data-for]")) {
    node.hidden = !node.dataset.for.split(" ").includes(format);
  }
}

async function createTournament(event) {
  event.preventDefault();
  const button = event.submitter || $("create-form").querySelector("button");
  $("create-error").textContent = "";
  const format = $("c-format").value;
  const body = { club: config.id, name: $("c-name").value.trim(), format, is_public: $("c-public").checked };
  if (!SOLO.has(format)) {
    body.golden_point = $("c-golden").checked;
    body.super_tiebreak = $("c-super").checked;
    if (format !== "round_robin") body.third_place = $("c-third").checked;
  } else {
    body.points_per_match = Number($("c-points").value);
  }
  if (format === "mexicano") body.rounds = Number($("c-rounds").value);
  if (format === "groups_knockout") {
    body.group_size = Number($("c-group-size").value);
    body.advance_per_group = Number($("c-advance").value);
  }
  if ($("c-fee").value) body.entry_fee = $("c-fee").value;
  button.disabled = true;
  try {
    const created = (await api("POST", "tournaments/tournaments/", body)).data;
    tournaments = [created, ...tournaments.filter((t) => t.id !== created.id)];
    $("create-form").reset();
    showFormatFields();
    select(created.id, { focus: true });
    say(fmt(T.created, { name: created.name }));
    $("e-player1").focus();
  } catch (err) {
    $("create-error").textContent = err.message;
  } finally {
    button.disabled = false;
  }
}

async function addEntry(event) {
  event.preventDefault();
  if (!state) return;
  const solo = SOLO.has(state.tournament.format);
  const players = [$("e-player1").value.trim()];
  if (!solo) players.push($("e-player2").value.trim());
  const body = { players };
  if (!solo && $("e-name").value.trim()) body.name = $("e-name").value.trim();
  if ($("e-seed").value) body.seed = Number($("e-seed").value);
  // Locked while it is sent, so what is typed meanwhile is neither lost to the reset nor sent twice.
  $("entry-fields").disabled = true;
  await act(null, async () => {
    try {
      const entry = (await api("POST", `tournaments/tournaments/${selected}/entries/`, body)).data;
      $("entry-form").reset();
      return fmt(T.entry_added, { name: entry.name });
    } finally {
      $("entry-fields").disabled = false;
      $("e-player1").focus();
    }
  });
}

async function reseed(button, from, to) {
  if (!state) return;
  const ids = state.entries.map((e) => e.id);
  [ids[from], ids[to]] = [ids[to], ids[from]];
  await act(button, async () => {
    await api("POST", `tournaments/tournaments/${selected}/seed/`, { entries: ids });
    return T.seeds_saved;
  });
}

async function removeEntry(button, entry) {
  if (!window.confirm(fmt(T.confirm_remove, { name: entry.name }))) return;
  await act(button, async () => {
    await api("DELETE", `tournaments/entries/${entry.id}/`);
    return fmt(T.entry_removed, { name: entry.name });
  });
}

async function generate(event) {
  if (!state) return;
  if (!window.confirm(fmt(T.confirm_generate, { n: state.entries.length }))) return;
  await act(event.currentTarget, async () => {
    const answer = await api("POST", `tournaments/tournaments/${selected}/generate/`);
    return fmt(T.generated, { n: answer.data.length });
  });
}

async function schedule(event) {
  event.preventDefault();
  const body = { start_date: $("s-date").value, match_minutes: Number($("s-minutes").value) };
  await act(event.submitter, async () => {
    const answer = await api("POST", `tournaments/tournaments/${selected}/schedule/`, body);
    return fmt(T.scheduled, { n: answer.data.length });
  });
}

async function nextRound(event) {
  await act(event.currentTarget, async () => {
    await api("POST", `tournaments/tournaments/${selected}/next-round/`);
    return T.next_round_drawn;
  });
}

// ---------- sign-in ----------

const screens = staffScreens({ contentId: "desk", T });
const { showGate, renderAccount } = screens;

function signedOut(message = "") {
  clearTimeout(retryTimer);
  if (stream) stream.stop();
  stream = null;
  selected = null;
  state = null;
  setAuth(null);
  showGate(message);
}

async function begin() {
  if (!auth()) {
    showGate();
    return;
  }
  renderAccount();
  $("gate").hidden = true;
  let me;
  try {
    me = (await api("GET", "auth/me/")).data;
  } catch (err) {
    if (auth()) showGate(err.message);
    return;
  }
  if (!me.staff_clubs.includes(config.id)) {
    screens.showDenied(me);
    return;
  }
  screens.showContent();
  $("live-badge").hidden = !stream; // the badge is about the open tournament's stream
  if (!config.name) { // a private club: its name is for its staff
    try {
      $("club-name").textContent = (await api("GET", `clubs/clubs/${config.id}/`)).data.name;
    } catch { /* the heading keeps its generic title */ }
  }
  await Promise.all([loadList(), loadCourts()]);
  const wanted = location.hash.slice(1);
  if (tournaments.some((t) => t.id === wanted)) select(wanted);
  else renderDetail();
}

// ---------- wiring ----------

window.padelyzerDesk = { stream: null, get state() { return state; } }; // for the browser tests
screens.wire({ login, logout, begin, signedOut });
$("c-format").addEventListener("change", showFormatFields);
$("create-form").addEventListener("submit", createTournament);
$("entry-form").addEventListener("submit", addEntry);
$("generate").addEventListener("click", generate);
$("schedule-form").addEventListener("submit", schedule);
$("next-round").addEventListener("click", nextRound);
$("scorer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!$("scorer-form").reportValidity()) return; // an e-mail; clearing is the other button
  saveScorer($("scorer-email").value.trim(), event.submitter);
});
$("scorer-clear").addEventListener("click", (event) => saveScorer(null, event.currentTarget));
$("scorer-cancel").addEventListener("click", closeScorerForm);
$("move-form").addEventListener("submit", moveMatch);
$("move-cancel").addEventListener("click", closeMoveForm);
showFormatFields();
begin();
