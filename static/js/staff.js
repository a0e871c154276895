// The staff dashboard: today's courts live (staff stream), payments as they happen, check-in and
// no-show at the desk, maintenance blocks, tournament matches, and reports (occupancy heatmap,
// revenue chart). No build step, no libraries: each panel is a module under static/js/staff/,
// sharing one state object (staff/context.js); this entry module signs in and wires them.
//
// Where each piece of state comes from:
//   - the staff stream's snapshot: the day's slots and reservations with player names;
//   - the REST list of the day's reservations: what the snapshot lacks (payment, check-in time);
//   - stream events after the snapshot: everything that changes, applied exactly once (live.js).
import { auth, setAuth } from "./api.js";
import { staffScreens } from "./staff_gate.js";
import { clubDate } from "./club_state.js";
import { $ } from "./dom.js";
import { S, T, hooks, login, logout, longDate } from "./staff/context.js";
import { createBlock, defaultBlockTimes, renderBlocks, renderCourtOptions } from "./staff/maintenance.js";
import { renderFeed } from "./staff/payments.js";
import { Reports } from "./staff/reports.js";
import { startStream } from "./staff/stream.js";
import { renderAll } from "./staff/timeline.js";

// The page's pure helpers, for the browser tests: local wall times to instants, the reports' CSV.
export { zonedInstant } from "./club_state.js";
export { drawHeatmap, drawRevenue, parseCsv } from "./staff/charts.js";

const screens = staffScreens({ contentId: "board", T });
const { showGate, showDenied, renderAccount } = screens;

function showBoard() {
  screens.showContent();
  renderCourtOptions();
}

function resetState() {
  S.day = null;
  S.rows = new Map();
  S.blocks = new Map();
  S.owed = new Map();
  S.matches = [];
  S.feed = [];
  renderFeed();
}

function signedOut(message = "") {
  if (S.stream) S.stream.stop();
  setAuth(null);
  resetState();
  showGate(message);
}

function begin() {
  if (!auth()) {
    showGate();
    return;
  }
  renderAccount();
  $("gate").hidden = true;
  $("denied").hidden = true;
  startStream();
}

// ---------- wiring ----------

Object.assign(hooks, { signedOut, showBoard, showDenied });
screens.wire({ login, logout, begin, signedOut });
$("show-inactive").addEventListener("change", renderAll);
$("block-form").addEventListener("submit", createBlock);
$("report-form").addEventListener("submit", Reports.request);
$("today-label").textContent = longDate(S.shownDate);

// Time passes: actions open (check-in, no-show), the now line moves, blocks end; at the club's
// midnight the dashboard moves to the new day with a fresh snapshot.
setInterval(() => {
  const today = clubDate(new Date(), S.tz);
  if (today !== S.shownDate && S.stream && auth()) {
    S.shownDate = today;
    $("today-label").textContent = longDate(S.shownDate);
    $("block-date").min = today;
    if ($("block-date").value < today) $("block-date").value = today;
    S.stream.resume(null, { date: S.shownDate });
    return;
  }
  if (S.day) {
    renderAll();
    renderBlocks();
  }
}, 30000);

// for debugging and the browser tests
window.padelyzerStaff = {
  stream: S.stream, get day() { return S.day; }, get rows() { return S.rows; }, reports: Reports.current,
  reportEvents: Reports.seen,
};
renderFeed();
defaultBlockTimes();
begin();
