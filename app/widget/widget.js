/*! Rapport practice widget: practise a networking conversation right on a coaching site.
 *
 * Embed with one tag (no build step, no dependencies):
 *   <script src="https://HOST/widget.js" data-key="pk_..." data-persona="recruiter" async></script>
 *
 * Why it is built this way:
 * - Everything is rendered inside an OPEN shadow root, so the host page's CSS cannot restyle the
 *   widget and the widget's CSS cannot leak into the page; "open" keeps it testable and inspectable.
 * - The API base is the origin this script was loaded from, so one tag is all a site needs.
 * - The data-testid attributes are a public contract (API.md, "Widget hooks"): do not rename them.
 * - Text from the server or the user is only ever set with textContent, never parsed as HTML.
 */
(function () {
  "use strict";
  if (window.RapportWidget) return; // a page that includes the tag twice must still get one widget

  // ------------------------------------------------------------------ configuration
  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const API = new URL(script ? script.src : "/widget.js", location.href).origin;
  const KEY = (script && script.dataset.key) || "";
  const PRESET = (script && script.dataset.persona) || "";
  // One slot per API and key: two widgets from different servers on one site must not mix up ids.
  const STORE_KEY = "rapport:" + API + ":" + (KEY ? KEY.slice(0, 12) : "open");
  const VISITOR_KEY = "rapport-visitor:" + API + ":" + (KEY ? KEY.slice(0, 12) : "open");
  const MAX_CHARS = 2000;

  const MOVE_LABELS = {
    follow_up_question: "Follow-up question", new_topic_question: "New question",
    mirror_question: "Mirrored question", reflection: "Reflection", acknowledgement: "Acknowledgement",
    self_disclosure: "Shared about yourself", self_focus: "About you", pitch: "Pitch",
    topic_hijack: "Topic hijack", minimal: "Minimal reply", dismissive: "Dismissive",
  };
  const NEGATIVE_MOVES = new Set(["self_focus", "pitch", "topic_hijack", "minimal", "dismissive"]);
  const OUTCOMES = {
    warm_close: "Warm close: they were glad to stay in touch",
    neutral_close: "Polite close: friendly, but no real connection yet",
    walked_away: "They walked away",
  };

  // ------------------------------------------------------------------ session storage
  // Storage can be blocked (privacy modes, sandboxed frames): the widget then works from memory,
  // and a reload simply starts over instead of failing.
  let memory = {};
  const store = {
    get() {
      try {
        const saved = sessionStorage.getItem(STORE_KEY);
        return saved === null ? Object.assign({}, memory) : JSON.parse(saved);
      } catch (e) { return Object.assign({}, memory); }
    },
    set(patch) {
      memory = Object.assign(store.get(), patch);
      try { sessionStorage.setItem(STORE_KEY, JSON.stringify(memory)); } catch (e) { /* see above */ }
    },
  };

  // With a publishable key the server knows this visitor only by two tokens it handed out: the
  // conversation's (kept with its id above, sent on every call about it) and the visitor's (kept
  // across visits, sent when a conversation starts, so that a persona can remember the learner).
  let visitorMemory = null;
  const visitor = {
    get() {
      try { return localStorage.getItem(VISITOR_KEY) || visitorMemory; } catch (e) { return visitorMemory; }
    },
    set(token) {
      visitorMemory = token;
      try { localStorage.setItem(VISITOR_KEY, token); } catch (e) { /* kept in memory only */ }
    },
  };

  function tokenHeaders(method, path) {
    if (method === "POST" && path === "/v1/conversations") {
      const token = visitor.get();
      return token ? { "X-Rapport-Visitor-Token": token } : {};
    }
    const saved = store.get();
    const own = saved.id && "/v1/conversations/" + encodeURIComponent(saved.id);
    if (own && saved.token && (path === own || path.startsWith(own + "/"))) {
      return { "X-Rapport-Conversation-Token": saved.token };
    }
    return {};
  }

  // ------------------------------------------------------------------ API client
  class ApiError extends Error {
    constructor(status, code, detail, extra) {
      super(detail);
      this.status = status; // 0 means the network failed before any answer arrived
      this.code = code;
      this.detail = detail;
      this.extra = extra || {};
    }
  }

  const networkError = (detail) => new ApiError(0, "network",
    detail || "Could not reach the practice server. Check your connection and try again.");

  function problem(body, status) {
    body = body || {};
    return new ApiError(body.status || status, body.code || "http_" + status,
      body.detail || body.title || "The server could not handle that request.", body);
  }

  async function problemFrom(res) {
    let body = null;
    try { body = await res.json(); } catch (e) { /* not a problem document */ }
    return problem(body, res.status);
  }

  function headers(accept, withBody, tokens) {
    const out = Object.assign({ Accept: accept }, tokens);
    if (withBody) out["Content-Type"] = "application/json";
    if (KEY) out.Authorization = "Bearer " + KEY;
    return out;
  }

  async function call(method, path, body, accept) {
    try {
      return await fetch(API + path, {
        method, headers: headers(accept || "application/json", body !== undefined, tokenHeaders(method, path)),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw networkError();
    }
  }

  async function request(method, path, body) {
    const res = await call(method, path, body);
    if (!res.ok) throw await problemFrom(res);
    return res.json();
  }

  // EventSource cannot POST, so a turn's stream is read by hand with fetch + ReadableStream.
  // If a proxy (or an older server) answers with plain JSON instead, that answer is used as is.
  async function streamTurn(path, body, on) {
    const res = await call("POST", path, body, "text/event-stream");
    if (!res.ok) throw await problemFrom(res);
    const type = res.headers.get("content-type") || "";
    if (!type.includes("text/event-stream") || !res.body) {
      const done = await res.json();
      on.done(done);
      return done;
    }
    let result = null;
    try {
      await readEvents(res.body, (name, data) => {
        if (name === "error") throw problem(data, 503);
        if (name === "done") result = data;
        if (on[name]) on[name](data);
      });
    } catch (e) {
      throw e instanceof ApiError ? e : networkError("The connection dropped before the reply finished.");
    }
    if (!result) throw networkError("The connection dropped before the reply finished.");
    return result;
  }

  async function readEvents(stream, emit) {
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      // Normalise CRLF (sse-starlette's separator); a trailing CR may be half of one, so keep it.
      buffer = (buffer + decoder.decode(value, { stream: true })).replace(/\r\n|\r(?!$)/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = parseEvent(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (event) emit(event.name, event.data);
      }
    }
  }

  function parseEvent(block) {
    let name = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (!line || line[0] === ":") continue; // comments are keep-alive pings
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
    }
    if (!data.length) return null;
    try { return { name, data: JSON.parse(data.join("\n")) }; } catch (e) { return null; }
  }

  // ------------------------------------------------------------------ DOM helpers
  let uid = 0;
  const nextId = (prefix) => "rw-" + prefix + "-" + (++uid);

  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    for (const kid of kids.flat()) if (kid !== null && kid !== undefined && kid !== false) el.append(kid);
    return el;
  }

  function s(tag, attrs, text) {
    const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    setAttrs(el, attrs);
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function setAttrs(el, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
      else if (name === "text") el.textContent = value;
      else el.setAttribute(name, value === true ? "" : String(value));
    }
  }

  const pct = (x) => Math.round(x * 100) + "%";

  // ------------------------------------------------------------------ styles (shadow-scoped)
  const CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.rw { --accent: var(--rapport-accent, #2f5bea); --ink: #1d2433; --muted: #5b6478; --line: #dde2ec;
  --good: #157347; --mixed: #9a6200; --poor: #b42318; --focus: #ffbf47;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); letter-spacing: normal; text-transform: none; text-align: left; }
button, select, textarea { font: inherit; color: inherit; letter-spacing: normal; text-transform: none; }
button { cursor: pointer; border-radius: 8px; border: 1px solid var(--line); background: #fff;
  padding: 6px 12px; min-height: 36px; box-shadow: none; margin: 0; }
button:disabled { opacity: .55; cursor: default; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; border: 0; border-radius: 999px;
  padding: 12px 20px; min-height: 48px; background: var(--accent); color: #fff; font-weight: 600;
  box-shadow: 0 6px 20px rgba(20, 30, 60, .28); display: flex; align-items: center; gap: 8px; }
.launcher svg { width: 20px; height: 20px; fill: currentColor; }
.panel { position: fixed; right: 20px; bottom: 84px; z-index: 2147483001; width: 400px;
  height: min(660px, calc(100vh - 104px)); display: flex; flex-direction: column; overflow: hidden;
  background: #fff; border: 1px solid var(--line); border-radius: 16px; box-shadow: 0 18px 48px rgba(20, 30, 60, .25); }
header { display: flex; align-items: center; gap: 10px; padding: 12px 14px; background: #f5f7fb; border-bottom: 1px solid var(--line); }
header .titles { flex: 1; min-width: 0; }
h2 { font-size: 16px; margin: 0; font-weight: 700; }
.who { margin: 0; color: var(--muted); font-size: 13px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.close { border: 0; background: transparent; font-size: 22px; line-height: 1; padding: 4px 10px; }
.meter { display: flex; align-items: center; gap: 6px; margin-top: 4px; font-size: 12px; color: var(--muted); }
.meter .bar { width: 96px; height: 8px; border-radius: 8px; background: #e3e7ef; overflow: hidden; }
.meter .fill { display: block; height: 100%; width: 50%; background: var(--mixed); transition: width .4s, background-color .4s; }
.setup { display: grid; grid-template-columns: 1fr auto auto; gap: 8px; align-items: end; padding: 10px 14px; border-bottom: 1px solid var(--line); }
.setup label { display: grid; gap: 2px; font-size: 12px; color: var(--muted); min-width: 0; }
select { width: 100%; font-size: 15px; min-height: 36px; border: 1px solid var(--line); border-radius: 8px; padding: 4px 6px; background: #fff; }
.preview { grid-column: 1 / -1; margin: 0; font-size: 13px; color: var(--muted); }
.log { flex: 1; overflow-y: auto; overflow-x: hidden; padding: 14px; display: flex; flex-direction: column; gap: 10px; }
.scene { margin: 0; padding: 10px 12px; border-radius: 10px; background: #f0f3fa; color: var(--muted); font-size: 13px; }
.row { display: flex; flex-direction: column; max-width: 86%; }
.row.user { align-self: flex-end; align-items: flex-end; }
.msg { padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; }
.persona .msg { background: #eef1f6; border-bottom-left-radius: 4px; }
.user .msg { background: var(--accent); color: #fff; border-bottom-right-radius: 4px; }
.user .msg mark { color: inherit; background: none; text-decoration: underline 2px; text-underline-offset: 3px; }
.user .msg mark.good { text-decoration-color: #9ff0c0; }
.user .msg mark.bad { text-decoration-color: #ffb4a8; text-decoration-style: wavy; }
.msg.failed { opacity: .75; outline: 2px dashed var(--poor); }
.typing::after { content: "\\2026"; animation: blink 1s infinite; }
@keyframes blink { 50% { opacity: .2; } }
.feedback { position: relative; margin-top: 4px; }
.chip { font-size: 12px; min-height: 28px; padding: 2px 10px; border-radius: 999px; font-weight: 600; display: inline-flex; gap: 6px; align-items: center; }
.chip.good { color: var(--good); border-color: #9fd8b8; background: #edf9f2; }
.chip.mixed { color: var(--mixed); border-color: #f0cf8f; background: #fff7e6; }
.chip.poor { color: var(--poor); border-color: #f3b4ac; background: #fff0ee; }
.tip { display: none; position: absolute; right: 0; top: calc(100% + 4px); z-index: 2; width: max-content; max-width: 260px;
  padding: 8px 10px; border-radius: 8px; background: #1d2433; color: #fff; font-size: 13px; box-shadow: 0 6px 16px rgba(0, 0, 0, .2); }
.chip:focus-visible + .tip, .chip:hover + .tip, .chip[aria-expanded="true"] + .tip { display: block; }
.alert { margin: 0 14px 8px; padding: 8px 10px; border-radius: 10px; background: #fff0ee; color: var(--poor); border: 1px solid #f3b4ac;
  display: flex; gap: 8px; align-items: center; font-size: 13px; }
.alert p { margin: 0; flex: 1; }
.composer { display: flex; gap: 8px; padding: 10px 14px; border-top: 1px solid var(--line); }
textarea { flex: 1; resize: none; min-height: 44px; max-height: 140px; border: 1px solid var(--line); border-radius: 10px; padding: 8px 10px; font-size: 16px; }
.actions { display: flex; justify-content: space-between; align-items: center; gap: 8px; padding: 0 14px 12px; font-size: 13px; }
.actions button { white-space: nowrap; }
.count { color: var(--muted); align-self: center; }
.scorecard { border: 1px solid var(--line); border-radius: 12px; padding: 12px; background: #fbfcfe; }
.scorecard:focus { outline: none; }
.scorecard h3 { margin: 0 0 4px; font-size: 16px; }
.scorecard h4 { margin: 12px 0 4px; font-size: 14px; }
.scorecard ul { margin: 0; padding-left: 18px; }
.scorecard li { margin: 3px 0; }
.stats { display: grid; grid-template-columns: repeat(3, 1fr); gap: 6px; margin: 8px 0; }
.stats div { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 6px; text-align: center; }
.stats dt { font-size: 11px; color: var(--muted); }
.stats dd { margin: 0; font-weight: 700; font-size: 16px; }
.trust-line { stroke: var(--accent); } .trust-dot { fill: var(--accent); }
.chart { width: 100%; height: auto; display: block; margin-top: 6px; }
.legend { display: flex; gap: 14px; font-size: 12px; color: var(--muted); }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; background: currentColor; vertical-align: -1px; }
.legend .trust { color: var(--accent); } .legend .score { color: #8a94a8; }
@media (max-width: 480px) {
  .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; border: 0; }
  .open .launcher { display: none; }
  .row { max-width: 94%; }
  select { font-size: 16px; } /* under 16px, iOS zooms the page when the control gets focus */
  .stats { grid-template-columns: repeat(2, 1fr); }
}
@media (prefers-reduced-motion: reduce) { .typing::after { animation: none; } .meter .fill { transition: none; } }
`;

  // ------------------------------------------------------------------ building the UI
  const ui = {};

  function build() {
    const host = document.createElement("rapport-widget");
    // Inline !important beats any page rule that targets the host element itself (e.g. `* {...}`).
    host.style.cssText = "all: initial !important; display: block !important;";
    const root = host.attachShadow({ mode: "open" });
    root.append(h("style", { text: CSS }));
    ui.root = h("div", { class: "rw" }, buildLauncher(), buildPanel());
    root.append(ui.root);
    document.body.append(host);
    ui.shadow = root;
  }

  function buildLauncher() {
    const icon = s("svg", { viewBox: "0 0 24 24", "aria-hidden": "true" });
    icon.append(s("path", { d: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" }));
    ui.launcher = h("button", { type: "button", class: "launcher", "data-testid": "rapport-launcher",
      "aria-expanded": "false", "aria-controls": "rw-panel", onclick: () => (state.open ? close() : open()) },
    icon, h("span", { text: "Practise a conversation" }));
    return ui.launcher;
  }

  function buildPanel() {
    ui.title = h("h2", { id: "rw-title", text: "Conversation practice" });
    ui.who = h("p", { class: "who", text: "Meet someone new and practise showing real interest." });
    ui.fill = h("span", { class: "fill" });
    ui.mood = h("span", { class: "mood", text: "" });
    ui.meter = h("div", { class: "meter", role: "meter", "aria-label": "Their trust in you", "aria-valuemin": 0,
      "aria-valuemax": 100, "aria-valuenow": 50, hidden: true },
    h("span", { "aria-hidden": "true", text: "Trust" }), h("span", { class: "bar" }, ui.fill), ui.mood);
    const header = h("header", {}, h("div", { class: "titles" }, ui.title, ui.who, ui.meter),
      h("button", { type: "button", class: "close", "aria-label": "Close practice chat", onclick: close, text: "\u00d7" }));
    ui.log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": "Conversation" });
    ui.alertText = h("p", {});
    ui.retry = h("button", { type: "button", "data-testid": "rapport-retry", text: "Retry", onclick: () => runRetry() });
    ui.alert = h("div", { class: "alert", role: "alert", "data-testid": "rapport-error", hidden: true }, ui.alertText, ui.retry);
    ui.panel = h("section", { id: "rw-panel", class: "panel", role: "dialog", "aria-labelledby": "rw-title", hidden: true,
      onkeydown: onPanelKey },
    header, buildSetup(), ui.log, ui.alert, buildComposer(), buildActions());
    return ui.panel;
  }

  function buildSetup() {
    ui.persona = h("select", { "data-testid": "rapport-persona", onchange: onPickerChange });
    ui.difficulty = h("select", { "data-testid": "rapport-difficulty", onchange: onPickerChange });
    ui.start = h("button", { type: "button", class: "primary", "data-testid": "rapport-start", text: "Start",
      onclick: () => startConversation() });
    ui.preview = h("p", { class: "preview", id: "rw-preview", "aria-live": "polite" });
    return h("div", { class: "setup" },
      h("label", {}, "Who you'll meet", ui.persona), h("label", {}, "Difficulty", ui.difficulty), ui.start, ui.preview);
  }

  function buildComposer() {
    ui.input = h("textarea", { id: "rw-input", "data-testid": "rapport-input", rows: 2, maxlength: MAX_CHARS,
      placeholder: "Type your message\u2026", "aria-describedby": "rw-hint", oninput: onDraft, onkeydown: onInputKey });
    ui.send = h("button", { type: "submit", class: "primary", "data-testid": "rapport-send", text: "Send" });
    ui.composer = h("form", { class: "composer", onsubmit: (e) => { e.preventDefault(); sendFromInput(); } },
      h("label", { class: "sr", for: "rw-input", text: "Your message" }), ui.input, ui.send);
    return ui.composer;
  }

  function buildActions() {
    ui.count = h("span", { class: "count", id: "rw-hint", text: "Shift+Enter for a new line" });
    ui.end = h("button", { type: "button", "data-testid": "rapport-end", text: "End & see scorecard", onclick: () => endConversation() });
    return h("div", { class: "actions" }, ui.count, ui.end);
  }

  // ------------------------------------------------------------------ state
  const state = {
    open: false,
    personas: [],
    conversation: null, // {id, persona_id, difficulty, ended}
    messages: [], // local mirror of the transcript: {role, content, feedback}
    busy: false,
    ready: null, // promise of the conversation being created or resumed
    retry: null, // what the Retry button does for the failure on screen
  };

  const personaById = (id) => state.personas.find((p) => p.id === id) || null;

  // ------------------------------------------------------------------ opening and closing
  function open() {
    state.open = true;
    store.set({ open: true });
    ui.panel.hidden = false;
    if (PHONE.matches) ui.panel.setAttribute("aria-modal", "true");
    else ui.panel.removeAttribute("aria-modal");
    ui.root.classList.add("open");
    ui.launcher.setAttribute("aria-expanded", "true");
    const saved = store.get();
    // Focus where the user will act next: the message box when a conversation will be there.
    (saved.id || PRESET ? ui.input : ui.persona).focus();
    if (!state.ready) state.ready = boot();
  }

  function close() {
    state.open = false;
    store.set({ open: false });
    ui.panel.hidden = true;
    ui.root.classList.remove("open");
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.focus();
  }

  // Full-screen on a phone the panel hides the page, so Tab must not wander behind it.
  const PHONE = window.matchMedia("(max-width: 480px)");

  function onPanelKey(e) {
    if (e.key === "Escape") {
      e.preventDefault();
      close();
    } else if (e.key === "Tab" && PHONE.matches) {
      const items = [...ui.panel.querySelectorAll("button, select, textarea")]
        .filter((el) => !el.disabled && el.offsetParent !== null);
      const first = items[0], last = items[items.length - 1];
      if (e.shiftKey && ui.shadow.activeElement === first) { e.preventDefault(); last.focus(); }
      else if (!e.shiftKey && ui.shadow.activeElement === last) { e.preventDefault(); first.focus(); }
    }
  }

  async function boot() {
    try {
      await loadPersonas();
    } catch (err) {
      state.ready = null; // let the next Retry or open try again from the start
      return showError(err, () => { state.ready = boot(); });
    }
    const saved = store.get();
    if (saved.id) return resume(saved.id);
    if (personaById(PRESET)) return startConversation();
    updatePreview();
  }

  async function loadPersonas() {
    const data = await request("GET", "/v1/personas");
    state.personas = data.personas || [];
    ui.persona.replaceChildren(...state.personas.map((p) =>
      h("option", { value: p.id, text: p.name + " \u2014 " + p.role })));
    const saved = store.get();
    ui.persona.value = saved.persona_id || (personaById(PRESET) ? PRESET : (state.personas[0] || {}).id || "");
    fillDifficulties(saved.difficulty);
  }

  function fillDifficulties(wanted) {
    const persona = personaById(ui.persona.value);
    const levels = persona ? persona.difficulties : [];
    ui.difficulty.replaceChildren(...levels.map((d) => h("option", { value: d, text: d[0].toUpperCase() + d.slice(1) })));
    ui.difficulty.value = levels.includes(wanted) ? wanted : levels.includes("normal") ? "normal" : levels[0] || "";
  }

  function onPickerChange(event) {
    if (event.target === ui.persona) fillDifficulties(ui.difficulty.value);
    updatePreview();
  }

  // Picking someone else does not throw the current conversation away (arrow keys on a focused
  // <select> change it instantly); the Start button says what will happen instead.
  function updatePreview() {
    const persona = personaById(ui.persona.value);
    const current = state.conversation;
    const same = current && current.persona_id === ui.persona.value && current.difficulty === ui.difficulty.value;
    ui.preview.hidden = Boolean(same) || !persona;
    if (persona) {
      ui.preview.textContent = persona.name + ", " + persona.role + (persona.company ? " at " + persona.company : "") +
        ". " + (persona.scenario || persona.summary || "");
    }
    ui.start.textContent = !current ? "Start" : same ? "Start over" : "Switch";
  }

  // ------------------------------------------------------------------ conversations
  async function startConversation() {
    hideError();
    const body = { persona_id: ui.persona.value };
    if (ui.difficulty.value) body.difficulty = ui.difficulty.value;
    setBusy(true);
    try {
      const conv = await request("POST", "/v1/conversations", body);
      store.set({ id: conv.id, token: conv.token || null, persona_id: conv.persona_id, difficulty: conv.difficulty });
      if (conv.visitor_token) visitor.set(conv.visitor_token);
      showConversation(conv);
      // Only move focus within the widget: an automatic start must not pull it off the host page.
      // (a Start button that was disabled while busy leaves the focus on <body>).
      const active = document.activeElement;
      if (ui.shadow.activeElement || !active || active === document.body) ui.input.focus();
    } catch (err) {
      showError(err, () => startConversation());
    } finally {
      setBusy(false);
    }
  }

  async function resume(id) {
    try {
      const conv = await request("GET", "/v1/conversations/" + encodeURIComponent(id));
      showConversation(conv);
      if (conv.state && conv.state.ended) await showReport("GET", "/report");
      else if (lastMessage() && lastMessage().role === "user") offerMissingReply();
    } catch (err) {
      if (err.status === 404) { // the server forgot it (or another key made it): start afresh
        store.set({ id: null, token: null });
        return personaById(PRESET) ? startConversation() : updatePreview();
      }
      showError(err, () => resume(id));
    }
  }

  function showConversation(conv) {
    const persona = personaById(conv.persona_id) || { name: "Your partner", role: "" };
    state.conversation = { id: conv.id, persona_id: conv.persona_id, difficulty: conv.difficulty || ui.difficulty.value,
      ended: Boolean(conv.state && conv.state.ended) };
    state.messages = [];
    ui.persona.value = conv.persona_id;
    fillDifficulties(state.conversation.difficulty);
    ui.title.textContent = "Practise with " + persona.name;
    ui.who.textContent = [persona.role, persona.company].filter(Boolean).join(" \u00b7 ");
    ui.log.replaceChildren(h("p", { class: "scene" }, h("strong", { text: "The scene: " }), persona.scenario || persona.summary || ""));
    for (const m of conv.messages || []) addMessage(m.role, m.content, m.feedback);
    updateMeter(conv.state);
    setEnded(state.conversation.ended);
    updatePreview();
    restoreDraft();
  }

  const lastMessage = () => state.messages[state.messages.length - 1];

  function setEnded(ended) {
    ui.composer.hidden = ended;
    ui.end.hidden = ended;
    ui.count.hidden = ended;
  }

  function setBusy(busy) {
    state.busy = busy;
    ui.send.disabled = busy; // the box stays editable so the next message can be drafted
    ui.start.disabled = busy;
    ui.end.disabled = busy;
  }

  // ------------------------------------------------------------------ messages and feedback
  function addMessage(role, content, feedback) {
    const persona = personaById(state.conversation && state.conversation.persona_id);
    const speaker = role === "user" ? "You" : (persona ? persona.name : "They");
    const text = h("span", { class: "text", text: content });
    // The speaker's name is read out by screen readers but kept outside the message's own text.
    const bubble = h("div", { class: "msg", "data-testid": "rapport-message", "data-role": role }, text);
    const row = h("div", { class: "row " + role }, h("span", { class: "sr", text: speaker + ": " }), bubble);
    const entry = { role, content, feedback: null, row, bubble, text };
    state.messages.push(entry);
    ui.log.append(row);
    if (feedback) attachFeedback(entry, feedback);
    scrollDown();
    return entry;
  }

  function attachFeedback(entry, fb) {
    entry.feedback = fb;
    highlightEvidence(entry.text, entry.content, fb.evidence || []);
    const old = entry.row.querySelector(".feedback");
    if (old) old.remove();
    entry.row.append(feedbackChip(fb));
  }

  function feedbackChip(fb) {
    const tipId = nextId("tip");
    const tone = fb.genuine_interest ? "good" : fb.score >= 40 ? "mixed" : "poor";
    const negative = (fb.moves || []).find((m) => NEGATIVE_MOVES.has(m));
    const label = fb.genuine_interest ? "Genuine interest" : MOVE_LABELS[negative] || "Missed a chance to connect";
    const chip = h("button", { type: "button", class: "chip " + tone, "data-testid": "rapport-feedback",
      "data-genuine-interest": String(Boolean(fb.genuine_interest)), "data-score": String(fb.score),
      "aria-describedby": tipId, "aria-expanded": "false",
      onclick: (e) => e.currentTarget.setAttribute("aria-expanded",
        String(e.currentTarget.getAttribute("aria-expanded") !== "true")) },
    h("span", { "aria-hidden": "true", text: fb.genuine_interest ? "\u2713" : "!" }), label,
    h("span", { text: "\u00b7" }), h("span", { class: "sr", text: "score" }), String(fb.score));
    const tip = h("span", { class: "tip", role: "tooltip", id: tipId, text: "Tip: " + fb.tip });
    return h("div", { class: "feedback" }, chip, tip);
  }

  // Evidence spans may overlap (a whole self-focused message containing a pitch): paint longer
  // spans first so the more specific, shorter one wins where they meet.
  function highlightEvidence(el, text, evidence) {
    const paint = new Array(text.length).fill(null);
    const spans = evidence.filter((e) => e.text && text.includes(e.text))
      .sort((a, b) => b.text.length - a.text.length);
    for (const ev of spans) {
      const start = text.indexOf(ev.text);
      for (let i = start; i < start + ev.text.length; i++) paint[i] = ev.move;
    }
    const parts = [];
    let i = 0;
    while (i < text.length) {
      let j = i;
      while (j < text.length && paint[j] === paint[i]) j++;
      const chunk = text.slice(i, j);
      const move = paint[i];
      parts.push(move ? h("mark", { class: NEGATIVE_MOVES.has(move) ? "bad" : "good", title: MOVE_LABELS[move] || move, text: chunk })
        : document.createTextNode(chunk));
      i = j;
    }
    el.replaceChildren(...parts);
  }

  function updateMeter(st) {
    if (!st || typeof st.trust !== "number") return;
    const trust = Math.max(0, Math.min(1, st.trust));
    const mood = trust < 0.35 ? "guarded" : trust < 0.55 ? "neutral" : trust < 0.75 ? "warm" : "won over";
    ui.meter.hidden = false;
    ui.fill.style.width = pct(trust);
    ui.fill.style.backgroundColor = trust < 0.35 ? "var(--poor)" : trust < 0.55 ? "var(--mixed)" : "var(--good)";
    ui.mood.textContent = mood;
    ui.meter.setAttribute("aria-valuenow", String(Math.round(trust * 100)));
    ui.meter.setAttribute("aria-valuetext", mood + ", " + pct(trust) + (st.stage ? ", stage " + st.stage : ""));
    ui.meter.title = "Trust " + pct(trust) + (st.stage ? " \u00b7 stage: " + st.stage : "");
  }

  function scrollDown() { ui.log.scrollTop = ui.log.scrollHeight; }

  // ------------------------------------------------------------------ sending a turn
  function onInputKey(e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendFromInput();
    }
  }

  function onDraft() {
    store.set({ draft: ui.input.value });
    const left = MAX_CHARS - ui.input.value.length;
    ui.count.textContent = left < 200 ? left + " characters left" : "Shift+Enter for a new line";
  }

  function restoreDraft() {
    const draft = store.get().draft;
    if (draft && !ui.input.value) ui.input.value = draft;
  }

  async function sendFromInput() {
    const text = ui.input.value.trim();
    if (state.busy || !text) return;
    if (state.ready) await state.ready;
    if (!state.conversation || state.conversation.ended) {
      return showError(new ApiError(409, "no_conversation", "Start a conversation first."), null);
    }
    ui.input.value = "";
    store.set({ draft: "" });
    await runTurn(text, null);
  }

  // One turn (or the retry of one): the user's bubble appears at once, the reply streams in.
  async function runTurn(text, existing) {
    hideError();
    setBusy(true);
    const user = existing || addMessage("user", text);
    user.bubble.classList.remove("failed");
    const reply = addMessage("persona", "");
    reply.bubble.classList.add("typing");
    reply.bubble.setAttribute("aria-busy", "true"); // screen readers wait for the whole reply
    const path = "/v1/conversations/" + encodeURIComponent(state.conversation.id) + (existing && existing.stored ? "/retry" : "/turns");
    try {
      await streamTurn(path, existing && existing.stored ? undefined : { content: text }, {
        feedback: (fb) => { user.stored = true; attachFeedback(user, fb); },
        delta: (d) => { reply.bubble.classList.remove("typing"); reply.text.textContent += d.text; scrollDown(); },
        state: (st) => updateMeter(st),
        done: (result) => finishTurn(user, reply, result),
      });
    } catch (err) {
      failTurn(err, text, user, reply);
    } finally {
      setBusy(false);
    }
  }

  function finishTurn(user, reply, result) {
    user.stored = true;
    if (result.feedback) attachFeedback(user, result.feedback);
    reply.bubble.classList.remove("typing");
    reply.bubble.removeAttribute("aria-busy");
    if (result.reply) {
      reply.content = result.reply.content;
      reply.text.textContent = result.reply.content; // the stored reply is the authoritative text
    } else {
      dropMessage(reply);
    }
    updateMeter(result.state);
    scrollDown();
    if (result.state && result.state.ended) {
      state.conversation.ended = true;
      setEnded(true);
      showReport("GET", "/report");
    }
  }

  function dropMessage(entry) {
    entry.row.remove();
    state.messages = state.messages.filter((m) => m !== entry);
  }

  function failTurn(err, text, user, reply) {
    dropMessage(reply);
    const notStored = [401, 403, 409, 422].includes(err.status) && !user.stored;
    if (err.code === "conversation_ended") {
      giveBack(text, user);
      state.conversation.ended = true;
      setEnded(true);
      return showReport("GET", "/report");
    }
    if (notStored) {
      // The server refused the message itself: give it back for editing instead of retrying blindly.
      giveBack(text, user);
      const retry = err.code === "reply_missing" ? () => reconcileAndRetry(null)
        : ["concurrent_turn", "turn_in_progress"].includes(err.code) ? () => sendFromInput() : null;
      return showError(err, retry);
    }
    user.bubble.classList.add("failed");
    showError(err, () => reconcileAndRetry(user));
  }

  function giveBack(text, user) {
    dropMessage(user);
    if (!ui.input.value.trim()) ui.input.value = text;
    else if (ui.input.value.trim() !== text) ui.input.value = text + "\n" + ui.input.value;
    store.set({ draft: ui.input.value });
  }

  // After a failure we may not know how far the server got (the network can drop after the
  // message, or even the reply, was stored), so ask it: a complete turn is just shown, a stored
  // message without a reply is retried, and a message the server never saw is sent again.
  async function reconcileAndRetry(user) {
    hideError();
    let conv;
    try {
      conv = await request("GET", "/v1/conversations/" + encodeURIComponent(state.conversation.id));
    } catch (err) {
      return showError(err, () => reconcileAndRetry(user));
    }
    const messages = conv.messages || [];
    const waiting = messages.length > 0 && messages[messages.length - 1].role === "user";
    const serverTurns = messages.filter((m) => m.role === "user").length;
    const localTurns = state.messages.filter((m) => m.role === "user").length;
    if (!user || serverTurns >= localTurns) { // nothing of ours is missing on the server
      if (!waiting) return showConversation(conv);
      const last = user || state.messages.filter((m) => m.role === "user").pop();
      last.stored = true;
      return runTurn(last.content, last);
    }
    if (waiting) { // an earlier message still needs its reply before ours can be sent
      return showError(new ApiError(409, "reply_missing", "An earlier message is still waiting for a reply."),
        () => reconcileAndRetry(null));
    }
    user.stored = false;
    await runTurn(user.content, user);
  }

  function offerMissingReply() {
    const name = (personaById(state.conversation.persona_id) || { name: "Your partner" }).name;
    showError(new ApiError(0, "reply_missing", name + " has not answered your last message yet."), () => reconcileAndRetry(null));
  }

  // ------------------------------------------------------------------ errors
  function describe(err) {
    if (err.code === "origin_not_allowed" || err.status === 403) {
      return "This practice widget is not enabled for this website. " + err.detail;
    }
    if (err.status === 401) {
      return (KEY ? "This practice widget's key was refused. " : "This practice widget needs a key (data-key) on this site. ") + err.detail;
    }
    if (err.code === "llm_unavailable") return "The conversation partner is not available right now. Your message is saved.";
    if (err.status === 429) {
      const wait = err.extra.retry_after;
      return "You are sending messages quickly" + (wait ? "; try again in " + wait + " s." : ". Try again in a moment.");
    }
    if (err.status === 409 && err.code === "concurrent_turn") return "Another message was being answered at the same moment.";
    if (err.code === "turn_in_progress") return "Your previous message is still being answered; send this one in a moment.";
    return err.detail || "Something went wrong.";
  }

  function showError(err, retry) {
    state.retry = retry;
    ui.alertText.textContent = describe(err);
    ui.alert.dataset.code = err.code || "";
    ui.retry.hidden = !retry || err.status === 401 || err.status === 403;
    ui.alert.hidden = false;
  }

  function hideError() {
    ui.alert.hidden = true;
    state.retry = null;
  }

  function runRetry() {
    const retry = state.retry;
    hideError();
    if (retry) retry();
  }

  // ------------------------------------------------------------------ ending and the scorecard
  async function endConversation() {
    if (!state.conversation || state.busy) return;
    hideError();
    setBusy(true);
    try {
      if (await showReport("POST", "/end")) {
        state.conversation.ended = true;
        setEnded(true);
      }
    } finally {
      setBusy(false);
    }
  }

  async function showReport(method, suffix) {
    let report;
    try {
      report = await request(method, "/v1/conversations/" + encodeURIComponent(state.conversation.id) + suffix);
    } catch (err) {
      showError(err, () => (method === "POST" ? endConversation() : showReport(method, suffix)));
      return false;
    }
    const old = ui.log.querySelector(".scorecard");
    if (old) old.remove();
    const card = scorecard(report);
    ui.log.append(card);
    // Not scrollIntoView: it would also scroll the overflow-hidden panel and push the header away.
    card.focus({ preventScroll: true });
    ui.log.scrollTop = card.offsetTop - ui.log.offsetTop - 8;
    return true;
  }

  function scorecard(report) {
    const scores = state.messages.filter((m) => m.role === "user" && m.feedback).map((m) => m.feedback.score);
    const stats = [
      ["Genuine interest", pct(report.genuine_interest_rate || 0)],
      ["Mean score", String(Math.round(report.mean_score || 0))],
      ["Questions", String(report.questions)],
      ["Follow-ups", String(report.follow_up_questions)],
      ["You talked", pct(report.talk_share || 0)],
      ["First pitch", report.first_pitch_turn ? "turn " + report.first_pitch_turn : "none"],
    ];
    return h("section", { class: "scorecard", "data-testid": "rapport-scorecard", tabindex: "-1", "aria-label": "Your scorecard" },
      h("h3", { text: "Your scorecard" }),
      h("p", { text: (OUTCOMES[report.outcome] || "Conversation ended") + " \u00b7 " + report.turns + " turn" + (report.turns === 1 ? "" : "s") }),
      h("dl", { class: "stats" }, stats.map(([k, v]) => h("div", {}, h("dt", { text: k }), h("dd", { text: v })))),
      chart(report.trust_curve || [], scores),
      h("div", { class: "legend", "aria-hidden": "true" }, h("span", { class: "trust", text: "Trust" }), h("span", { class: "score", text: "Score per turn" })),
      listSection("Highlights", (report.highlights || []).map(highlightItem)),
      listSection("Tips", (report.tips || []).map((t) => h("li", { text: t }))),
      h("p", {}, h("button", { type: "button", class: "primary", text: "Practise again", onclick: () => startConversation() })));
  }

  function listSection(title, items) {
    return items.length ? [h("h4", { text: title }), h("ul", {}, items)] : null;
  }

  function highlightItem(hl) {
    return h("li", { class: hl.kind },
      h("strong", { text: (hl.kind === "best" ? "Best" : "To rework") + ", turn " + hl.turn + " (" + hl.score + "): " }),
      "\u201c" + hl.text + "\u201d", hl.note ? " \u2014 " + hl.note : "");
  }

  // Trust (0..1, one point per turn, turn 0 = before you spoke) as a line over score bars (0..100).
  function chart(trust, scores) {
    const W = 340, H = 170, L = 30, R = 10, T = 10, B = 24;
    const turns = Math.max(trust.length - 1, scores.length, 1);
    const bar = Math.min(22, (W - L - R) / turns / 2);
    const x = (t) => L + bar / 2 + 4 + (t / turns) * (W - L - R - bar - 8);
    const y = (v) => T + (1 - v / 100) * (H - T - B);
    const desc = "Trust by turn: " + trust.map((v, i) => "turn " + i + " " + pct(v)).join(", ") +
      ". Score by turn: " + scores.map((v, i) => "turn " + (i + 1) + " " + v).join(", ") + ".";
    const svg = s("svg", { class: "chart", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "Trust and score per turn" });
    svg.append(s("title", {}, "Trust and score per turn"), s("desc", {}, desc));
    for (const v of [0, 50, 100]) {
      svg.append(s("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#dde2ec" }),
        s("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 10, fill: "#5b6478" }, String(v)));
    }
    scores.forEach((v, i) => {
      svg.append(s("rect", { x: x(i + 1) - bar / 2, y: y(v), width: bar, height: y(0) - y(v), rx: 2,
        fill: v >= 60 ? "#9fd8b8" : v >= 40 ? "#f0cf8f" : "#f3b4ac", "data-score": v }));
    });
    for (let t = 0; t <= turns; t++) {
      svg.append(s("text", { x: x(t), y: H - 8, "text-anchor": "middle", "font-size": 10, fill: "#5b6478" }, String(t)));
    }
    const points = trust.map((v, i) => x(i) + "," + y(v * 100)).join(" ");
    svg.append(s("polyline", { points, fill: "none", "stroke-width": 2.5, class: "trust-line" }));
    trust.forEach((v, i) => svg.append(s("circle", { class: "trust-dot", cx: x(i), cy: y(v * 100), r: 3.5 })));
    return svg;
  }

  // ------------------------------------------------------------------ start-up
  function mount() {
    build();
    restoreDraft();
    window.RapportWidget = { open, close, element: ui.shadow.host };
    if (store.get().open) open(); // a reload keeps the chat where the user left it
  }

  window.RapportWidget = { pending: true }; // claim the slot at once (see the guard at the top)
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
