// The approximate tab: the certified construction, built neuron by neuron, then handed to backprop.

import { activation } from "./activations.js";
import { COLORS, paletteColor, plot, plotPanels } from "./draw.js";

const $ = (id) => document.getElementById(id);
let send = () => {};
let onChange = () => {};
const state = { frame: null, timer: null, building: null, preview: null };

export function readConfig() {
  return { expr: $("ap-expr").value, domain: [Number($("ap-a").value), Number($("ap-b").value)],
    activation: $("ap-activation").value, eps: Number((10 ** Number($("ap-eps").value)).toPrecision(2)) };
}

/** The Approximate tab's settings in a share link, checked as the server checks them (check_approximation):
 * { config: those that pass, dropped: [[key, value], ...] }. */
export function checkConfig(raw) {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return { config: {}, dropped: [["a", raw]] };
  const isNumber = (v) => typeof v === "number" && Number.isFinite(v);
  const checks = {
    expr: (v) => typeof v === "string" && [...v].length <= 200,
    domain: (v) => Array.isArray(v) && v.length === 2 && v.every((x) => isNumber(x) && Math.abs(x) <= 1e6) && v[0] < v[1],
    activation: (v) => typeof v === "string" && [...$("ap-activation").options].some((o) => o.value === v),
    eps: (v) => isNumber(v) && v >= 1e-4 && v <= 10,
  };
  const config = {}, dropped = [];
  for (const [key, value] of Object.entries(raw)) {
    if (Object.hasOwn(checks, key) && checks[key](value)) config[key] = value;
    else dropped.push([key, value]);
  }
  return { config, dropped };
}

export function applyConfig(c) {
  if (c.expr !== undefined) $("ap-expr").value = c.expr;
  if (c.domain) { $("ap-a").value = c.domain[0]; $("ap-b").value = c.domain[1]; }
  if (c.activation) $("ap-activation").value = c.activation;
  if (c.eps) $("ap-eps").value = Math.log10(c.eps);
  showEps();
}

function showEps() { $("ap-eps-out").textContent = readConfig().eps; }

export function build() {
  $("ap-error").hidden = true;
  showBuilding({ stage: "estimating", neurons: 0, seconds: 0 });
  send({ type: "approximate", ...readConfig() });
  onChange();
}

/** The server's progress report: "building… N neurons so far", with the estimate and the time budget. Its
 * first report carries the target: drawn at once with its eps band, the network once the build ends. */
export function onBuilding(report) {
  showBuilding(report);
  if (report.target) {
    clearInterval(state.timer);
    state.preview = report;
    $("ap-adopt").disabled = true;  // until this build ends, there is nothing new to train from
    $("ap-summary").hidden = true;  // (it certifies the last network, not this target's)
    draw();
  }
}

function showBuilding(report) {
  state.building = report;
  const line = $("ap-building");
  const about = report.estimate ? ` (about ${report.estimate} expected)` : "";
  const time = report.seconds ? `, ${report.seconds.toFixed(1)} s of ${report.budget || 20} s` : "";
  const text = {
    estimating: "estimating the neurons needed…",
    estimated: `building… about ${report.estimate} neurons expected`,
    sampling: `building… sampling the target (${report.neurons} samples)${time}`,
    building: `building… ${report.neurons} neurons so far${about}${time}`,
    checking: `building… checking the error on ${report.neurons} points${time}`,
    "comparing with equal pieces": `building… ${report.neurons} neurons; comparing with equal pieces${time}`,
  }[report.stage] || `building… ${report.stage}${time}`;
  line.textContent = text;
  line.hidden = false;
  $("ap-cancel").hidden = false;
}

function doneBuilding() {
  state.building = null;
  if (state.preview) {  // cancelled or refused: the last network built is back on screen (if any)
    state.preview = null;
    if (state.frame) { showAdopt(state.frame); $("ap-summary").hidden = false; draw(); }
  }
  $("ap-building").hidden = true;
  $("ap-cancel").hidden = true;
}

export function onCancelled() {
  doneBuilding();
  $("ap-building").textContent = "cancelled";
  $("ap-building").hidden = false;
}

export function onApproximation(frame) {
  state.preview = null;
  doneBuilding();
  state.frame = frame;
  const slider = $("ap-shown");
  slider.max = frame.counts.length;
  slider.value = frame.counts.length;
  $("ap-summary").textContent = `${frame.plain}\n\n${frame.summary}`;  // in plain words, then the engine's details
  $("ap-summary").hidden = false;
  showAdopt(frame);
  draw();
}

function showAdopt(frame) {
  $("ap-adopt").disabled = frame.activation === "step";
  $("ap-adopt").title = frame.activation === "step" ? "step neurons cannot be trained by backprop" : "";
}

