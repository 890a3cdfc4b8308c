// The playground tab: controls become config messages; frames from the server become pictures.

import { COLORS, diagram, heatmap, paletteColor, plot, setup } from "./draw.js";
// (setup clears a canvas: the loss view uses it before there is a loss to draw)

const $ = (id) => document.getElementById(id);
const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
const ACTIVATIONS = ["tanh", "sigmoid", "relu", "leaky_relu", "softplus", "gelu", "silu", "sin", "linear", "step"];
const CLASS_COLORS = ["#dd6b20", "#2b6cb0", "#2f855a", "#9467bd"];
const MAX_LAYERS = 8, MAX_NEURONS = 64;

let send = () => {};
let onChange = () => {};
const state = { config: null, frame: null, history: [], points: [], testPoints: [], target: null, drawn: [] };

// ---------------------------------------------------------------- config from the controls

export function readConfig() {
  const number = (id) => Number($(id).value);
  return {
    mode: $("mode").value, expr: $("target-expr").value, domain: [number("domain-a"), number("domain-b")],
    points: number("points"), noise: number("noise"), dataset: $("dataset").value, test_ratio: number("test-ratio"),
    features: FEATURES.filter((f) => $(`feature-${f}`).checked), layers: [...state.layers],
    activation: $("activation").value, optimizer: $("optimizer").value, lr: number("lr"), batch: number("batch"),
    l1: number("l1"), l2: number("l2"), stop_loss: number("stop-loss"), seed: number("seed"), speed: number("speed"),
    drawn: state.drawn, task: $("csv-task").value,
  };
}

export function applyConfig(config) {
  const set = (id, value) => { if (value !== undefined) $(id).value = value; };
  set("mode", config.mode); set("target-expr", config.expr);
  if (config.domain) { set("domain-a", config.domain[0]); set("domain-b", config.domain[1]); }
  set("points", config.points); set("noise", config.noise); set("dataset", config.dataset);
  set("test-ratio", config.test_ratio); set("activation", config.activation); set("optimizer", config.optimizer);
  set("lr", config.lr); set("batch", config.batch); set("l1", config.l1); set("l2", config.l2);
  set("stop-loss", config.stop_loss); set("seed", config.seed); set("speed", config.speed); set("csv-task", config.task);
  if (config.features) FEATURES.forEach((f) => { $(`feature-${f}`).checked = config.features.includes(f); });
  if (config.layers) state.layers = [...config.layers];
  if (config.drawn) state.drawn = config.drawn;
  showMode();
  renderLayers();
}

function configure() {
  hideError();
  const config = readConfig();
  if (config.mode === "csv" && !state.csv) return showError("choose a CSV file first", "csv");
  if (config.mode === "csv") config.csv = state.csv;
  send({ type: "config", config });
  onChange();
}

function update(keys) {
  const config = readConfig();
  send({ type: "update", config: Object.fromEntries(keys.map((k) => [k, config[k]])) });
  onChange();
}

// ---------------------------------------------------------------- the panel

function showMode() {
  const mode = $("mode").value;
  document.querySelectorAll("[data-mode]").forEach((el) => { el.hidden = el.dataset.mode !== mode; });
  $("output-caption").textContent = mode === "dataset" ? "the network's decision (heat map) over the points"
    : "output (red) over the target (grey) and the training points";
}

function renderLayers() {
  const box = $("layers");
  box.replaceChildren();
  state.layers.forEach((n, i) => {
    const row = document.createElement("div");
    row.className = "layer-row";
    row.innerHTML = `<span>layer ${i + 1}</span><button data-testid="neurons-minus-${i}">−</button>` +
      `<b data-testid="neurons-${i}">${n}</b><button data-testid="neurons-plus-${i}">+</button> neurons`;
    const [minus, plus] = row.querySelectorAll("button");
    minus.addEventListener("click", () => { if (state.layers[i] > 1) { state.layers[i]--; renderLayers(); configure(); } });
    plus.addEventListener("click", () => { if (state.layers[i] < MAX_NEURONS) { state.layers[i]++; renderLayers(); configure(); } });
    box.appendChild(row);
  });
}

