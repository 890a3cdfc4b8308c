// The page: tabs, the WebSocket to this tab's session on the server, and the state kept in the URL.

import * as lesson from "./lesson.js";
import * as playground from "./playground.js";
import * as approximate from "./approximate.js";
import * as backprop from "./backprop.js";
import { redrawAll } from "./draw.js";
import FACTS from "./facts.js";

const TABS = ["lesson", "playground", "approximate", "backprop"];
const MAX_DRAWN_IN_URL = 300;
let socket = null;
let currentTab = "lesson";
const queue = [];
const errors = [];
const LINK = "link";  // the id of the config message that sends a share link's playground settings
let linkConfig = null;  // those settings, until the server has taken them (a refused one is left out, the rest sent again)
let linkRetries = 0;
const leftOut = [];  // [part, key, value, reason]: what a link held that could not be used

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  else queue.push(message);
}

function connect() {
  const status = document.getElementById("connection");
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws?frames=binary&paced=1`);  // paced: the page says "drawn" (playground.js)
  socket.binaryType = "arraybuffer";
  socket.addEventListener("open", () => {
    status.textContent = "connected";
    status.classList.remove("down");
    if (linkConfig) {
      linkConfig = { ...playground.readConfig(), ...linkConfig };
      send({ type: "config", config: linkConfig, id: LINK });
    }
    while (queue.length) socket.send(JSON.stringify(queue.shift()));
  });
  socket.addEventListener("close", () => {
    status.textContent = "disconnected: is `neuronlab play` still running? Reload to reconnect.";
    status.classList.add("down");
  });
  socket.addEventListener("message", (event) => {
    const message = event.data instanceof ArrayBuffer ? decodeFrame(event.data) : JSON.parse(event.data);
    if (message.id === LINK && message.type === "frame") linkConfig = null;  // the link's settings are in use
    if (message.id === LINK && message.type === "error" && linkConfig && leaveOutOfLink(message)) return;
    if (message.type === "frame") playground.onFrame(message);
    else if (message.type === "approximation") approximate.onApproximation(message);
    else if (message.type === "building") approximate.onBuilding(message);
    else if (message.type === "cancelled") approximate.onCancelled(message);
    else if (message.type === "explanation") backprop.onExplanation(message);
    else if (message.type === "lesson") lesson.onFacts(message);
    else if (message.type === "export") playground.onExport(message);
    else if (message.type === "error") {
      errors.push(message);
      if (currentTab === "approximate" || message.about === "approximate") approximate.onError(message.message);
      else if (currentTab === "backprop") backprop.onError(message.message);
      else playground.showError(message.message, message.field);
    }
  });
}

/**
 * A binary frame (session.encode_frame): uint32 n, n bytes of JSON, padding to 4, float32 numbers; each
 * {"@": [offset, shape]} in the JSON becomes (nested) plain arrays of those numbers.
 */
export function decodeFrame(buffer) {
  const length = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  const numbers = new Float32Array(buffer, 4 + length + ((4 - ((4 + length) % 4)) % 4));
  const nested = (at, shape) => {
    if (shape.length === 0) return numbers[at];
    if (shape.length === 1) return Array.from(numbers.subarray(at, at + shape[0]));
    const size = shape.slice(1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[0] }, (_, i) => nested(at + i * size, shape.slice(1)));
  };
  const unpack = (value) => {
    if (Array.isArray(value)) return value.map(unpack);
    if (value && typeof value === "object") {
      if (value["@"]) return nested(...value["@"]);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unpack(v)]));
    }
    return value;
  };
  return unpack(header);
}

// ---------------------------------------------------------------- tabs and the URL

function showTab(tab, { fromHistory = false } = {}) {
  const previous = currentTab;
  currentTab = TABS.includes(tab) ? tab : "lesson";
  // a new tab is a new history entry, so Back returns to the previous tab
  if (!fromHistory && previous !== currentTab && readUrl().tab) history.pushState(null, "", location.href);
  for (const name of TABS) {
    document.getElementById(name).hidden = name !== currentTab;
    document.querySelector(`[data-tab=${name}]`).setAttribute("aria-selected", String(name === currentTab));
  }
  if (currentTab === "approximate" && !approximate.data.frame) approximate.build();
  if (currentTab === "backprop") backprop.request();
  if (currentTab === "lesson" && previous !== "lesson") lesson.showChapter(lesson.chapter(), { push: false });
  writeUrl();
}

/**
 * The whole setup in the URL's fragment: #tab=...&chapter=<lesson chapter>&p=<playground config>&a=<approximate
 * config>&l=<lesson config>&hide=...&present=1. The chapter is named on the Lesson tab only.
 */
function writeUrl() {
  const config = playground.readConfig();
  if (config.drawn.length > MAX_DRAWN_IN_URL) delete config.drawn;  // up to a size, drawn points travel in the link
  const params = new URLSearchParams({ tab: currentTab });
  if (currentTab === "lesson") params.set("chapter", lesson.chapter());
  params.set("p", JSON.stringify(config));
  params.set("a", JSON.stringify(approximate.readConfig()));
  params.set("l", JSON.stringify(lesson.readConfig()));
  const hide = new URLSearchParams(location.hash.slice(1)).get("hide");
  if (hide) params.set("hide", hide);
  if (document.body.classList.contains("presentation")) params.set("present", "1");
  history.replaceState(null, "", `#${params}`);
}