/** The target and its eps band alone, while the network is being built. */
function drawTarget(p) {
  const finite = p.target.filter(Number.isFinite);
  const low = Math.min(...finite), high = Math.max(...finite), pad = 0.4 * (high - low || 1);
  plot($("ap-graph"), [
    { x: p.grid, y: p.target, band: "rgba(154,165,177,0.25)", spread: p.eps },
    { x: p.grid, y: p.target, color: COLORS.target, width: 3, label: `target ± eps (${p.eps}); the network is being built…` },
  ], { yRange: [low - pad, high + pad] });
  $("ap-graph").dataset.shows = "target";
}

export function onError(message) {
  doneBuilding();
  const box = $("ap-error");
  box.textContent = message;
  box.hidden = false;
}

function draw() {
  if (state.preview) return drawTarget(state.preview);
  const f = state.frame;
  if (!f) return;
  const k = Number($("ap-shown").value);
  const shown = k === 0 ? f.grid.map(() => f.bias) : f.cumulative[k - 1];
  const count = k === 0 ? 0 : f.counts[k - 1];
  const error = Math.max(...shown.map((v, i) => Math.abs(v - f.target[i])));
  $("ap-shown-out").textContent = `${count} of ${f.neurons}`;
  const low = Math.min(...f.target), high = Math.max(...f.target), pad = 0.4 * (high - low || 1);
  const threshold = count ? f.thresholds[Math.min(count, f.thresholds.length) - 1] : null;
  const sum = { series: [
    { x: f.grid, y: f.target, band: "rgba(154,165,177,0.25)", spread: f.eps },
    { x: f.grid, y: f.target, color: COLORS.target, width: 3, label: `target ± eps (${f.eps})` },
    { x: f.grid, y: shown, color: COLORS.network, width: 1.8,
      label: `${count} ${f.activation} neurons: max |error| ${error.toPrecision(3)}${count === f.neurons && error <= f.eps ? " ✓ within eps" : ""}` },
  ], options: { yRange: [low - pad, high + pad], verticals: count ? [{ x: threshold, color: COLORS.ink }] : [],
    alt: `the target ${f.expr} within ± ${f.eps} (grey band) and the network with ${count} of its ${f.neurons} ` +
      `${f.activation} neurons, added left to right: largest gap at the ${f.grid.length} points drawn ${error.toPrecision(3)}` +
      (count === f.neurons && error <= f.eps ? ", within eps" : "") }, share: 1.6 };
  // the neuron added last, alone: its own ramp or step v·g(w·x + b), on its own scale, where it switches on
  const newest = count && f.newest ? f.newest[Number($("ap-shown").value) - 1] : null;
  let own = null;
  if (newest) {
    const [w, b, v] = newest, g = activation(f.activation).value;
    own = f.grid.map((x) => v * g(w * x + b));
  }
  const ownPanel = { share: 1, series: own ? [{ x: f.grid, y: own, color: paletteColor(0), width: 2,
    label: `the neuron added last (${count}): ${newest[2].toPrecision(3)}·${f.activation}(${newest[0].toPrecision(3)}·x ${newest[1] < 0 ? "−" : "+"} ${Math.abs(newest[1]).toPrecision(3)})` }] : [],
  options: { xRange: [f.grid[0], f.grid[f.grid.length - 1]], verticals: own ? [{ x: threshold, color: COLORS.ink }] : [],
    title: own ? "" : "no neuron yet: the output is its bias" } };
  plotPanels($("ap-graph"), [sum, ownPanel]);
  state.shown = { count, error, own };
  $("ap-graph").dataset.shows = "network";
}

function play() {
  clearInterval(state.timer);
  const slider = $("ap-shown");
  slider.value = 0;
  state.timer = setInterval(() => {
    slider.value = Number(slider.value) + 1;
    draw();
    if (Number(slider.value) >= Number(slider.max)) clearInterval(state.timer);
  }, 120);
}

export function init(sender, changed, adopted) {
  send = sender;
  onChange = changed;
  $("ap-graph").setAttribute("height", 440);  // two panels: the sum so far above, the neuron added last below
  $("ap-eps").addEventListener("input", showEps);
  $("ap-build").addEventListener("click", build);
  $("ap-cancel").addEventListener("click", () => send({ type: "cancel" }));
  for (const id of ["ap-expr", "ap-a", "ap-b", "ap-activation", "ap-eps"]) $(id).addEventListener("change", build);
  $("ap-shown").addEventListener("input", draw);
  $("ap-play").addEventListener("click", play);
  $("ap-adopt").addEventListener("click", () => { send({ type: "adopt" }); adopted(); });
  showEps();
}

export const data = { get frame() { return state.frame; }, get shown() { return state.shown; },
  get building() { return state.building; } };
