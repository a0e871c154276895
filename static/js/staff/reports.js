// Reports: request one, follow its progress (report.* events, a slow poll as a fallback), then
// download the CSV and draw it (charts.js).
import { $, announce } from "../dom.js";
import { fmt } from "../format.js";
import { drawHeatmap, drawRevenue } from "./charts.js";
import { T, api, config } from "./context.js";

export const Reports = (() => {
  const current = {};          // kind -> {id, status, progress, params, url}
  const early = new Map();     // report id -> latest event data (events may beat the POST answer)
  const pollTimers = {};

  const box = (kind) => $(`report-${kind}`);

  function show(kind) {
    const r = current[kind];
    const article = box(kind);
    article.hidden = false;
    const bar = article.querySelector(".progress");
    const percent = r.status === "ready" ? 100 : Math.max(0, Math.min(100, r.progress || 0));
    bar.setAttribute("aria-valuenow", String(percent));
    bar.setAttribute("aria-label", fmt(T.report_progress, { kind: T.kind[kind] }));
    bar.querySelector("span").style.width = `${percent}%`;
    bar.dataset.state = r.status;
    const state = article.querySelector(".report-state");
    state.textContent = r.status === "ready" ? fmt(T.report_ready, { rows: r.rows ?? "" })
      : r.status === "failed" ? T.report_failed
        : r.status === "running" ? fmt(T.report_running, { percent }) : T.report_queued;
    article.querySelector(".progress-row").classList.toggle("done", r.status === "ready");
  }

  function apply(kind, data) {
    const r = current[kind];
    if (!r || data.report !== r.id || r.status === "ready") return;
    r.status = data.status;
    r.progress = Math.max(r.progress || 0, data.progress || 0);
    if (data.rows !== undefined) r.rows = data.rows;
    show(kind);
    if (r.status === "ready") finish(kind);
  }

  const seen = {};              // report id -> event types received, in order (for the browser tests)

  function onEvent(msg) {
    const d = msg.data || {};
    (seen[d.report] = seen[d.report] || []).push(msg.type);
    early.set(d.report, d);
    if (early.size > 50) early.delete(early.keys().next().value);
    for (const kind of Object.keys(current)) {
      if (current[kind].id === d.report) {
        apply(kind, d);
        if (msg.type === "report.ready") announce(`${T.kind[kind]}: ${fmt(T.report_ready, { rows: d.rows ?? "" })}`);
        if (msg.type === "report.failed") announce(`${T.kind[kind]}: ${T.report_failed}`);
      }
    }
  }

  async function finish(kind) {
    const r = current[kind];
    const article = box(kind);
    try {
      const response = await api("GET", `reports/${r.id}/download/`, undefined, { raw: true });
      const text = await response.text();
      if (current[kind] !== r) return; // another report was requested meanwhile
      const figure = article.querySelector(".chart");
      figure.textContent = "";
      figure.appendChild(kind === "occupancy" ? drawHeatmap(text, r.params) : drawRevenue(text, r.params));
      const link = article.querySelector(".download");
      if (r.url) URL.revokeObjectURL(r.url);
      r.url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = /filename="([^"]+)"/.exec(disposition);
      link.href = r.url;
      link.download = match ? match[1] : `padelyzer-${kind}.csv`;
      link.hidden = false;
    } catch (err) {
      article.querySelector(".report-state").textContent = err.message;
    }
  }

  // Events are the way progress arrives; a slow poll covers a socket that was down meanwhile.
  function watch(kind) {
    clearTimeout(pollTimers[kind]);
    pollTimers[kind] = setTimeout(async () => {
      const r = current[kind];
      if (!r || r.status === "ready" || r.status === "failed") return;
      try {
        const envelope = await api("GET", `reports/${r.id}/`);
        apply(kind, { report: envelope.data.id, ...envelope.data });
      } catch {
        /* next round */
      }
      watch(kind);
    }, 10000);
  }

  async function request(event) {
    event.preventDefault();
    const kind = (event.submitter && event.submitter.value) || "occupancy";
    const from = $("report-from").value;
    const to = $("report-to").value;
    $("report-error").textContent = "";
    const days = from && to ? Math.round((Date.parse(to) - Date.parse(from)) / 86400000) + 1 : 0;
    if (!from || !to || days < 1 || days > config.max_report_days) {
      $("report-error").textContent = fmt(T.report_bad_range, { days: config.max_report_days });
      return;
    }
    const buttons = event.target.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const envelope = await api("POST", "reports/", { club: config.id, kind, date_from: from, date_to: to });
      const data = envelope.data;
      const previous = current[kind];
      if (previous && previous.url) URL.revokeObjectURL(previous.url);
      current[kind] = { id: data.id, status: data.status, progress: data.progress, rows: data.rows,
        params: { date_from: data.date_from, date_to: data.date_to } };
      const article = box(kind);
      article.querySelector(".chart").textContent = "";
      article.querySelector(".download").hidden = true;
      show(kind);
      if (data.status === "ready") finish(kind); // built already (eager mode, or the same report ran)
      else if (early.has(data.id)) apply(kind, early.get(data.id));
      watch(kind);
      article.scrollIntoView({ block: "nearest" });
    } catch (err) {
      $("report-error").textContent = err.message;
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  // After a snapshot (a resync skipped events): ask where each unfinished report is.
  function recheck() {
    for (const kind of Object.keys(current)) if (current[kind].status !== "ready") watch(kind);
  }

  return { onEvent, request, recheck, current, seen };
})();
