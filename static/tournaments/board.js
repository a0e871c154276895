// The tournament scoreboard: snapshot + live events of `tournament:{id}` (static/js/live.js),
// redrawn on every change. Big type for club screens; one column on phones.
import { LiveStream, bindBadge } from "../js/live.js";
import { auth } from "../js/api.js";
import { hhmm } from "../js/club_state.js";
import { $, el, readJson } from "../js/dom.js";
import { fmt } from "../js/format.js";
import { applyTournamentEvent, isRace, isThirdPlace, sideScore, teamLabel } from "./tournament_state.js";

const config = readJson("board-config");
const initial = readJson("initial");
const T = readJson("strings");

let state = initial ? initial.data : null;

// ---------- match cards ----------

function scoreCells(match, i) {
  const side = sideScore(match.score, i);
  const playing = match.status === "in_progress";
  const cells = [el("span", { class: "sets", text: side.sets.join(" ") })];
  if (playing && !isRace(match.score)) cells.push(el("span", { class: "games", text: String(side.games) }));
  if (playing) cells.push(el("span", { class: "points", text: String(side.points) }));
  return cells;
}

function matchCard(match, { big = false } = {}) {
  const tz = config.timezone;
  const meta = [];
  if (match.court) meta.push(match.court.name);
  if (match.start && match.status !== "in_progress") meta.push(hhmm(match.start, tz));
  if (match.score && match.score.tiebreak && match.status === "in_progress") meta.push(T.tiebreak);
  const rows = [1, 2].map((n) => {
    const team = match[`team${n}`];
    const won = match.status === "finished" && match.winner === n;
    return el("div", { class: `team${won ? " won" : ""}`, "data-team": n },
      el("span", { class: "name", text: teamLabel(team, match[`source${n}`], T) }),
      match.status === "bye" ? null : scoreCells(match, n - 1));
  });
  return el("article", {
    class: `match${big ? " big" : ""}`, "data-match-id": match.id, "data-status": match.status,
    "aria-label": `${teamLabel(match.team1, match.source1, T)} – ${teamLabel(match.team2, match.source2, T)}`,
  },
  el("p", { class: "match-meta", text: [T.match_status[match.status], ...meta].filter(Boolean).join(" · ") }),
  ...rows);
}

// ---------- sections ----------

function renderNow() {
  const playing = state.matches.filter((m) => m.status === "in_progress");
  const box = $("on-court");
  box.replaceChildren(...(playing.length ? playing.map((m) => matchCard(m, { big: true }))
    : [el("p", { class: "tb-empty", text: T.nothing_on_court })]));
  const next = state.matches.filter((m) => m.status === "scheduled" || (m.status === "pending" && m.start))
    .sort((a, b) => (a.start || "~").localeCompare(b.start || "~") || a.sequence - b.sequence).slice(0, 6);
  $("up-next").replaceChildren(...(next.length ? next.map((m) => el("li", { "data-match-id": m.id },
    m.start ? el("span", { class: "when", text: fmt(T.court_time, { court: m.court.name, time: hhmm(m.start, config.timezone) }) }) : null,
    el("span", { class: "who", text: `${teamLabel(m.team1, m.source1, T)} – ${teamLabel(m.team2, m.source2, T)}` })))
    : [el("li", { class: "tb-empty", text: T.nothing_next })]));
}

function roundTitle(round, rounds) {
  const left = rounds - round;
  if (left === 0) return T.final;
  if (left === 1) return T.semifinal;
  if (left === 2) return T.quarterfinal;
  return fmt(T.round, { n: round });
}

function renderBracket() {
  const all = state.matches.filter((m) => m.stage === "knockout");
  const ko = all.filter((m) => !isThirdPlace(m));
  const third = all.find(isThirdPlace);
  const box = $("bracket");
  if (!ko.length) {
    box.replaceChildren();
    return;
  }
  const rounds = Math.max(...ko.map((m) => m.round));
  const columns = [];
  for (let r = 1; r <= rounds; r += 1) {
    const matches = ko.filter((m) => m.round === r).sort((a, b) => a.position - b.position);
    columns.push(el("div", { class: "round", "data-round": r },
      el("h3", { text: roundTitle(r, rounds) }), ...matches.map((m) => matchCard(m)),
      // Under the final: the match for third place.
      r === rounds && third ? [el("h3", { class: "third-place", text: T.third_place }), matchCard(third)] : null));
  }
  box.replaceChildren(el("h2", { text: T.knockout }), el("div", { class: "columns" }, ...columns));
}