function readUrl() {
  const params = new URLSearchParams(location.hash.slice(1));
  const unreadable = [];
  const parse = (key) => {
    try { return JSON.parse(params.get(key) || "null"); } catch { unreadable.push([key, params.get(key)]); return null; }
  };
  return { tab: params.get("tab"), chapter: params.get("chapter"), playground: parse("p"), approximate: parse("a"),
    lesson: parse("l"), hide: params.get("hide"), present: params.get("present") === "1", unreadable };
}

const PARTS = { p: "playground", a: "approximate", l: "lesson" };

/**
 * A share link's settings, each part checked field by field (as the server checks them): what is wrong is left
 * out, with a visible note, and the rest is used. A link can never stop the page from starting.
 */
function applyLink(state) {
  for (const [key, value] of state.unreadable) leftOut.push([PARTS[key], "settings", value, "not JSON"]);
  const parts = [["playground", state.playground, playground], ["approximate", state.approximate, approximate]];
  for (const [part, raw, module] of parts) {
    if (raw === null) continue;
    try {
      const { config, dropped } = module.checkConfig(raw);
      for (const [key, value] of dropped) leftOut.push([part, key, value, "not a value the page accepts"]);
      module.applyConfig(config);
      if (part === "playground") linkConfig = config;
    } catch (err) {  // (never expected: the settings are checked)
      leftOut.push([part, "settings", raw, String(err)]);
    }
  }
  if (state.lesson !== null) {
    try {
      if (typeof state.lesson !== "object" || Array.isArray(state.lesson)) throw new Error("not an object");
      lesson.applyConfig(state.lesson);
    } catch (err) {
      leftOut.push(["lesson", "settings", state.lesson, err.message]);
    }
  }
  showLeftOut();
}

/** The server refused one of the link's playground settings (one only it can judge, as an expression's
 * syntax): leave it out and send the rest again. Returns whether the error is handled here. */
function leaveOutOfLink(error) {
  const key = Object.hasOwn(linkConfig, error.field) ? error.field : Object.hasOwn(linkConfig, "mode") ? "mode" : null;
  leftOut.push(["playground", key || "settings", key ? linkConfig[key] : undefined, error.message]);
  showLeftOut();
  if (!key || ++linkRetries > 30) { linkConfig = null; return false; }
  delete linkConfig[key];
  send({ type: "config", config: linkConfig, id: LINK });
  return true;
}

function showLeftOut() {
  if (!leftOut.length) return;
  let note = document.getElementById("link-note");
  if (!note) {
    note = document.createElement("p");
    note.id = "link-note";
    note.className = "error link-note";
    note.dataset.testid = "link-note";
    note.setAttribute("role", "alert");
    document.querySelector("main").before(note);
  }
  const shown = (value) => {
    const text = value === undefined ? "" : JSON.stringify(value) ?? String(value);
    return text.length > 60 ? `${text.slice(0, 57)}…` : text;
  };
  note.replaceChildren(`Left out of this link (the rest of it is in use): ${leftOut.map(([part, key, value, reason]) =>
    `${part} ${key}${value === undefined ? "" : ` = ${shown(value)}`} (${reason})`).join("; ")}. `);
  const close = document.createElement("button");
  close.textContent = "dismiss";
  close.dataset.testid = "link-note-close";
  close.addEventListener("click", () => { note.hidden = true; });
  note.append(close);
  note.hidden = false;
}

function applyHidden(hide) {
  // a classroom link can hide chosen controls: hide=lr,optimizer,tab-backprop
  for (const id of (hide || "").split(",").filter(Boolean)) {
    const element = document.getElementById(id) || document.querySelector(`[data-testid="${CSS.escape(id)}"]`);
    if (!element) continue;
    (element.closest("label") || element).classList.add("hidden-control");
  }
}

/** The page's scale in presentation mode (style.css's --scale, by the screen's width); 1 out of it. */
function scale() {
  if (!document.body.classList.contains("presentation")) return 1;
  return parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--scale")) || 1;
}

/**
 * Scale every diagram's height with the page: draw.js lays a diagram out in its height attribute's CSS pixels
 * (its width follows its box), so in presentation mode the attribute becomes the design height times --scale.
 */
function scaleDiagrams() {
  const factor = scale();
  for (const svg of document.querySelectorAll("main svg[height]")) {
    svg.dataset.designHeight ||= svg.getAttribute("height");
    const height = String(Math.round(Number(svg.dataset.designHeight) * factor));
    if (svg.getAttribute("height") !== height) svg.setAttribute("height", height);
  }
}

/**
 * Presentation mode (button or key P; kept in the URL): the whole page scaled together (style.css: the root's
 * font size, every rem, the pictures' sizes and text), the side panel folded away, long captions folded, and on
 * the Lesson tab one chapter a screen, its picture first.
 */