export function showError(message, field = "") {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
  box.dataset.field = field;
}

function hideError() { $("error").hidden = true; }

// ---------------------------------------------------------------- frames

export function onFrame(frame) {
  if ($("mode").value !== "points") state.drawTransform = null;
  const full = frame.grid && frame.points !== undefined || frame.heat && frame.points !== undefined;
  if (frame.points !== undefined) {
    state.points = frame.points;
    state.testPoints = frame.test_points || [];
    state.testMask = frame.test_mask || [];
    state.target = frame.target || null;
    state.history = frame.history || [];
  } else if (frame.history) {
    const last = state.history.length ? state.history[state.history.length - 1][0] : -1;
    for (const h of frame.history) if (h[0] > last) state.history.push(h);
    if (frame.step === 0) state.history = [];
  }
  state.frame = frame;
  $("step-count").textContent = frame.step;
  $("loss").textContent = Number.isFinite(frame.loss) ? frame.loss.toPrecision(4) : "–";
  $("status").textContent = frame.status;
  $("train").disabled = frame.status === "training" || !frame.trainable;
  const message = $("message");
  message.hidden = !frame.message;
  message.textContent = frame.message || "";
  showMetrics(frame.metrics || {});
  $("csv-note").textContent = frame.data_note || "";
  if (frame.dims === 1) draw1d(frame);
  else if (frame.heat) draw2d(frame);
  drawDiagram(frame);
  drawLoss();
  if (full) hideError();
}

function showMetrics(m) {
  const parts = [];
  const f = (v) => (v === null || v === undefined ? "–" : v.toFixed(3));
  if ("train_rmse" in m) parts.push(`RMSE ${f(m.train_rmse)}`, `R² ${f(m.train_r2)}`);
  if ("test_rmse" in m) parts.push(`test RMSE ${f(m.test_rmse)}`, `test R² ${f(m.test_r2)}`);
  if ("train_accuracy" in m) parts.push(`accuracy ${(100 * m.train_accuracy).toFixed(1)}%`);
  if ("test_accuracy" in m) parts.push(`test accuracy ${(100 * m.test_accuracy).toFixed(1)}%`);
  $("metrics").textContent = parts.join(" · ");
  const figure = $("confusion-figure");
  figure.hidden = !m.confusion;
  if (m.confusion) {
    $("confusion").innerHTML = "<tr><th></th>" + m.confusion.map((_, j) => `<th>→${j}</th>`).join("") + "</tr>" +
      m.confusion.map((row, i) => `<tr><th>${i}</th>${row.map((v) => `<td>${v}</td>`).join("")}</tr>`).join("");
  }
}

function draw1d(frame) {
  if (frame.probabilities) return drawClasses1d(frame);
  const series = [];
  if (state.target) series.push({ x: frame.grid, y: state.target, color: COLORS.target, width: 4, label: "target" });
  series.push({ x: frame.grid, y: frame.output, color: COLORS.network, width: 2, label: "network output" });
  const points = state.points.map(([x, y]) => ({ x, y, color: "#52606d", r: 2 }))
    .concat(state.testPoints.map(([x, y]) => ({ x, y, color: COLORS.test, r: 2.5 })));
  state.outputTransform = plot($("output-view"), series, { points });
  if (frame.contributions) {
    drawStacked(frame.grid, frame.contributions, frame.output_bias, "sum = output's weighted sum");
    drawHiddenSmall(frame.hidden.map((h) => ({ x: frame.grid, y: h })), frame);
  }
}

