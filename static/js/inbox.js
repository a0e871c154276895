// inbox.js: the signed-in player's notifications on a page, live from /ws/me/ (CONTRACT §3),
// and their notification settings (language, phone, channels per kind). No build step.
//
// The stream's snapshot is the unread list; each `notification` event adds one. Reading goes
// through REST (one, or all), and what was read leaves the list at once.
import { LiveStream } from "./live.js";
import { auth } from "./api.js";
import { $, el } from "./dom.js";
import { fmt } from "./format.js";

/**
 * @param {object} opts
 *   api, refreshAccess   from createApi (api.js)
 *   T                    strings: T.inbox (see apps/web/views/booking.py)
 *   lang                 page language, for times
 *   timeZone             the club's zone, for times
 *   announce(text)       screen-reader announcement
 */
export function createInbox({ api, refreshAccess, T, lang, timeZone, announce = () => {} }) {
  const S = T.inbox;
  let items = [];
  let stream = null;
  let prefs = null;

  const when = (iso) => new Intl.DateTimeFormat(lang, {
    timeZone, weekday: "short", hour: "2-digit", minute: "2-digit",
  }).format(new Date(iso));

  function render() {
    const list = $("inbox-list");
    list.textContent = "";
    const count = items.length;
    $("inbox-count").textContent = count ? String(count) : "";
    $("inbox-count").hidden = count === 0;
    $("inbox-readall").hidden = count === 0;
    $("inbox-title").dataset.count = String(count);
    if (!count) {
      list.appendChild(el("li", "muted", S.empty));
      return;
    }
    for (const item of items) {
      const li = el("li", `note k-${item.kind}`);
      li.dataset.notification = item.id;
      const text = el("div", "note-text");
      text.append(el("strong", "note-title", item.title), el("span", "note-body", item.body));
      const time = el("time", "note-time", when(item.created_at));
      time.dateTime = item.created_at;
      const read = el("button", "link small", S.mark_read);
      read.type = "button";
      read.setAttribute("aria-label", fmt(S.mark_read_label, { title: item.title }));
      read.addEventListener("click", () => markRead(item.id));
      li.append(text, time, read);
      list.appendChild(li);
    }
  }

  async function markRead(id) {
    const index = items.findIndex((n) => n.id === id);
    items = items.filter((n) => n.id !== id);
    render();
    // The focused button went away with its item: keep keyboard users in the list.
    const next = $("inbox-list").querySelectorAll("li[data-notification] button")[Math.max(0, index - 1)];
    (next || $("inbox-list")).focus();
    $("inbox-error").textContent = "";
    try {
      await api("POST", `notifications/${id}/read/`);
    } catch (err) {
      if (err.status !== 404) $("inbox-error").textContent = err.message; // 404: read elsewhere, gone
    }
  }

  async function markAllRead() {
    // Only what is on screen: a notification arriving meanwhile must not be read unseen.
    const until = items.map((n) => n.created_at).sort().pop();
    if (!until) return;
    items = [];
    render();
    $("inbox-list").focus();
    $("inbox-error").textContent = "";
    try {
      await api("POST", "notifications/read-all/", { until });
    } catch (err) {
      $("inbox-error").textContent = err.message;
    }
  }

  async function onDenied(code) {
    if (code !== 4401) return;
    try {
      const fresh = await refreshAccess();
      if (fresh && stream) stream.resume(null, { token: fresh.access });
      else if (!fresh) stop(); // the session is over: the page shows signed out
    } catch {
      setTimeout(() => onDenied(code), 5000);
    }
  }

  function start() {
    const a = auth();
    $("inbox").hidden = !a;
    if (!a) {
      stop();
      return;
    }
    if (!stream) {
      stream = new LiveStream("/ws/me/", {
        params: { token: a.access },
        onSnapshot: (data) => {
          items = (data && data.notifications) || [];
          render();
        },
        onEvent: (msg) => {
          if (msg.type !== "notification" || !msg.data) return;
          if (!msg.data.read_at && !items.some((n) => n.id === msg.data.id)) items.unshift(msg.data);
          render();
          announce(fmt(S.arrived, { title: msg.data.title }));
        },
        onDenied,
      });
      window.padelyzerInbox = { stream, items: () => items };
    }
    stream.resume(null, { token: a.access });
  }

  function stop() {
    if (stream) stream.stop();
    stream = null;
    items = [];
    $("inbox").hidden = true;
  }

  // ---------- settings ----------

  async function openSettings() {
    $("settings-msg").textContent = "";
    try {
      const [me, preferences] = await Promise.all([api("GET", "auth/me/"), api("GET", "notifications/preferences/")]);
      prefs = preferences.data;
      $("set-language").value = me.data.language || "";
      $("set-phone").value = me.data.phone || "";
      $("set-phone").dataset.saved = me.data.phone || "";
      showPhoneState(me.data);
      renderMatrix();
    } catch (err) {
      $("settings-msg").textContent = err.message;
    }
  }

  function renderMatrix() {
    const table = $("set-matrix");
    table.querySelectorAll("thead, tbody").forEach((part) => part.remove()); // keep the caption
    const head = table.createTHead().insertRow();
    head.appendChild(el("th", "", ""));
    for (const channel of prefs.channels) {
      const th = el("th", "", S.channels[channel] || channel);
      th.scope = "col";
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const kind of prefs.kinds) {
      const tr = body.insertRow();
      const th = el("th", "", S.kinds[kind] || kind);
      th.scope = "row";
      tr.appendChild(th);
      for (const channel of prefs.channels) {
        const box = el("input");
        box.type = "checkbox";
        box.checked = Boolean(prefs.preferences[kind] && prefs.preferences[kind][channel]);
        box.dataset.kind = kind;
        box.dataset.channel = channel;
        box.setAttribute("aria-label", `${S.kinds[kind] || kind}: ${S.channels[channel] || channel}`);
        tr.insertCell().appendChild(box);
      }
    }
  }

  async function saveSettings(event) {
    event.preventDefault();
    const msg = $("settings-msg");
    msg.textContent = "";
    msg.classList.remove("error");
    const changes = {};
    for (const box of $("set-matrix").querySelectorAll("input[type=checkbox]")) {
      (changes[box.dataset.kind] ||= {})[box.dataset.channel] = box.checked;
    }
    const phone = $("set-phone");
    phone.removeAttribute("aria-invalid");
    const body = { language: $("set-language").value, phone: phone.value.trim() };
    if (prefs) body.preferences = changes;
    try {
      // One request: language, number and channels are all saved, or none is.
      const before = phone.dataset.saved || "";
      const saved = (await api("PATCH", "notifications/settings/", body)).data;
      phone.dataset.saved = saved.me.phone;
      prefs = { channels: saved.channels, kinds: saved.kinds, preferences: saved.preferences };
      showPhoneState(saved.me, saved.me.phone !== before);
      msg.textContent = S.saved;
    } catch (err) {
      msg.textContent = err.message;
      msg.classList.add("error");
      if (err.details && err.details.phone) {
        phone.setAttribute("aria-invalid", "true");
        phone.focus();
      }
    }
  }

  // ---------- phone verification (SMS go only to a proved number) ----------

  // `sent`: a code was just sent (a new number saved); otherwise the box only asks for one.
  function showPhoneState(me, sent = false) {
    const pending = Boolean(me.phone) && !me.phone_verified;
    $("verify").hidden = !pending;
    $("phone-ok").hidden = !(me.phone && me.phone_verified);
    if (pending) $("verify-msg").textContent = sent ? fmt(S.code_sent, { phone: me.phone }) : S.code_needed;
  }

  async function verifyPhone() {
    const msg = $("verify-msg");
    msg.classList.remove("error");
    try {
      const me = await api("POST", "auth/me/phone/verify/", { code: $("verify-code").value.trim() });
      $("verify-code").value = "";
      showPhoneState(me.data);
      $("settings-msg").textContent = S.phone_verified;
    } catch (err) {
      msg.textContent = err.message;
      msg.classList.add("error");
      $("verify-code").focus();
    }
  }

  async function resendCode() {
    const msg = $("verify-msg");
    msg.classList.remove("error");
    try {
      await api("POST", "auth/me/phone/send-code/");
      msg.textContent = S.code_resent;
    } catch (err) {
      msg.textContent = err.message;
      msg.classList.add("error");
    }
  }

  $("verify-submit").addEventListener("click", verifyPhone);
  $("verify-code").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // inside the settings form: verify, do not save the form
      verifyPhone();
    }
  });
  $("verify-resend").addEventListener("click", resendCode);
  $("inbox-readall").addEventListener("click", markAllRead);
  $("settings").addEventListener("toggle", () => { if ($("settings").open) openSettings(); });
  $("settings-form").addEventListener("submit", saveSettings);

  return { start, stop };
}