function present(on) {
  document.body.classList.toggle("presentation", on);
  document.getElementById("presentation").setAttribute("aria-pressed", String(on));
  for (const details of document.querySelectorAll("details.fold")) details.open = !on;
  scaleDiagrams();
  redrawAll();  // the graphs' text size changed with the mode
  if (currentTab === "lesson") lesson.showChapter(lesson.chapter(), { push: false });
  writeUrl();
}

/** A new lesson chapter: a new history entry when the learner moved (Back returns), else the URL follows. */
function chapterChanged(push) {
  if (push && currentTab === "lesson") history.pushState(null, "", location.href);
  writeUrl();
}

/** An element that keeps the arrow keys for itself (a slider, a list, a text box, the bump challenge). */
function ownsKeys(target) {
  return Boolean(target.closest && target.closest("input, select, textarea, [contenteditable], [tabindex='0'], [role=slider]"));
}

window.addEventListener("error", (event) => errors.push({ type: "page", message: event.message }));

// Back and Forward show the chapter the URL names (lesson.js scrolls to it), not the scroll the browser kept
if ("scrollRestoration" in history) history.scrollRestoration = "manual";

document.addEventListener("DOMContentLoaded", () => {
  lesson.init(send, writeUrl, chapterChanged);
  playground.init(send, writeUrl);
  playground.applyConfig(FACTS.playground.defaults);  // the server's starting settings (session.DEFAULTS), not the HTML's
  approximate.init(send, writeUrl, () => showTab("playground"));
  backprop.init(send);
  const state = readUrl();
  applyLink(state);
  applyHidden(state.hide);
  document.querySelectorAll("[data-tab]").forEach((button) => button.addEventListener("click", () => showTab(button.dataset.tab)));
  document.getElementById("share").addEventListener("click", async () => {
    writeUrl();
    try { await navigator.clipboard.writeText(location.href); } catch { /* no clipboard: the URL bar has it */ }
  });
  document.getElementById("presentation").addEventListener("click", () => present(!document.body.classList.contains("presentation")));
  document.addEventListener("keydown", (e) => {
    const typing = e.target.closest && e.target.closest("input, select, textarea, [contenteditable]");
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "p" || e.key === "P") present(!document.body.classList.contains("presentation"));
    // the arrow keys turn the lesson's pages, unless the focused control uses them
    if (currentTab === "lesson" && !e.defaultPrevented && !e.shiftKey && !ownsKeys(e.target)) {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step) { e.preventDefault(); lesson.showChapter(lesson.chapter(step)); }
    }
  });
  // a link pasted into the address bar of an open tab (only its #... changes: no reload): its settings are used
  // as a link's at start-up; a fragment with the settings already in use (Back, Forward) changes nothing here
  window.addEventListener("hashchange", () => {
    const pasted = readUrl();
    // whether the link asks for a setting other than the one in use
    const differs = (raw, module) => raw !== null && !playground.sameSettings(module.checkConfig(raw).config, module.readConfig());
    const newPlayground = differs(pasted.playground, playground), newApproximate = differs(pasted.approximate, approximate);
    if (!newPlayground && !newApproximate) return;
    linkConfig = null;
    applyLink({ ...pasted, lesson: null, unreadable: [], playground: newPlayground ? pasted.playground : null,
      approximate: newApproximate ? pasted.approximate : null });
    if (newPlayground && linkConfig) {
      linkConfig = { ...playground.readConfig(), ...linkConfig };
      send({ type: "config", config: linkConfig, id: LINK });
    }
    if (newApproximate && currentTab === "approximate") approximate.build();
  });
  window.addEventListener("popstate", () => {
    const back = readUrl();
    if (back.tab && back.tab !== currentTab) showTab(back.tab, { fromHistory: true });
    if (back.present !== document.body.classList.contains("presentation")) present(back.present);
    if (back.chapter && currentTab === "lesson" && back.chapter !== lesson.chapter()) {
      lesson.showChapter(back.chapter, { push: false });
    }
  });
  const header = document.querySelector("header");  // the chapter bar sticks under the sticky header
  const headerHeight = () => document.documentElement.style.setProperty("--header-height", `${header.offsetHeight}px`);
  headerHeight();
  if (typeof ResizeObserver !== "undefined") new ResizeObserver(headerHeight).observe(header);
  let scaled = scale();
  window.addEventListener("resize", () => {  // a presentation scale of another screen width (style.css)
    if (scale() === scaled) return;
    scaled = scale();
    scaleDiagrams();
    redrawAll();
  });
  if (state.present) present(true);
  lesson.showChapter(state.chapter || lesson.chapter(), { push: false, scroll: false });
  showTab(state.tab || "lesson", { fromHistory: true });
  if (currentTab === "lesson" && state.chapter) {  // the link's chapter, once the page is laid out
    requestAnimationFrame(() => lesson.showChapter(state.chapter, { push: false }));
  }
  connect();
});

// for tests and the curious: what every view is showing
window.neuronlab = { lesson: lesson.data, playground: playground.data, approximate: approximate.data, backprop: backprop.data, errors,
  frames: playground.frames, leftOut, checkLink: { playground: playground.checkConfig, approximate: approximate.checkConfig } };
