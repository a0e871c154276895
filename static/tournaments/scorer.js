// Court-side scorer: two big buttons and undo for one match. Signs in with the API token kept in
// sessionStorage (the same key as the booking page); every error shown is the API's message.
import { LiveStream, bindBadge } from "../js/live.js";
import { auth, createApi, setAuth } from "../js/api.js";
import { $, readJson } from "../js/dom.js";
import { fmt } from "../js/format.js";
import { isRace, sideScore, teamLabel } from "./tournament_state.js";

const config = readJson("scorer-config");
const T = readJson("strings");

// Signed-in calls refresh the access token once on 401; if that fails, back to the sign-in form.
const { api, login } = createApi({ networkError: T.network_error, onExpired: () => showSignin() });

let match = null;
let busy = false;
let stream = null;

function message(text) {
  $("message").textContent = text || "";
  $("message").hidden = !text;
}

function render() {
  if (!match) return;
  const finished = match.status === "finished";
  for (const n of [1, 2]) {
    const side = sideScore(match.score, n - 1);
    const name = teamLabel(match[`team${n}`], match[`source${n}`], T);
    $(`name-${n}`).textContent = name;
    $(`sets-${n}`).textContent = side.sets.join(" ");
    $(`games-${n}`).textContent = isRace(match.score) || finished ? "" : String(side.games);
    $(`points-${n}`).textContent = finished ? "" : String(side.points);
    $(`point-${n}`).textContent = fmt(T.point_for, { team: name });
    document.querySelector(`.sc-row[data-team="${n}"]`).classList.toggle("won", finished && match.winner === n);
  }
  const meta = [T.match_status[match.status]];
  if (match.court) meta.push(match.court.name);
  if (match.score && match.score.tiebreak && !finished) meta.push(T.tiebreak);
  if (isRace(match.score)) meta.push(fmt(T.to_points, { n: match.score.target }));
  $("match-meta").textContent = meta.join(" · ");
  const playable = match.status === "scheduled" || match.status === "in_progress";
  $("state-note").textContent = finished ? T.finished_note : match.status === "pending" || match.status === "bye" ? T.not_ready : "";
  for (const n of [1, 2]) $(`point-${n}`).disabled = busy || !playable;
  $("undo").disabled = busy || !(match.status === "in_progress" || finished);
  document.title = `${$("name-1").textContent} – ${$("name-2").textContent} · Padelyzer`;
}

async function send(path, body) {
  if (busy) return;
  busy = true;
  render();
  message("");
  try {
    const envelope = await api("POST", `tournaments/matches/${config.match}/${path}`, body);
    match = envelope.data;
  } catch (err) {
    message(err.message);
    if (err.status === 404 || err.status === 403) message(T.not_allowed);
  } finally {
    busy = false;
    render();
  }
}

function showSignin() {
  $("signin").hidden = false;
  $("scorer").hidden = true;
  $("email").focus();
}

async function load() {
  const a = auth();
  if (!a || !a.access) {
    showSignin();
    return;
  }
  $("signin").hidden = true;
  try {
    match = (await api("GET", `tournaments/matches/${config.match}/`)).data;
  } catch (err) {
    message(err.status === 404 || err.status === 403 ? T.not_allowed : err.message);
    return;
  }
  const user = a.user || {};
  $("who").textContent = fmt(T.signed_in_as, { name: [user.first_name, user.last_name].filter(Boolean).join(" ") || user.email || "" });
  $("scorer").hidden = false;
  render();
  follow();
}

// Another device scoring the same match (or staff undoing from elsewhere) shows up here too.
function follow() {
  if (stream) stream.stop();
  const badge = bindBadge($("live-badge"), T.states);
  stream = new LiveStream(config.stream, {
    params: { token: auth() && auth().access },
    onState: (s) => badge(s),
    onSnapshot: (data) => {
      const fresh = (data.matches || []).find((m) => m.id === config.match);
      if (fresh && !busy) {
        match = { ...match, ...fresh };
        render();
      }
    },
    onEvent: (msg) => {
      const fresh = msg.data && msg.data.match;
      if (fresh && fresh.id === config.match && !busy) {
        match = { ...match, ...fresh };
        render();
      }
      for (const m of (msg.data && msg.data.matches) || []) {
        if (m.id === config.match && !busy) {
          match = { ...match, ...m };
          render();
        }
      }
    },
  });
  stream.start();
}

$("point-1").addEventListener("click", () => send("point/", { team: 1 }));
$("point-2").addEventListener("click", () => send("point/", { team: 2 }));
$("undo").addEventListener("click", () => send("undo/"));
$("signout").addEventListener("click", () => {
  setAuth(null);
  if (stream) stream.stop();
  match = null;
  showSignin();
});
$("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  message("");
  try {
    await login($("email").value.trim(), $("password").value);
    $("password").value = "";
    await load();
  } catch (err) {
    message(err.message);
  }
});

load();
