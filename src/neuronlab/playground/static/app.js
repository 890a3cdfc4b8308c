// The page: tabs, the WebSocket to this tab's session on the server, and the state kept in the URL.

import * as lesson from "./lesson.js";
import * as playground from "./playground.js";
import * as approximate from "./approximate.js";
import * as backprop from "./backprop.js";

const TABS = ["lesson", "playground", "approximate", "backprop"];
let socket = null;
let currentTab = "lesson";
const queue = [];
const errors = [];

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  else queue.push(message);
}

function connect() {
  const status = document.getElementById("connection");
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  socket.addEventListener("open", () => {
    status.textContent = "connected";
    status.classList.remove("down");
    const state = readUrl();
    if (state.playground) send({ type: "config", config: { ...playground.readConfig(), ...state.playground } });
    while (queue.length) socket.send(JSON.stringify(queue.shift()));
  });
  socket.addEventListener("close", () => {
    status.textContent = "disconnected: is `neuronlab play` still running? Reload to reconnect.";
    status.classList.add("down");
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "frame") playground.onFrame(message);
    else if (message.type === "approximation") approximate.onApproximation(message);
    else if (message.type === "building") approximate.onBuilding(message);
    else if (message.type === "cancelled") approximate.onCancelled(message);
    else if (message.type === "explanation") backprop.onExplanation(message);
    else if (message.type === "export") playground.onExport(message);
    else if (message.type === "error") {
      errors.push(message);
      if (currentTab === "approximate" || message.about === "approximate") approximate.onError(message.message);
      else if (currentTab === "backprop") backprop.onError(message.message);
      else playground.showError(message.message, message.field);
    }
  });
}

// ---------------------------------------------------------------- tabs and the URL

function showTab(tab) {
  currentTab = TABS.includes(tab) ? tab : "lesson";
  for (const name of TABS) {
    document.getElementById(name).hidden = name !== currentTab;
    document.querySelector(`[data-tab=${name}]`).setAttribute("aria-selected", String(name === currentTab));
  }
  if (currentTab === "approximate" && !approximate.data.frame) approximate.build();
  if (currentTab === "backprop") backprop.request();
  writeUrl();
}

/** The whole setup in the URL's fragment: #tab=...&p=<playground config>&a=<approximate config>&hide=... */
function writeUrl() {
  const config = playground.readConfig();
  delete config.drawn;
  const params = new URLSearchParams({ tab: currentTab, p: JSON.stringify(config), a: JSON.stringify(approximate.readConfig()) });
  const hide = new URLSearchParams(location.hash.slice(1)).get("hide");
  if (hide) params.set("hide", hide);
  history.replaceState(null, "", `#${params}`);
}

function readUrl() {
  const params = new URLSearchParams(location.hash.slice(1));
  const parse = (key) => { try { return JSON.parse(params.get(key) || "null"); } catch { return null; } };
  return { tab: params.get("tab"), playground: parse("p"), approximate: parse("a"), hide: params.get("hide") };
}

function applyHidden(hide) {
  // a classroom link can hide chosen controls: hide=lr,optimizer,tab-backprop
  for (const id of (hide || "").split(",").filter(Boolean)) {
    const element = document.getElementById(id) || document.querySelector(`[data-testid="${CSS.escape(id)}"]`);
    if (!element) continue;
    (element.closest("label") || element).classList.add("hidden-control");
  }
}

window.addEventListener("error", (event) => errors.push({ type: "page", message: event.message }));

document.addEventListener("DOMContentLoaded", () => {
  lesson.init();
  playground.init(send, writeUrl);
  approximate.init(send, writeUrl, () => showTab("playground"));
  backprop.init(send);
  const state = readUrl();
  if (state.playground) playground.applyConfig(state.playground);
  if (state.approximate) approximate.applyConfig(state.approximate);
  applyHidden(state.hide);
  document.querySelectorAll("[data-tab]").forEach((button) => button.addEventListener("click", () => showTab(button.dataset.tab)));
  document.getElementById("share").addEventListener("click", async () => {
    writeUrl();
    try { await navigator.clipboard.writeText(location.href); } catch { /* no clipboard: the URL bar has it */ }
  });
  showTab(state.tab || "lesson");
  connect();
});

// for tests and the curious: what every view is showing
window.neuronlab = { lesson: lesson.data, playground: playground.data, approximate: approximate.data, backprop: backprop.data, errors };