/** One input, classes: each class's probability along x, the points in their class's colour below. */
function drawClasses1d(frame) {
  const names = frame.classes || [];
  const series = frame.probabilities.map((p, k) => ({ x: frame.grid, y: p, color: CLASS_COLORS[k % 4], width: 2,
    label: `P(${names[k] ?? k})` }));
  const strip = (pts, r) => pts.map(([x, c]) => ({ x, y: -0.08 - 0.04 * (c % 3), color: CLASS_COLORS[c % 4], r }));
  state.outputTransform = plot($("output-view"), series, { points: strip(state.points, 2).concat(strip(state.testPoints, 3)),
    yRange: [-0.2, 1.05] });
  if (frame.contributions) {
    drawStacked(frame.grid, frame.contributions, frame.output_bias,
      names.length === 2 ? `score of ${names[1]} over ${names[0]}` : `score of ${names[0]}`);
    drawHiddenSmall(frame.hidden.map((h) => ({ x: frame.grid, y: h })), frame);
  }
}

/** The contributions, stacked: each neuron's w·h added on top of the ones before, from the bias up. */
function drawStacked(x, contributions, bias, label) {
  const stacked = [];
  let running = x.map(() => bias);
  stacked.push({ x, y: running, color: "#9aa5b1", dash: [2, 3], label: `bias ${bias.toFixed(2)}` });
  contributions.forEach((c, i) => {
    running = running.map((v, k) => v + c[k]);
    stacked.push({ x, y: running, color: paletteColor(i), width: 1 });
  });
  stacked.push({ x, y: running, color: COLORS.ink, width: 2.2, label });
  plot($("contributions-view"), stacked, {});
}

function drawHiddenSmall(graphs, frame) {
  const box = $("hidden-views");
  while (box.children.length > graphs.length) box.lastChild.remove();
  while (box.children.length < graphs.length) {
    const canvas = document.createElement("canvas");
    canvas.setAttribute("width", 120);
    canvas.setAttribute("height", 90);
    box.appendChild(canvas);
  }
  const last = frame.weights[frame.weights.length - 1];
  graphs.forEach((g, i) => {
    const canvas = box.children[i];
    canvas.title = `neuron ${i + 1} of the last hidden layer, outgoing weight ${last[i][0].toFixed(3)}`;
    if (g.heat) heatmap(canvas, g.heat, g.n, { low: g.low, high: g.high });
    else plot(canvas, [{ x: g.x, y: g.y, color: paletteColor(i), width: 1.5 }], {});
  });
}

function draw2d(frame) {
  const n = Math.round(Math.sqrt(frame.heat.length));
  const points = state.points.map(([x, y, c], i) => ({ x, y, color: CLASS_COLORS[c % 4], test: state.testMask[i] }));
  const twoClasses = frame.classes.length === 2;
  heatmap($("output-view"), twoClasses ? frame.heat : frame.heat_confidence, n, {
    low: 0, high: 1, extent: frame.extent, points,
    colorOf: twoClasses ? undefined : (k, t) => shade(CLASS_COLORS[frame.heat_class[k] % 4], t),
  });
  if (frame.hidden_heat) {
    drawHiddenSmall(frame.hidden_heat.map((h) => ({ heat: h, n, low: Math.min(...h), high: Math.max(...h) })), frame);
    drawStacked(frame.slice_x, frame.slice_contributions, frame.slice_bias, `${frame.slice_label}, along x2 = 0`);
  }
}

function shade(hex, t) {
  const v = parseInt(hex.slice(1), 16);
  const mix = (c) => Math.round(255 - (255 - c) * (0.25 + 0.75 * (t - 0.3) / 0.7));
  return `rgb(${mix(v >> 16)},${mix((v >> 8) & 255)},${mix(v & 255)})`;
}

function drawDiagram(frame) {
  const svg = $("diagram");
  diagram(svg, frame.sizes, frame.weights, frame.biases, frame.activations, {
    onHover: (e, layer, neuron) => showTooltip(e, frame, layer, neuron),
    onLeave: () => { $("tooltip").hidden = true; },
    onClick: (e, layer, neuron) => openEditor(frame, layer, neuron),
  });
}