function groupTable(group) {
  const c = T.cols;
  const head = el("tr", {}, ...[c.rank, c.name, c.played, c.won, c.lost, c.sets, c.games]
    .map((t) => el("th", { scope: "col", text: t })));
  const rows = group.rows.map((r) => el("tr", { "data-entry": r.entry },
    el("td", { text: String(r.rank) }), el("th", { scope: "row", text: r.name }),
    el("td", { text: String(r.played) }), el("td", { text: String(r.won) }), el("td", { text: String(r.lost) }),
    el("td", { text: signed(r.sets_diff) }), el("td", { text: signed(r.games_diff) })));
  const title = group.name ? fmt(T.group, { name: group.name }) : T.league;
  return el("section", { class: "group" }, el("h2", { text: title }),
    el("table", { class: "table" }, el("thead", {}, head), el("tbody", {}, ...rows)));
}

function signed(n) {
  return n > 0 ? `+${n}` : String(n);
}

function playerTable(players) {
  const c = T.cols;
  const head = el("tr", {}, ...[c.rank, c.player, c.played, c.points, c.diff].map((t) => el("th", { scope: "col", text: t })));
  const rows = players.map((r) => el("tr", { "data-entry": r.entry },
    el("td", { text: String(r.rank) }), el("th", { scope: "row", text: r.name }), el("td", { text: String(r.played) }),
    el("td", { class: "strong", text: String(r.points_won) }), el("td", { text: signed(r.difference) })));
  return el("section", { class: "group" }, el("h2", { text: T.ranking }),
    el("table", { class: "table" }, el("thead", {}, head), el("tbody", {}, ...rows)));
}

function renderStandings() {
  const s = state.standings || { groups: [], players: [] };
  const parts = [];
  if (s.players && s.players.length) parts.push(playerTable(s.players));
  for (const g of s.groups || []) parts.push(groupTable(g));
  $("standings").replaceChildren(...parts);
}

function renderRounds() {
  const rotation = state.matches.filter((m) => m.stage === "rotation");
  const box = $("rounds");
  if (!rotation.length) {
    box.replaceChildren();
    return;
  }
  // Rounds still being played first (in order), then the finished ones, latest first.
  const over = (n) => rotation.filter((m) => m.round === n).every((m) => m.status === "finished");
  const numbers = [...new Set(rotation.map((m) => m.round))]
    .sort((a, b) => (over(a) - over(b)) || (over(a) ? b - a : a - b));
  box.replaceChildren(el("h2", { text: T.rounds }), ...numbers.map((n) => el("section", { class: "rround" },
    el("h3", { text: fmt(T.round, { n }) }),
    el("div", { class: "tb-cards" }, ...rotation.filter((m) => m.round === n).map((m) => matchCard(m))))));
}

function renderHead() {
  const t = state.tournament;
  $("t-name").textContent = t.name;
  document.title = `${t.name} · Padelyzer`;
  const target = t.format === "americano" || t.format === "mexicano" ? fmt(T.to_points, { n: t.points_per_match }) : "";
  $("t-meta").textContent = [T.formats[t.format], target, T.status[t.status]].filter(Boolean).join(" · ");
  const champion = championName();
  $("champion").hidden = !champion;
  $("champion").textContent = champion ? fmt(T.champion, { name: champion }) : "";
}

function championName() {
  const t = state.tournament;
  if (t.status !== "finished") return null;
  const final = state.matches.find((m) => m.stage === "knockout" && !m.next_match && !isThirdPlace(m));
  if (final && final.winner) return final[`team${final.winner}`].name;
  const s = state.standings || {};
  if (s.players && s.players.length) return s.players[0].name;
  if (s.groups && s.groups.length === 1 && s.groups[0].rows.length) return s.groups[0].rows[0].name;
  return null;
}

function render() {
  if (!state) return;
  renderHead();
  renderNow();
  renderStandings();
  renderBracket();
  renderRounds();
}

// ---------- clock, notices, stream ----------

function tick() {
  $("clock").textContent = hhmm(new Date(), config.timezone);
}

function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = !text;
}

function token() {
  const a = auth(); // a private tournament's board needs a signed-in viewer
  return a && a.access;
}

const params = {};
if (!config.public && token()) params.token = token();
if (!config.public && !params.token) notice(T.signin_needed);

const badge = bindBadge($("live-badge"), T.states);
const stream = new LiveStream(config.stream, {
  params,
  since: initial ? initial.seq : null,
  onState: (s) => badge(s),
  onSnapshot: (data) => {
    state = data;
    notice("");
    render();
  },
  onEvent: (msg) => {
    if (!state) return;
    state = applyTournamentEvent(state, msg);
    render();
  },
  onDenied: (code) => notice(code === 4404 ? T.not_found : code === 4401 ? T.signin_needed : T.denied),
});

window.padelyzerBoard = { stream, get state() { return state; } }; // for screens' remote debugging and tests
render();
tick();
setInterval(tick, 15000);
stream.start();
