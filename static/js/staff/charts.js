// Reports drawn as inline SVG from the reports API's CSV: the occupancy heatmap (court by hour)
// and the revenue chart (by day). No libraries.
import { money } from "../club_state.js";
import { LANG, el } from "../dom.js";
import { fmt } from "../format.js";
import { T, config, shortDate } from "./context.js";

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of strings. */
export function parseCsv(text) {
  const out = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i += 1;
      row.push(field);
      out.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length) {
    row.push(field);
    out.push(row);
  }
  return out;
}

function records(text) {
  const [header, ...lines] = parseCsv(text);
  return lines.filter((l) => l.length === header.length)
    .map((l) => Object.fromEntries(header.map((h, i) => [h, l[i]])));
}

const SVG_NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

let svgIds = 0;

function svgRoot(width, height, title, desc) {
  const id = `chart-${++svgIds}`;
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-labelledby": `${id}-t ${id}-d`,
    class: "svg-chart", preserveAspectRatio: "xMinYMin meet",
  });
  root.append(svg("title", { id: `${id}-t` }, title), svg("desc", { id: `${id}-d` }, desc));
  return root;
}

const pctText = (v) => new Intl.NumberFormat(LANG, { style: "percent", maximumFractionDigits: 0 }).format(v);

// Sequential green scale (light = idle, dark = full), readable with text on top.
const HEAT = [[241, 245, 244], [198, 231, 212], [127, 202, 160], [47, 158, 102], [15, 95, 59]];

function heatColor(v) {
  const x = Math.max(0, Math.min(1, v)) * (HEAT.length - 1);
  const i = Math.min(HEAT.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [HEAT[i], HEAT[i + 1]];
  return `rgb(${a.map((c, k) => Math.round(c + (b[k] - c) * f)).join(",")})`;
}

export function drawHeatmap(text, params) {
  const lines = records(text).filter((r) => r.section === "court_hour");
  const courts = [];
  const byCourt = new Map();
  const hours = new Set();
  for (const r of lines) {
    if (!byCourt.has(r.court_id)) {
      byCourt.set(r.court_id, { name: r.court, cells: new Map(), booked: 0, open: 0 });
      courts.push(r.court_id);
    }
    const c = byCourt.get(r.court_id);
    const hour = Number(r.hour);
    hours.add(hour);
    c.cells.set(hour, { booked: Number(r.booked_minutes), open: Number(r.open_minutes) });
    c.booked += Number(r.booked_minutes);
    c.open += Number(r.open_minutes);
  }
  const figure = document.createDocumentFragment();
  if (!courts.length) {
    figure.appendChild(el("p", "muted", T.heatmap_empty));
    return figure;
  }
  const cols = [...hours].sort((a, b) => a - b);
  const cw = 38;
  const ch = 30;
  const left = Math.min(170, 24 + 7.5 * Math.max(...courts.map((id) => byCourt.get(id).name.length)));
  const top = 26;
  const gap = 14;
  const width = left + cols.length * cw + gap + 56;
  const height = top + courts.length * ch + 8;
  let best = null;
  let totalBooked = 0;
  let totalOpen = 0;
  for (const id of courts) {
    const c = byCourt.get(id);
    totalBooked += c.booked;
    totalOpen += c.open;
    for (const [hour, cell] of c.cells) {
      const v = cell.open ? cell.booked / cell.open : 0;
      if (!best || v > best.v) best = { v, court: c.name, hour };
    }
  }
  const hourLabel = (h) => `${String(h).padStart(2, "0")}:00`;
  const title = fmt(T.heatmap_title, { from: shortDate(params.date_from), to: shortDate(params.date_to) });
  const desc = fmt(T.heatmap_desc, {
    overall: pctText(totalOpen ? totalBooked / totalOpen : 0), court: best.court, hour: hourLabel(best.hour),
    value: pctText(best.v),
  });
  const root = svgRoot(width, height, title, desc);
  cols.forEach((h, i) => root.appendChild(svg("text", {
    x: left + i * cw + cw / 2, y: top - 9, class: "axis", "text-anchor": "middle",
  }, String(h).padStart(2, "0"))));
  root.appendChild(svg("text", { x: left + cols.length * cw + gap + 26, y: top - 9, class: "axis strong",
    "text-anchor": "middle" }, T.overall));
  courts.forEach((id, r) => {
    const c = byCourt.get(id);
    const y = top + r * ch;
    root.appendChild(svg("text", { x: left - 10, y: y + ch / 2 + 4, class: "label", "text-anchor": "end" }, c.name));
    cols.forEach((h, i) => {
      const cell = c.cells.get(h) || { booked: 0, open: 0 };
      const v = cell.open ? cell.booked / cell.open : 0;
      const g = svg("g");
      g.appendChild(svg("rect", {
        x: left + i * cw + 1, y: y + 1, width: cw - 2, height: ch - 2, rx: 4,
        fill: cell.open ? heatColor(v) : "#f7f8f9", class: cell.open ? "cell" : "cell closed",
      }));
      if (cell.open) {
        g.appendChild(svg("text", {
          x: left + i * cw + cw / 2, y: y + ch / 2 + 4, "text-anchor": "middle", class: v > 0.55 ? "val light" : "val",
        }, String(Math.round(v * 100))));
      }
      g.appendChild(svg("title", {}, fmt(T.heatmap_cell, {
        court: c.name, hour: hourLabel(h), value: cell.open ? pctText(v) : "—", booked: cell.booked, open: cell.open,
      })));
      root.appendChild(g);
    });
    const v = c.open ? c.booked / c.open : 0;
    const x = left + cols.length * cw + gap;
    root.appendChild(svg("rect", { x, y: y + 1, width: 52, height: ch - 2, rx: 4, fill: heatColor(v) }));
    root.appendChild(svg("text", { x: x + 26, y: y + ch / 2 + 4, "text-anchor": "middle",
      class: v > 0.55 ? "val light strong" : "val strong" }, pctText(v)));
  });
  const wrap = el("div", "chart-scroll");
  wrap.appendChild(root);
  figure.appendChild(wrap);
  const legend = el("div", "heat-legend");
  legend.setAttribute("aria-hidden", "true");
  legend.append(el("span", "", `${T.low} 0%`), el("span", "heat-bar"), el("span", "", `100% ${T.high}`));
  figure.appendChild(legend);
  const caption = el("figcaption", "caption", `${title}. ${desc}`);
  figure.appendChild(caption);
  return figure;
}

/** The smallest "round" step (1, 2, 2.5 or 5 times a power of ten) that covers `value` in `ticks` steps. */
function niceStep(value, ticks) {
  const raw = Math.max(value, 1) / ticks;
  const exp = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= raw) return m * exp;
  return 10 * exp;
}