export function formula(frame, layer, neuron) {
  if (layer === 0) return `input x${neuron + 1}`;
  const w = frame.weights[layer - 1].map((row) => row[neuron]);
  const b = frame.biases[layer - 1][neuron];
  const names = layer === 1 ? w.map((_, i) => (frame.sizes[0] === 1 ? "x" : `x${i + 1}`)) : w.map((_, i) => `h${i + 1}`);
  const terms = w.slice(0, 8).map((v, i) => `${v.toFixed(2)}·${names[i]}`).join(" + ") + (w.length > 8 ? " + …" : "");
  return `${frame.activations[layer - 1]}(${terms} ${b < 0 ? "−" : "+"} ${Math.abs(b).toFixed(2)})`.replaceAll("+ -", "− ");
}

function showTooltip(event, frame, layer, neuron) {
  const tip = $("tooltip");
  tip.textContent = formula(frame, layer, neuron);
  tip.style.left = `${event.clientX + 12}px`;
  tip.style.top = `${event.clientY + 12}px`;
  tip.hidden = false;
}

function openEditor(frame, layer, neuron) {
  const editor = $("editor");
  const w = frame.weights[layer - 1].map((row) => row[neuron]);
  const b = frame.biases[layer - 1][neuron];
  editor.innerHTML = `<b>layer ${layer}, neuron ${neuron + 1}</b>` +
    w.map((v, i) => `<label>w${i + 1} <input type="number" step="0.1" data-w="${i}" value="${v.toFixed(4)}"></label>`).join("") +
    `<label>b <input type="number" step="0.1" data-b value="${b.toFixed(4)}"></label>` +
    `<div class="buttons"><button data-testid="editor-apply">apply</button><button data-testid="editor-close">close</button></div>`;
  editor.hidden = false;
  const [apply, close] = editor.querySelectorAll("button");
  apply.addEventListener("click", () => {
    send({ type: "edit", layer: layer - 1, neuron, bias: Number(editor.querySelector("[data-b]").value),
      weights: [...editor.querySelectorAll("[data-w]")].map((input) => Number(input.value)) });
  });
  close.addEventListener("click", () => { editor.hidden = true; });
}

function drawLoss() {
  const h = state.history.filter((p) => Number.isFinite(p[1]) && p[1] > 0);
  if (!h.length) { setup($("loss-view")); return; }
  const series = [{ x: h.map((p) => p[0]), y: h.map((p) => Math.log10(p[1])), color: COLORS.network, width: 1.5, label: "training" }];
  const test = h.filter((p) => Number.isFinite(p[2]) && p[2] > 0);
  if (test.length) series.push({ x: test.map((p) => p[0]), y: test.map((p) => Math.log10(p[2])), color: COLORS.test, width: 1.5, label: "test" });
  plot($("loss-view"), series, { logY: true });
}

// ---------------------------------------------------------------- exports

function download(filename, blob) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

export function onExport(message) {
  if (message.base64) {
    const bytes = Uint8Array.from(atob(message.base64), (c) => c.charCodeAt(0));
    download(message.filename, new Blob([bytes], { type: "application/octet-stream" }));
  } else {
    download(message.filename, new Blob([message.text], { type: "text/plain" }));
  }
  state.lastExport = message;
}

// ---------------------------------------------------------------- wiring

