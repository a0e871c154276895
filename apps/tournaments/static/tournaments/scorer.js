// Court-side scorer: two big buttons and undo for one match. Signs in with the API token kept in
// sessionStorage (the same key as the booking page); every error shown is the API's message.
import { LiveStream, bindBadge } from "../js/live.js";
import { fmt, isRace, sideScore, teamLabel } from "./tournament_state.js";

const config = JSON.parse(document.getElementById("scorer-config").textContent);
const T = JSON.parse(document.getElementById("strings").textContent);
const $ = (id) => document.getElementById(id);
const AUTH_KEY = "padelyzer.auth";

class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function auth() {
  try {
    return JSON.parse(sessionStorage.getItem(AUTH_KEY) || "null");
  } catch {
    return null;
  }
}

function setAuth(value) {
  if (value) sessionStorage.setItem(AUTH_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(AUTH_KEY);
}

async function rawApi(method, path, body, token) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(`/api/v1/${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit",
    });
  } catch {
    throw new ApiError(T.network_error, 0, "network");
  }
  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    /* not JSON */
  }
  if (!response.ok || !envelope || envelope.success !== true) {
    throw new ApiError((envelope && envelope.message) || T.network_error, response.status,
      envelope && envelope.error ? envelope.error.code : "error");
  }
  return envelope;
}

// On 401 try the refresh token once (access tokens live an hour), else sign out.
async function api(method, path, body) {
  const a = auth();
  try {
    return await rawApi(method, path, body, a && a.access);
  } catch (err) {
    if (err.status !== 401 || !a || !a.refresh) throw err;
    try {
      const fresh = await rawApi("POST", "auth/refresh/", { refresh: a.refresh });
      setAuth({ ...a, access: fresh.data.access, refresh: fresh.data.refresh });
    } catch {
      setAuth(null);
      showSignin();
      throw err;
    }
    return rawApi(method, path, body, auth().access);
  }
}

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
    const envelope = await rawApi("POST", "auth/login/", { email: $("email").value.trim(), password: $("password").value });
    setAuth(envelope.data);
    $("password").value = "";
    await load();
  } catch (err) {
    message(err.message);
  }
});

load();