export function drawRevenue(text, params) {
  const all = records(text);
  const days = all.filter((r) => r.section === "day");
  const total = all.find((r) => r.section === "total");
  const courts = all.filter((r) => r.section === "court");
  const modes = all.filter((r) => r.section === "payment_mode");
  const currency = (total && total.currency) || config.currency;
  const moneyShort = (v) => new Intl.NumberFormat(LANG, {
    style: "currency", currency, maximumFractionDigits: 0, minimumFractionDigits: 0,
  }).format(v);
  const figure = document.createDocumentFragment();

  const values0 = days.map((d) => Math.max(Number(d.revenue), Number(d.collected)));
  const ticks = 4;
  const step = niceStep(Math.max(1, ...values0), ticks);
  const max = step * ticks;
  const labelWidth = 7 * moneyShort(max).length; // ~7 px a character at 11 px
  const width = 900;
  const height = 300;
  const m = { left: Math.max(48, labelWidth + 14), right: 14, top: 18, bottom: 44 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const values = days.map((d) => ({
    day: d.key, revenue: Number(d.revenue), collected: Number(d.collected), bookings: Number(d.bookings),
  }));
  const y = (v) => m.top + plotH - (v / max) * plotH;
  const best = values.reduce((a, b) => (b.revenue > a.revenue ? b : a),
    values[0] || { day: params.date_from, revenue: 0 });
  const title = fmt(T.chart_title, { from: shortDate(params.date_from), to: shortDate(params.date_to) });
  const desc = fmt(T.chart_desc, {
    revenue: money(total ? total.revenue : "0", currency, LANG), bookings: total ? total.bookings : 0,
    collected: money(total ? total.collected : "0", currency, LANG), day: shortDate(best.day),
    best: money(best.revenue, currency, LANG),
  });
  const root = svgRoot(width, height, title, desc);
  root.classList.add("wide");
  for (let i = 0; i <= ticks; i += 1) {
    const v = step * i;
    root.appendChild(svg("line", { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v), class: i ? "grid" : "base" }));
    root.appendChild(svg("text", { x: m.left - 8, y: y(v) + 4, "text-anchor": "end", class: "axis" }, moneyShort(v)));
  }
  const band = plotW / Math.max(1, values.length);
  const every = Math.ceil(values.length / 12);
  values.forEach((v, i) => {
    const x = m.left + i * band;
    const g = svg("g", { class: "bar" });
    const outer = Math.min(56, Math.max(2, band * 0.72));
    const inner = Math.min(28, Math.max(1.5, band * 0.38));
    g.appendChild(svg("rect", { x: x + (band - outer) / 2, y: y(v.revenue), width: outer,
      height: Math.max(0, y(0) - y(v.revenue)), rx: Math.min(3, outer / 4), class: "booked" }));
    g.appendChild(svg("rect", { x: x + (band - inner) / 2, y: y(v.collected), width: inner,
      height: Math.max(0, y(0) - y(v.collected)), rx: Math.min(2, inner / 4), class: "collected" }));
    g.appendChild(svg("rect", { x, y: m.top, width: band, height: plotH, class: "hit" }));
    g.appendChild(svg("title", {}, fmt(T.chart_bar, {
      day: shortDate(v.day), revenue: money(v.revenue, currency, LANG), collected: money(v.collected, currency, LANG),
      bookings: v.bookings,
    })));
    root.appendChild(g);
    if (i % every === 0) {
      const date = new Date(`${v.day}T12:00:00Z`);
      const first = i === 0 || date.getUTCDate() <= every;
      const label = new Intl.DateTimeFormat(LANG, first ? { day: "numeric", month: "short", timeZone: "UTC" }
        : { day: "numeric", timeZone: "UTC" }).format(date);
      root.appendChild(svg("text", { x: x + band / 2, y: height - m.bottom + 18, "text-anchor": "middle",
        class: "axis" }, label));
    }
  });
  const legend = svg("g", { transform: `translate(${m.left}, ${height - 10})`, class: "legend" });
  const second = 18 + 6.5 * T.booked_value.length + 22; // after the first label (~6.5 px a character)
  legend.append(svg("rect", { x: 0, y: -10, width: 12, height: 12, rx: 2, class: "booked" }),
    svg("text", { x: 18, y: 0, class: "axis" }, T.booked_value),
    svg("rect", { x: second, y: -10, width: 12, height: 12, rx: 2, class: "collected" }),
    svg("text", { x: second + 18, y: 0, class: "axis" }, T.collected));
  root.appendChild(legend);
  const wrap = el("div", "chart-scroll");
  wrap.appendChild(root);
  figure.appendChild(wrap);

  const stats = el("dl", "stats");
  const stat = (label, value) => {
    const box = el("div", "stat");
    box.append(el("dt", "", label), el("dd", "", value));
    stats.appendChild(box);
  };
  stat(T.booked_value, money(total ? total.revenue : "0", currency, LANG));
  stat(T.collected, money(total ? total.collected : "0", currency, LANG));
  stat(T.refunded, money(total ? total.refunded : "0", currency, LANG));
  stat(T.bookings, total ? total.bookings : "0");
  figure.appendChild(stats);
  if (modes.length) {
    const line = el("p", "modes");
    line.textContent = modes
      .map((mode) => `${T.by_mode[mode.key] || mode.label}: ${money(mode.revenue, currency, LANG)}`)
      .join(" · ");
    figure.appendChild(line);
  }

  if (courts.length) {
    const table = el("table", "mini");
    const head = table.createTHead().insertRow();
    for (const text of [T.kind.revenue, T.bookings, T.booked_value, T.collected]) {
      const th = el("th", "", text);
      th.scope = "col";
      head.appendChild(th);
    }
    head.cells[0].textContent = "";
    head.cells[0].appendChild(el("span", "sr-only", T.kind.revenue));
    const body = table.createTBody();
    const top = Math.max(1, ...courts.map((c) => Number(c.revenue)));
    for (const c of courts) {
      const tr = body.insertRow();
      const th = el("th", "", c.label);
      th.scope = "row";
      tr.appendChild(th);
      tr.insertCell().textContent = c.bookings;
      const cell = tr.insertCell();
      const bar = el("span", "inline-bar");
      bar.style.setProperty("--w", `${(Number(c.revenue) / top) * 100}%`);
      cell.append(bar, document.createTextNode(money(c.revenue, currency, LANG)));
      tr.insertCell().textContent = money(c.collected, currency, LANG);
    }
    figure.appendChild(table);
  }
  figure.appendChild(el("figcaption", "caption", `${title}. ${desc}`));
  return figure;
}