export function init(sender, changed) {
  send = sender;
  onChange = changed;
  state.layers = [8];
  $("activation").innerHTML = ACTIVATIONS.map((a) => `<option>${a}</option>`).join("");
  $("features").innerHTML = FEATURES.map((f) =>
    `<label><input type="checkbox" id="feature-${f}" data-testid="feature-${f}" ${f === "x1" || f === "x2" ? "checked" : ""}> ${f}</label>`).join("");
  renderLayers();
  showMode();
  $("mode").addEventListener("change", () => {
    showMode();
    const mode = $("mode").value;
    if (mode === "points" && state.drawn.length < 2) {  // nothing to train on yet: an empty canvas to draw on
      hideError();
      state.drawTransform = plot($("output-view"), [], { xRange: [-3, 3], yRange: [-2, 2] });
    } else if (mode !== "csv") configure();
  });
  for (const id of ["target-expr", "domain-a", "domain-b", "points", "noise", "dataset", "test-ratio", "activation",
    "optimizer", "seed"]) {
    $(id).addEventListener("change", configure);
  }
  $("target-expr").addEventListener("keydown", (e) => { if (e.key === "Enter") configure(); });
  FEATURES.forEach((f) => $(`feature-${f}`).addEventListener("change", configure));
  for (const [id, key] of [["lr", "lr"], ["batch", "batch"], ["l1", "l1"], ["l2", "l2"], ["stop-loss", "stop_loss"], ["speed", "speed"]]) {
    $(id).addEventListener("change", () => update([key]));
  }
  $("add-layer").addEventListener("click", () => { if (state.layers.length < MAX_LAYERS) { state.layers.push(4); renderLayers(); configure(); } });
  $("remove-layer").addEventListener("click", () => { if (state.layers.length) { state.layers.pop(); renderLayers(); configure(); } });
  $("train").addEventListener("click", () => send({ type: "train" }));
  $("pause").addEventListener("click", () => send({ type: "pause" }));
  $("step").addEventListener("click", () => send({ type: "step" }));
  $("reset").addEventListener("click", () => { state.history = []; send({ type: "reset" }); });
  $("clear-points").addEventListener("click", () => {
    state.drawn = [];
    state.drawTransform = plot($("output-view"), [], { xRange: [-3, 3], yRange: [-2, 2] });
  });
  // points mode: click for one point, or press and drag to draw a stroke of points
  const view = $("output-view");
  let stroke = null;
  const addPoint = (e) => {
    const rect = view.getBoundingClientRect();
    const px = e.clientX - rect.left, py = e.clientY - rect.top;
    if (stroke && stroke.last && Math.hypot(px - stroke.last[0], py - stroke.last[1]) < 6) return;
    const [x, y] = (state.drawTransform || state.outputTransform).invert(px, py);
    state.drawn.push([Number(x.toFixed(3)), Number(y.toFixed(3))]);
    if (stroke) stroke.last = [px, py];
    state.drawTransform = plot(view, [], { points: state.drawn.map(([a, b]) => ({ x: a, y: b })),
      xRange: [state.drawTransform ? state.drawTransform.x0 : -3, state.drawTransform ? state.drawTransform.x1 : 3],
      yRange: [state.drawTransform ? state.drawTransform.y0 : -2, state.drawTransform ? state.drawTransform.y1 : 2] });
  };
  view.addEventListener("pointerdown", (e) => {
    if ($("mode").value !== "points") return;
    if (!state.drawn.length) state.drawTransform = plot(view, [], { xRange: [-3, 3], yRange: [-2, 2] });
    stroke = { last: null };
    view.setPointerCapture(e.pointerId);
    addPoint(e);
  });
  view.addEventListener("pointermove", (e) => { if (stroke) addPoint(e); });
  view.addEventListener("pointerup", () => {
    if (!stroke) return;
    stroke = null;
    if (state.drawn.length >= 2) configure();
  });
  $("csv-task").addEventListener("change", () => { if (state.csv) configure(); else onChange(); });
  $("csv-file").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    if (file.size > 200000) return showError("the CSV is larger than 200 kB", "csv");
    state.csv = await file.text();
    configure();
  });
  document.querySelectorAll("[data-export]").forEach((button) => button.addEventListener("click", () => {
    const what = button.dataset.export;
    if (what === "png") {
      $("output-view").toBlob((blob) => download("neuronlab-view.png", blob));
    } else send({ type: "export", what });
  }));
}

export const data = {
  get frame() { return state.frame; },
  get history() { return state.history; },
  get lastExport() { return state.lastExport; },
};
