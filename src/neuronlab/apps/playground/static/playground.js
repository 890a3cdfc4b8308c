// The playground tab: controls become config messages; frames from the server become pictures.

import { ENGINE_NAMES } from "./activations.js";
import FACTS from "./facts.js";
import { COLORS, COLOR_NAMES, diagram, drawnOf, heatmap, paletteColor, plot, plotPanels, signed } from "./draw.js";

const $ = (id) => document.getElementById(id);
// the server's bounds (session.limits(), written into facts.js): a share link is checked as check_config checks
const LIMITS = FACTS.playground.limits;
const FEATURES = LIMITS.features;
const CLASS_COLORS = COLORS.classes;
const MAX_LAYERS = LIMITS.max_layers, MAX_NEURONS = LIMITS.max_neurons;
// one hidden layer alone may be as wide as the Approximate tab builds them (session.MAX_APPROXIMATION_NEURONS)
const MAX_WIDE_LAYER = LIMITS.max_wide_layer, MAX_POINTS = LIMITS.max_points;

let send = () => {};
let onChange = () => {};
const state = { config: null, frame: null, history: [], points: [], testPoints: [], target: null, drawn: [], highlight: null,
  hover: null };

// ---------------------------------------------------------------- config from the controls

export function readConfig() {
  const number = (id) => Number($(id).value);
  return {
    mode: $("mode").value, expr: $("target-expr").value, domain: [number("domain-a"), number("domain-b")],
    points: number("points"), noise: number("noise"), dataset: $("dataset").value, test_ratio: number("test-ratio"),
    features: FEATURES.filter((f) => $(`feature-${f}`).checked), layers: [...state.layers],
    activation: $("activation").value, optimizer: $("optimizer").value, lr: number("lr"), batch: number("batch"),
    l1: number("l1"), l2: number("l2"), stop_loss: number("stop-loss"), seed: number("seed"), speed: number("speed"),
    line: number("superposition-line"), layer_shown: state.layerShown || 0,
    drawn: state.drawn, task: $("csv-task").value,
  };
}

/**
 * The settings in a share link, checked one by one as the server's check_config checks them (a browser test
 * holds the two to the same verdicts): { config: the settings that pass, dropped: [[key, value], ...] }. What
 * only the server can judge (an expression's syntax, a domain where it is finite) it judges when they are sent.
 */
export function checkConfig(raw) {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return { config: {}, dropped: [["p", raw]] };
  const isNumber = (v) => typeof v === "number" && Number.isFinite(v);
  const within = (low, high, whole = false) => (v) => isNumber(v) && v >= low && v <= high && (!whole || Number.isInteger(v));
  const oneOf = (id) => (v) => typeof v === "string" && [...$(id).options].some((o) => o.value === v);
  const checks = {
    mode: oneOf("mode"), dataset: oneOf("dataset"), activation: oneOf("activation"), optimizer: oneOf("optimizer"),
    task: oneOf("csv-task"),
    expr: (v) => typeof v === "string" && [...v].length <= LIMITS.max_expression,
    csv: (v) => typeof v === "string" && new TextEncoder().encode(v).length <= LIMITS.max_csv_bytes,
    domain: (v) => Array.isArray(v) && v.length === 2 && v.every(within(-LIMITS.domain_bound, LIMITS.domain_bound))
      && v[0] < v[1],
    features: (v) => Array.isArray(v) && v.length > 0 && v.every((f) => typeof f === "string" && FEATURES.includes(f)),
    layers: (v) => Array.isArray(v) && v.length <= MAX_LAYERS && v.every(within(1, v.length === 1 ? MAX_WIDE_LAYER : MAX_NEURONS, true)),
    drawn: (v) => Array.isArray(v) && v.length <= MAX_POINTS && v.every((p) => Array.isArray(p) && p.length === 2 && p.every(isNumber)),
    ...Object.fromEntries(Object.entries(LIMITS.ranges).map(([key, [low, high, whole]]) => [key, within(low, high, whole)])),
  };
  const config = {}, dropped = [];
  for (const [key, value] of Object.entries(raw)) {
    if (Object.hasOwn(checks, key) && checks[key](value)) config[key] = value;
    else dropped.push([key, value]);
  }
  return { config, dropped };
}

export function applyConfig(config) {
  const set = (id, value) => { if (value !== undefined) $(id).value = value; };
  set("mode", config.mode); set("target-expr", config.expr);
  if (config.domain) { set("domain-a", config.domain[0]); set("domain-b", config.domain[1]); }
  set("points", config.points); set("noise", config.noise); set("dataset", config.dataset);
  set("test-ratio", config.test_ratio); set("activation", config.activation); set("optimizer", config.optimizer);
  set("lr", config.lr); set("batch", config.batch); set("l1", config.l1); set("l2", config.l2);
  set("stop-loss", config.stop_loss); set("seed", config.seed); set("speed", config.speed); set("csv-task", config.task);
  set("superposition-line", config.line);
  if (Number.isInteger(config.layer_shown)) state.layerShown = config.layer_shown;
  if (config.line !== undefined) $("superposition-line-out").textContent = Number(config.line).toFixed(2);
  if (config.features) FEATURES.forEach((f) => { $(`feature-${f}`).checked = config.features.includes(f); });
  if (config.layers) state.layers = [...config.layers];
  if (config.drawn) state.drawn = config.drawn;
  showMode();
  renderLayers();
}

function configure() {
  hideError();
  state.restore = null;  // a new setup: no saved weights to give back
  const config = readConfig();
  if (config.mode === "csv" && !state.csv) return showError("choose a CSV file first", "csv");
  if (config.mode === "csv") config.csv = state.csv;
  send({ type: "config", config });
  onChange();
}

function update(keys) {
  hideError();
  const config = readConfig();
  send({ type: "update", config: Object.fromEntries(keys.map((k) => [k, config[k]])) });
  onChange();
}

// ---------------------------------------------------------------- the panel

function showMode() {
  const mode = $("mode").value;
  document.querySelectorAll("[data-mode]").forEach((el) => { el.hidden = el.dataset.mode !== mode; });
  // settings some modes ignore (the server's _data): points and noise make the function's and the 2-D set's
  // data, not drawn points or a CSV; a function has no test split
  document.querySelectorAll("[data-modes]").forEach((el) => { el.hidden = !el.dataset.modes.split(" ").includes(mode); });
  $("output-view").classList.toggle("draw", mode === "points");  // a finger draws points there instead of scrolling
  $("superposition-line-label").hidden = mode !== "dataset";
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
    minus.addEventListener("click", () => changeNeurons(i, -1));
    plus.addEventListener("click", () => changeNeurons(i, +1));
    box.appendChild(row);
  });
}

// the network's shape, changed from the panel or from the diagram's own buttons: one path for both
function changeNeurons(i, change) {
  const n = state.layers[i] + change;
  if (change < 0 ? n >= 1 : n <= MAX_NEURONS) { state.layers[i] = n; renderLayers(); configure(); }
}
function addLayer() { if (state.layers.length < MAX_LAYERS) { state.layers.push(4); renderLayers(); configure(); } }
function removeLayer() { if (state.layers.length) { state.layers.pop(); renderLayers(); configure(); } }

export function showError(message, field = "") {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
  box.dataset.field = field;
  // a rejected setting is put back to the one in use (an expression stays, to be corrected)
  if (field && field !== "expr" && field !== "csv" && state.config && field in state.config) {
    applyConfig({ [field]: state.config[field] });
    onChange();
  }
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
  // a link (or an edited URL) asks for another setup than the saved one: the saved weights are not for it (the
  // server's first frame, of its own starting network, would otherwise take them). Read before that frame's
  // settings fill the panel, which still holds what the page asks for.
  if (full && state.restore && !sameSettings(state.restore.config, readConfig())) state.restore = null;
  state.frame = frame;
  frames.received++;
  // the neuron editor belongs to one network: another shape or setup leaves its inputs stale, so it closes
  if (state.editorFor && state.editorFor !== editorKey(frame)) closeEditor();
  if (frame.config) {
    state.config = frame.config;
    // a rebuilt network (a new setup, "train from here", a reload): the panel and the URL show what is in use
    if (full) { applyConfig(frame.config); onChange(); }
  }
  if (full) hideError();
  if (frame.thumbnails) drawThumbnails(frame.thumbnails, frame.config ? frame.config.dataset : $("dataset").value);
  if (full && state.restore) restoreWeights(frame);
  // while training, draw at most once per screen refresh, always the newest frame: a slow screen skips
  // frames instead of queueing them (so a click on pause shows at once); any other frame is drawn now
  if (frame.status !== "training") { state.pausing = false; frames.confirmed = performance.now(); render(); }
  else if (state.pausing) return;  // pause was clicked: the picture stays as it was at the click
  else if (!state.renderPending) { state.renderPending = true; requestAnimationFrame(render); }
}

function render() {
  state.renderPending = false;
  const frame = state.frame;
  if (!frame || frame === state.rendered) return;
  state.rendered = frame;
  frames.drawn++;
  const started = performance.now();
  $("step-count").textContent = frame.step;
  $("loss").textContent = Number.isFinite(frame.loss) ? frame.loss.toPrecision(4) : "–";
  $("loss-label").title = lossMeaning(frame);
  $("status").textContent = frame.status;
  $("train").disabled = frame.status === "training" || !frame.trainable;
  const message = $("message");
  message.hidden = !frame.message;
  message.textContent = frame.message || "";
  showMetrics(frame.metrics || {});
  drawViews(frame);
  // the diagram is hundreds of SVG elements: while training it follows ten times a second, the graphs every frame;
  // five times a second past 600 edges (deep, wide networks), where it costs the browser more than every graph
  const every = edgesDrawn(frame) > 600 ? 200 : 100;
  if (frame.status !== "training" || started - (state.diagramAt || 0) >= every) { drawDiagram(frame); state.diagramAt = started; }
  drawLoss();
  frames.drawingMs += performance.now() - started;
  // the server sends the next training frames once this one is drawn (a slow screen is not sent frames it would
  // skip, and a hidden tab, which draws nothing, none at all): the time goes to training instead
  if (frame.status === "training") send({ type: "drawn" });
  if (frame.weights_complete) saveWeights(frame);
}

// ---------------------------------------------------------------- a reload keeps the trained weights

const SAVED = "neuronlab-playground";

/** The network in this tab's sessionStorage (it lives as long as the tab), so a reload can give it back. */
function saveWeights(frame) {
  if (!frame.config || state.restore || frame.weights_complete === false) return;  // (whole networks only)
  const round = (v) => Number(Number(v).toPrecision(7));
  try {
    sessionStorage.setItem(SAVED, JSON.stringify({ config: frame.config, sizes: frame.sizes, step: frame.step,
      weights: frame.weights.map((W) => W.map((row) => row.map(round))), biases: frame.biases.map((b) => b.map(round)) }));
  } catch { /* storage full or off: a reload starts afresh */ }
}

/** Whether `current` holds every setting `config` names, each equal (the panel already asks for them all). */
export function sameSettings(config, current) {
  return Object.keys(config).every((k) => k in current && JSON.stringify(current[k]) === JSON.stringify(config[k]));
}

/** After a reload, once the server has built the same setup, send the saved weights back, a layer a message. */
function restoreWeights(frame) {
  const saved = state.restore;
  if (JSON.stringify(frame.config) !== JSON.stringify(saved.config) || String(frame.sizes) !== String(saved.sizes)) return;
  state.restore = null;
  if (!saved.step) return;  // never trained: nothing to give back
  saved.weights.forEach((weights, layer) => send({ type: "restore", layer, weights, bias: saved.biases[layer] }));
  state.restoredStep = saved.step;
}

/** Frames received from the server and drawn on screen (the speed test reads them). */
export const frames = { received: 0, drawn: 0, drawingMs: 0 };

/** The choice of hidden layer for the superposition, for networks with more than one. */
function showLayerChoice(frame) {
  const hidden = frame.sizes.length - 2, select = $("superposition-layer");
  $("superposition-layer-label").hidden = hidden < 2;
  if (select.dataset.hidden !== String(hidden)) {
    select.dataset.hidden = hidden;
    select.innerHTML = `<option value="0">the last, into the output</option>` + Array.from({ length: Math.max(0, hidden - 1) },
      (_, k) => `<option value="${k + 1}">layer ${k + 1}, into neuron 1 of layer ${k + 2}</option>`).join("");
  }
  select.value = String(state.layerShown && state.layerShown < hidden ? state.layerShown : 0);
}

function drawViews(frame) {
  showLayerChoice(frame);
  $("csv-note").textContent = frame.data_note || "";
  if (frame.dims === 1) draw1d(frame);
  else if (frame.heat) draw2d(frame);
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

/** What the toolbar's loss is: the loss of the current weights on every training point (not the minibatches'),
 * from the same pass as the metrics beside it. */
function lossMeaning(frame) {
  const where = `of the current weights on all ${frame.n_train} training points`;
  const when = "measured with the metrics beside it, a few times a second while training";
  const units = frame.scaled ? " It is in the CSV's own units." : "";
  if (frame.loss_name === "mse") {
    return `mean squared error ${where}: mean((output − target)²), with no ½ factor, so it is the RMSE squared; ` +
      `${when}.${units}`;
  }
  return `cross-entropy ${where}: −mean(log of the probability given to the true class); ${when}.`;
}

/** A transform frozen as it is now (plot's own object follows later redraws of its canvas). */
function snapshot(transform) {
  return { ...transform };
}

/** "RMSE 0.041 · R² 0.996 after 1200 steps": the toolbar's metrics, for the pictures' text alternatives */
function progress(frame) {
  const metrics = $("metrics").textContent;
  return `${metrics ? `${metrics.replaceAll(" · ", ", ")} ` : ""}after ${frame.step} step${frame.step === 1 ? "" : "s"}`;
}

function draw1d(frame) {
  if (frame.probabilities) return drawClasses1d(frame);
  const series = [];
  if (state.target) series.push({ x: frame.grid, y: state.target, color: COLORS.target, width: 4, label: "target" });
  series.push({ x: frame.grid, y: frame.output, color: COLORS.network, width: 2, label: "network output" });
  const points = state.points.map(([x, y]) => ({ x, y, color: COLORS.neutral, r: 2 }))
    .concat(state.testPoints.map(([x, y]) => ({ x, y, color: COLORS.test, r: 3.2 })));
  const alt = `the network's output (red) over x from ${frame.grid[0]} to ${frame.grid[frame.grid.length - 1]}` +
    `${state.target ? ", over the target (grey)" : ""}, with ${state.points.length} training points: ${progress(frame)}`;
  if (!state.stroking) state.outputTransform = plot($("output-view"), series, { points, alt });  // (not under a stroke being drawn)
  if (frame.contributions) {
    const intoOutput = frame.shown_layer === undefined || frame.shown_layer === frame.sizes.length - 2;
    const reference = intoOutput ? frame.output : [];
    drawSuperposition(frame.grid, frame.contributions, frame.output_bias, frame, reference,
      { sum: `sum + bias = ${intoOutput ? "the output" : frame.shown_label}`,
        others: frame.contributions_rest, output: intoOutput ? frame.output : null });
  } else clearSuperposition();
}

/** Where a curve switches: the x of its steepest change (the threshold -b/w of a first-layer neuron). */
function switchPoint(x, y) {
  let best = 0, at = x[0];
  for (let k = 1; k < y.length; k++) {
    const slope = Math.abs(y[k] - y[k - 1]);
    if (slope > best) { best = slope; at = (x[k] + x[k - 1]) / 2; }
  }
  return at;
}

/**
 * The lesson's picture, live, in two panels of one canvas. Above: the output, on a scale that fits it (and the
 * target), drawn as the sum of the curves below plus the output bias (thick) with the network's own output over
 * it (thin red): they are one curve. Below: the addends, each hidden neuron's weighted curve w_i·h_i (its colour,
 * ordered by where it switches) and the bias, all on one shared scale that holds every one of them whole.
 * The canvas says how many addends run off their scale (data-clipped: 0 by construction, checked) and how
 * much of its panel's height the output fills (data-output-fraction).
 */
function drawSuperposition(x, contributions, bias, frame, reference, text) {
  const weights = outgoingWeights(frame);
  const order = contributions.map((c, i) => ({ i, at: switchPoint(x, c) })).sort((a, b) => a.at - b.at).map((o) => o.i);
  const others = text.others || null;  // neurons beyond those sent, added up by the server
  const sum = x.map((_, k) => bias + contributions.reduce((acc, c) => acc + c[k], 0) + (others ? others[k] : 0));
  const finite = reference.concat(sum).filter(Number.isFinite);
  let low = Math.min(...finite), high = Math.max(...finite);
  const margin = 0.08 * (high - low || 1);
  low -= margin; high += margin;
  let addLow = Math.min(0, bias), addHigh = Math.max(0, bias);  // one scale for every addend (a loop: thousands of values)
  for (const c of others ? [...contributions, others] : contributions) {
    for (const v of c) if (Number.isFinite(v)) { addLow = Math.min(addLow, v); addHigh = Math.max(addHigh, v); }
  }
  const addMargin = 0.06 * (addHigh - addLow || 1);
  addLow -= addMargin; addHigh += addMargin;
  const clipped = contributions.filter((c) => c.some((v) => !Number.isFinite(v) || v < addLow || v > addHigh)).length;
  const highlighted = state.highlight, anyLit = highlighted !== null && highlighted !== undefined;
  const top = [];
  const output = text.output || null;  // (the network's own output, drawn over the sum when it is what the sum makes)
  top.push({ x, y: sum, color: COLORS.ink, width: output ? 3.5 : 2.5, alpha: output ? 0.45 : 1, label: "sum below + bias" });
  if (output) top.push({ x, y: output, color: COLORS.network, width: 1.5, label: "network output" });
  const addends = [{ x, y: x.map(() => bias), color: COLORS.neutral, dash: [2, 3], width: 1.2, label: `bias ${bias.toFixed(2)}` }];
  for (const i of order) {
    const lit = highlighted === i;
    addends.push({ x, y: contributions[i], color: paletteColor(i), width: lit ? 3.5 : 1.5, alpha: !anyLit || lit ? 1 : 0.25,
      label: lit ? `${weights[i].toFixed(2)}·h${i + 1}` : undefined });
  }
  if (others) addends.push({ x, y: others, color: COLORS.neutral, width: 1.2, dash: [4, 3], label: `${frame.hidden_total - contributions.length} more, added up` });
  const xRange = [x[0], x[x.length - 1]];
  const canvas = $("contributions-view");
  const alt = `the output as a sum, ${progress(frame)}: above, ${text.sum}, from ${low.toFixed(2)} to ${high.toFixed(2)}, ` +
    `the sum of the ${contributions.length} weighted neuron curves below plus the bias ${bias.toFixed(2)}`;
  const altBelow = `the ${contributions.length} curves w·h on one scale from ${addLow.toFixed(2)} to ${addHigh.toFixed(2)}, ` +
    `${clipped ? `${clipped} cut off` : "each whole"}; left to right by where they switch: neurons ${order.map((i) => i + 1).join(", ")}`;
  const [above, below] = plotPanels(canvas, [
    { share: 1, series: top, options: { xRange, yRange: [low, high], title: text.sum, alt } },
    { share: 1.15, series: addends, options: { xRange, yRange: [addLow, addHigh], alt: altBelow,
      title: `the ${contributions.length} addends w·h${others ? " (and the rest)" : ""} and the bias, one scale` } },
  ]);
  state.superpositionTransform = below;
  state.superpositionPanels = [above, below];
  let outLow = Infinity, outHigh = -Infinity;
  for (const v of sum) if (Number.isFinite(v)) { outLow = Math.min(outLow, v); outHigh = Math.max(outHigh, v); }
  const fraction = outHigh >= outLow ? (above.sy(outLow) - above.sy(outHigh)) / above.panel.height : 0;
  canvas.dataset.clipped = clipped;
  canvas.dataset.outputFraction = fraction.toFixed(3);
  $("superposition-note").textContent = `Above: the output; below: the ${contributions.length} curves it adds up, on one scale ` +
    `(${addLow.toFixed(1)} to ${addHigh.toFixed(1)}) that shows each whole.`;
  state.superposition = { x, order, label: text.sum, curves: order.map((i) => ({ neuron: i, weight: weights[i], y: contributions[i] })),
    others, bias, sum, yRange: [low, high], addendRange: [addLow, addHigh], clipped, outputFraction: fraction };
  // one input: each neuron's curve in its own small graph (two inputs: draw2d gives each its heat map instead)
  if (!frame.hidden_heat) drawHiddenSmall(order.map((i) => ({ i, x, y: contributions[i] })), weights, frame);
}

/** One input, classes: each class's probability along x, the points in their class's colour below. */
function drawClasses1d(frame) {
  const names = frame.classes || [];
  const series = frame.probabilities.map((p, k) => ({ x: frame.grid, y: p, color: CLASS_COLORS[k % 4], width: 2,
    label: `P(${names[k] ?? k})` }));
  const strip = (pts, r) => pts.map(([x, c]) => ({ x, y: -0.08 - 0.04 * (c % 3), color: CLASS_COLORS[c % 4], r }));
  state.outputTransform = plot($("output-view"), series, { points: strip(state.points, 2).concat(strip(state.testPoints, 3)),
    yRange: [-0.2, 1.05] });
  if (frame.contributions) {  // the score's superposition: w_i·h_i of the score's weights, and their sum
    drawSuperposition(frame.grid, frame.contributions, frame.output_bias, frame, [],
      { sum: `sum + bias = ${names.length === 2 ? `score of ${names[1]} over ${names[0]}` : `score of ${names[0]}`}` });
  } else clearSuperposition();
}

function clearSuperposition() {
  state.superposition = null;
  plot($("contributions-view"), [], { xRange: [-1, 1], yRange: [-1, 1] });
  delete $("contributions-view").dataset.clipped;  // no addends
  delete $("contributions-view").dataset.outputFraction;
  $("superposition-note").textContent = "no hidden layer: add one to see the output as a sum of neurons";
  $("hidden-views").replaceChildren();
}

/** w_i: the weight from neuron i of the last hidden layer to the output (class 1 minus class 0 for two classes). */
function outgoingWeights(frame) {
  if (frame.shown_weights) return frame.shown_weights;  // the server's: for the layer the superposition shows
  const last = frame.weights[frame.weights.length - 1];
  return last.map((row) => (row.length === 2 && frame.dims === 2 ? row[1] - row[0] : row[0]));
}

/** Each neuron's own weighted graph w_i·h_i (or heat map of h_i), all on one scale so a flat one looks flat. */
function drawHiddenSmall(graphs, weights, frame) {
  const box = $("hidden-views");
  // below the fold while training, they wait: every redrawn canvas costs the compositor a copy, and 32 small
  // maps cost more than the big map in view; the first frame after they scroll into view draws them again
  if (frame.status === "training" && state.smallOffscreen && box.children.length === graphs.length) return;
  while (box.children.length > graphs.length) box.lastChild.remove();
  while (box.children.length < graphs.length) {
    const canvas = document.createElement("canvas");
    canvas.setAttribute("width", 120);
    canvas.setAttribute("height", 90);
    canvas.addEventListener("pointerenter", () => setHighlight(Number(canvas.dataset.neuron)));
    canvas.addEventListener("pointerleave", () => setHighlight(null));
    box.appendChild(canvas);
  }
  let low = 0, high = 0;  // one scale for all (a loop: tens of thousands of heat-map values)
  for (const g of graphs) for (const v of g.y || g.heat) if (Number.isFinite(v)) { low = Math.min(low, v); high = Math.max(high, v); }
  graphs.forEach((g, k) => {
    const canvas = box.children[k], i = g.i;
    if (canvas.dataset.neuron !== String(i)) {  // (touching the DOM only when it changes keeps frames cheap)
      canvas.dataset.neuron = i;
      canvas.style.borderColor = paletteColor(i);
    }
    if (canvas.classList.contains("highlight") !== (state.highlight === i)) canvas.classList.toggle("highlight");
    if (g.heat) heatmap(canvas, g.heat, g.n, { low, high, extent: frame.extent });
    else plot(canvas, [{ x: g.x, y: g.y, color: paletteColor(i), width: 1.5, label: `w${i + 1} = ${signed(weights[i])}` }],
      { yRange: [low - 0.05 * (high - low || 1), high + 0.05 * (high - low || 1)] });
  });
}

/** The neuron whose curve passes within 8 px of the pointer on the superposition view, or null. */
function curveAt(event) {
  const sp = state.superposition, t = state.superpositionTransform;
  if (!sp || !t) return null;
  const rect = $("contributions-view").getBoundingClientRect();
  const [x] = t.invert(event.clientX - rect.left, event.clientY - rect.top);
  const k = Math.max(0, Math.min(sp.x.length - 1, Math.round(((x - sp.x[0]) / (sp.x[sp.x.length - 1] - sp.x[0])) * (sp.x.length - 1))));
  let best = null, distance = 8;
  for (const c of sp.curves) {
    const d = Math.abs(t.sy(c.y[k]) - (event.clientY - rect.top));
    if (d < distance) { distance = d; best = c.neuron; }
  }
  return best;
}

/** Point at neuron i of the last hidden layer (or at none): it lights up in the diagram, its graph and the sum. */
function setHighlight(neuron) {
  if (state.highlight === neuron) return;
  state.highlight = neuron;
  if (state.frame) { drawViews(state.frame); drawDiagram(state.frame); }
}

function draw2d(frame) {
  const n = Math.round(Math.sqrt(frame.heat.length));
  const predicted = frame.predicted || [];
  const points = state.points.map(([x, y, c], i) => ({ x, y, color: CLASS_COLORS[c % 4], test: state.testMask[i],
    wrong: predicted.length === state.points.length && predicted[i] !== c }));
  const twoClasses = frame.classes.length === 2;
  const anyTest = points.some((p) => p.test);
  // the decision, tinted lightly (the points in their class colours stay what the eye sees first), interpolated
  // onto a grid four times finer so the boundary is smooth
  state.outputTransform = heatmap($("output-view"), twoClasses ? frame.heat : frame.heat_confidence, n, {
    low: 0, high: 1, extent: frame.extent, points, pointsKey: state.points, axes: true, upscale: 4,
    line: frame.slice_line === undefined ? null : { y: frame.slice_line, label: "superposition along here" },
    legend: frame.classes.map((name, c) => ({ label: `class ${name}`, color: CLASS_COLORS[c % 4], marker: "train" }))
      .concat(anyTest ? [{ label: "test point", color: "#fff", marker: "test" }] : [])
      .concat([{ label: "classified wrongly", marker: "wrong" }]),  // (always there: the map keeps its size)
    alt: `the network's decision over x1 and x2, each region tinted with the class it gives (${frame.classes.map((c) => `class ${c}`).join(", ")}), ` +
      `with ${points.length} points, ${points.filter((p) => p.wrong).length} classified wrongly: ${progress(frame)}`,
    colorOf: twoClasses ? (k, t) => tintOf(CLASS_COLORS[t >= 0.5 ? 1 : 0], Math.abs(2 * t - 1))
      : (k, t) => tintOf(CLASS_COLORS[frame.heat_class[k] % 4], (t - 1 / frame.classes.length) / (1 - 1 / frame.classes.length)),
  });
  const caption = "the network's decision: each region lightly tinted with the class it gives (paler where it is " +
    "less sure); the points in their class's colour, " + (anyTest ? "training points thinly outlined, test points (held out) " +
    "with a thick outline; " : "") + "× marks a point it classifies wrongly";
  if ($("output-caption").textContent !== caption) $("output-caption").textContent = caption;
  state.wrongPoints = points.filter((p) => p.wrong).length;
  if (frame.hidden_heat) {
    const rest = frame.slice_rest;
    const sum = frame.slice_x.map((_, k) => frame.slice_bias + (rest ? rest[k] : 0) +
      frame.slice_contributions.reduce((a, c) => a + c[k], 0));
    drawSuperposition(frame.slice_x, frame.slice_contributions, frame.slice_bias, frame, sum,
      { sum: `${frame.slice_label}, along x2 = ${frame.slice_line.toFixed(2)}`, others: rest });
    drawHiddenSmall(state.superposition.order.map((i) => ({ i, heat: frame.hidden_heat[i], n })),
      outgoingWeights(frame), frame);
  } else clearSuperposition();
}

const tints = new Map();  // class colour -> its 256 tints (a heat map asks for tens of thousands a frame)

/** The class colour as a light tint: white at sureness 0, 40 % of the colour at sureness 1: [r, g, b]. */
function tintOf(hex, sureness) {
  let table = tints.get(hex);
  if (!table) {
    const v = parseInt(hex.slice(1), 16);
    table = Array.from({ length: 256 }, (_, k) => {
      const mix = (c) => Math.round(255 - (255 - c) * 0.4 * (k / 255));
      return [mix(v >> 16), mix((v >> 8) & 255), mix(v & 255)];
    });
    tints.set(hex, table);
  }
  return table[Math.round(255 * Math.max(0, Math.min(1, sureness)))];
}

/** The edges the diagram draws for this network (of a wide layer it draws a few neurons: draw.js's drawnOf). */
function edgesDrawn(frame) {
  const shown = frame.sizes.map(drawnOf);
  return shown.slice(1).reduce((sum, n, c) => sum + n * shown[c], 0);
}

function drawDiagram(frame) {
  const svg = $("diagram"), lastHidden = frame.shown_layer ?? frame.sizes.length - 2, sp = state.superposition;
  if (state.hover && state.hover.sizes !== String(frame.sizes)) hideTooltip();  // another network: its formula is gone
  else if (state.hover) $("tooltip").textContent = formula(frame, state.hover.layer, state.hover.neuron);
  const small = sp ? { low: Math.min(...sp.curves.flatMap((c) => c.y)), high: Math.max(...sp.curves.flatMap((c) => c.y)) } : null;
  const weightOf = sp ? Object.fromEntries(sp.curves.map((c) => [c.neuron, c])) : {};
  const heatScale = { low: 0, high: 0 };  // one scale for the heat maps at the nodes, as for the small graphs
  for (const h of frame.hidden_heat || []) for (const v of h) { heatScale.low = Math.min(heatScale.low, v); heatScale.high = Math.max(heatScale.high, v); }
  // every other node of a layer up to 16 wide (the inputs too): its own values, grey, on its layer's one scale
  const nodeScales = (frame.node_pictures || []).map((layer) => {
    if (!layer) return null;
    let low = Infinity, high = -Infinity;
    for (const values of layer) for (const v of values) if (Number.isFinite(v)) { low = Math.min(low, v); high = Math.max(high, v); }
    return { low, high };
  });
  diagram(svg, frame.sizes, frame.weights, frame.biases, frame.activations, {
    alt: `the network ${frame.sizes.join("-")}: ${frame.sizes.map((n, c) => (c === 0 ? `${n} input${n === 1 ? "" : "s"}`
      : `${n} ${frame.activations[c - 1]}`)).join(", then ")}, ${progress(frame)}; edge width is the weight's size, ` +
      "dark blue positive, dark orange negative; each neuron of the layer shown has its graph and outgoing weight beside it" +
      ((frame.node_pictures || []).some((layer, c) => layer && c !== lastHidden) ? ", every other neuron of a layer up to 16 wide its own graph" : ""),
    onHover: (e, layer, neuron) => { showTooltip(e, frame, layer, neuron); if (layer === lastHidden) setHighlight(neuron); },
    onLeave: () => { hideTooltip(); setHighlight(null); },
    onClick: (e, layer, neuron) => openEditor(frame, layer, neuron),
    nodeName: (layer, neuron) => `${layer === frame.sizes.length - 1 ? "output" : `layer ${layer}`}, neuron ${neuron + 1}: edit its weights`,
    fill: (layer, neuron) => (layer === lastHidden && layer > 0 && weightOf[neuron] ? tint(paletteColor(neuron)) : COLORS.node),
    picture: (layer, neuron) => {
      const curve = layer === lastHidden && layer > 0 && weightOf[neuron];
      if (!curve) return nodePicture(frame, layer, neuron, nodeScales);
      if (frame.hidden_heat && frame.hidden_heat[neuron]) {  // two inputs: the neuron's heat map at its node
        return { heat: frame.hidden_heat[neuron], n: Math.round(Math.sqrt(frame.hidden_heat[neuron].length)),
          low: heatScale.low, high: heatScale.high, color: paletteColor(neuron), text: `×${signed(curve.weight)}` };
      }
      const y = curve.y.filter((_, k) => k % 4 === 0);
      return { y, low: small.low, high: small.high, color: paletteColor(neuron), text: `×${signed(curve.weight)}` };
    },
    highlight: state.highlight === null || state.highlight === undefined ? null : { layer: lastHidden, neuron: state.highlight },
  });
  drawShapeButtons(frame);
}

/** The group element ``id`` (a div with its class, test id and label), made and put in place by ``place`` the
 * first time it is asked for. */
function groupBox(id, className, label, place) {
  let box = $(id);
  if (!box) {
    box = document.createElement("div");
    box.id = id;
    box.className = className;
    box.dataset.testid = id;
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", label);
    place(box);
  }
  return box;
}

/**
 * On the diagram, under each hidden layer's column, "−" and "+" (a neuron fewer or more there) and "+ layer" after the
 * last hidden layer: the panel's own controls (changeNeurons, addLayer), placed where the layers are drawn. Buttons
 * that would touch step down to a row of their own.
 */
function drawShapeButtons(frame) {
  const svg = $("diagram");
  const strip = groupBox("diagram-shape", "diagram-shape", "the network's shape", (made) => svg.after(made));
  const sizes = frame.sizes, last = sizes.length - 1;
  // each column's centre in CSS px from the svg's left: a node's cx (one user unit is one CSS px) and the border;
  // read from what diagram() wrote, not measured (a measure would force a layout on every frame of training)
  const border = Number(svg.dataset.edges) / 2 || 0;
  const xs = sizes.map((_, c) => border + Number(svg.querySelector(`circle[data-layer="${c}"]`)?.getAttribute("cx")));
  const width = Number(svg.dataset.drawnWidth);  // the svg's width as diagram() drew it
  const key = JSON.stringify([sizes, xs, width]);
  if (strip.dataset.key === key || xs.some((x) => !Number.isFinite(x))) return;
  strip.dataset.key = key;
  const focused = strip.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
  strip.replaceChildren();
  strip.style.width = `${width}px`;
  const button = (text, testid, label, action, group) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.dataset.testid = testid;
    b.setAttribute("aria-label", label);
    b.title = label;
    b.addEventListener("click", action);
    group.append(b);
  };
  const groups = [];
  const group = (x) => {
    const g = document.createElement("div");
    g.className = "shape-group";
    strip.append(g);
    groups.push({ g, x });
    return g;
  };
  for (let c = 1; c < last; c++) {
    const g = group(xs[c]), i = c - 1;
    button("−", `diagram-minus-${i}`, `layer ${c}: one neuron fewer`, () => changeNeurons(i, -1), g);
    button("+", `diagram-plus-${i}`, `layer ${c}: one neuron more`, () => changeNeurons(i, +1), g);
  }
  const layers = group((xs[last - 1] + xs[last]) / 2);  // before the output: a layer more, or the last one less
  button("+ layer", "diagram-add-layer", "add a hidden layer of 4 neurons after the last", addLayer, layers);
  if (last > 1) button("− layer", "diagram-remove-layer", `remove hidden layer ${last - 1}, the last`, removeLayer, layers);
  // left to right, each in the first row where it touches nothing, and inside the strip
  const rows = [];
  for (const [k, { g, x }] of groups.entries()) {
    const w = g.offsetWidth;
    let left = Math.max(0, Math.min(width - w, x - w / 2));
    // "+ layer" (the last) moves right of the last layer's pair rather than down, if the strip has the room
    if (k === groups.length - 1 && rows.length && rows[0] + 4 > left && rows[0] + 4 + w <= width) left = rows[0] + 4;
    let row = rows.findIndex((end) => end + 4 <= left);
    if (row < 0) row = rows.push(-Infinity) - 1;
    rows[row] = left + w;
    g.style.left = `${left}px`;
    g.style.top = `${row * 30}px`;
  }
  strip.style.height = `${rows.length * 30}px`;
  if (focused) strip.querySelector(`[data-testid="${focused}"]`)?.focus();
}

/**
 * The data sets as thumbnails beside the data set choice (each as it would be made with this noise and seed):
 * a button each, pressed for the one in use; choosing one chooses it in the list.
 */
function drawThumbnails(thumbnails, chosen) {
  const box = groupBox("dataset-thumbnails", "thumbnails", "data sets", (made) => $("dataset").closest("label").after(made));
  for (const [name, points] of Object.entries(thumbnails)) {
    let button = box.querySelector(`[data-name="${name}"]`);
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.dataset.name = name;
      button.dataset.testid = `thumbnail-${name.replaceAll(" ", "-")}`;
      button.title = name;
      const canvas = document.createElement("canvas");
      canvas.setAttribute("width", 64);
      canvas.setAttribute("height", 64);
      button.append(canvas);
      button.addEventListener("click", () => {
        $("dataset").value = name;
        $("dataset").dispatchEvent(new Event("change"));
      });
      box.append(button);
    }
    button.setAttribute("aria-pressed", String(name === chosen));
    const classes = new Set(points.map((p) => p[2])).size;
    heatmap(button.firstChild, [0], 1, { extent: [-1.5, 1.5], colorOf: () => [255, 255, 255], pointRadius: 1.6, outline: false,
      points: points.map(([x, y, c]) => ({ x, y, color: CLASS_COLORS[c % 4] })),
      alt: `data set ${name}: ${points.length} points of ${classes} classes${name === chosen ? " (in use)" : ""}` });
  }
}

/** A node's own picture (a layer not shown in the superposition): its graph over x, or its heat map over the plane. */
function nodePicture(frame, layer, neuron, scales) {
  const values = frame.node_pictures && frame.node_pictures[layer] && frame.node_pictures[layer][neuron];
  if (!values || layer >= frame.sizes.length - 1) return null;
  const { low, high } = scales[layer];
  if (frame.dims === 2) return { heat: values, n: Math.round(Math.sqrt(values.length)), low, high, color: COLORS.neutral };
  return { y: values, low, high, color: COLORS.neutral };
}

function tint(hex) {  // the neuron's colour, light, for its node
  const v = parseInt(hex.slice(1), 16);
  const mix = (c) => Math.round(255 - 0.35 * (255 - c));
  return `rgb(${mix(v >> 16)},${mix((v >> 8) & 255)},${mix(v & 255)})`;
}

function hideTooltip() {
  state.hover = null;
  $("tooltip").hidden = true;
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
  state.hover = { layer, neuron, sizes: String(frame.sizes) };
  const tip = $("tooltip");
  tip.textContent = formula(frame, layer, neuron);
  tip.style.left = `${event.clientX + 12}px`;
  tip.style.top = `${event.clientY + 12}px`;
  tip.hidden = false;
}

/** The network a frame shows, as far as the editor cares: its layer sizes and its setup (when the frame says). */
function editorKey(frame) {
  return JSON.stringify([frame.sizes, frame.config || state.config || null]);
}

function closeEditor() {
  state.editorFor = null;
  $("editor").hidden = true;
}

/** Closed by the person (Escape or close): the focus goes back to the neuron it edited, if it is still drawn. */
function closeEditorToNode() {
  const node = state.editorNode;
  closeEditor();
  if (node) $("diagram").querySelector(`circle[data-layer="${node.layer}"][data-neuron="${node.neuron}"]`)?.focus();
}

function openEditor(frame, layer, neuron) {
  const editor = $("editor");
  state.editorFor = editorKey(frame);
  const w = frame.weights[layer - 1].map((row) => row[neuron]);
  const b = frame.biases[layer - 1][neuron];
  editor.innerHTML = `<b>layer ${layer}, neuron ${neuron + 1}</b>` +
    w.map((v, i) => `<label>w${i + 1} <input type="number" step="0.1" data-w="${i}" value="${v.toFixed(4)}"></label>`).join("") +
    `<label>b <input type="number" step="0.1" data-b value="${b.toFixed(4)}"></label>` +
    `<div class="buttons"><button data-testid="editor-apply">apply</button><button data-testid="editor-close">close</button></div>`;
  editor.hidden = false;
  state.editorNode = { layer, neuron };
  const [apply, close] = editor.querySelectorAll("button");
  apply.addEventListener("click", () => {
    send({ type: "edit", layer: layer - 1, neuron, bias: Number(editor.querySelector("[data-b]").value),
      weights: [...editor.querySelectorAll("[data-w]")].map((input) => Number(input.value)) });
  });
  close.addEventListener("click", closeEditorToNode);
  // the keyboard: Enter in a number applies, Escape closes and goes back to the neuron
  editor.onkeydown = (e) => {
    if (e.key === "Escape") { e.preventDefault(); closeEditorToNode(); }
    else if (e.key === "Enter" && e.target.matches("input")) { e.preventDefault(); apply.click(); }
  };
  editor.querySelector("input").focus();
}

function drawLoss() {
  // the caption names the test curve only where points are held out (a function trains on every point)
  const held = state.testPoints.length > 0 || state.testMask.some(Boolean);
  const caption = held ? `loss: all training points (${COLOR_NAMES.network}), test (${COLOR_NAMES.test}), dashed`
    : `loss on all training points (${COLOR_NAMES.network}); no points are held out for a test here`;
  if ($("loss-caption").textContent !== caption) $("loss-caption").textContent = caption;
  // the history grows a few times a second while frames come tens of times: redrawn only when it has changed
  // (every redrawn canvas is copied to the screen afresh); a resize redraws it by itself (draw.js)
  const newest = state.history[state.history.length - 1];
  const key = `${state.history.length}:${newest ? newest.join() : ""}`;
  if (state.lossDrawn === key) return;
  state.lossDrawn = key;
  const h = state.history.filter((p) => Number.isFinite(p[1]) && p[1] > 0);
  if (!h.length) { plot($("loss-view"), [], { xRange: [0, 100], yRange: [-3, 0], logY: true }); return; }
  const series = [{ x: h.map((p) => p[0]), y: h.map((p) => Math.log10(p[1])), color: COLORS.network, width: 1.5, label: "training" }];
  const test = h.filter((p) => Number.isFinite(p[2]) && p[2] > 0);
  if (test.length) series.push({ x: test.map((p) => p[0]), y: test.map((p) => Math.log10(p[2])), color: COLORS.test, width: 1.5, dash: [5, 3], label: "test" });
  const last = h[h.length - 1], lastTest = test.length ? test[test.length - 1] : null;
  plot($("loss-view"), series, { logY: true, alt: `loss on a log scale over steps ${h[0][0]} to ${last[0]}: training ` +
    `${Number(last[1]).toPrecision(3)} now${lastTest ? `, test ${Number(lastTest[2]).toPrecision(3)}` : ""}` });
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
  try { state.restore = JSON.parse(sessionStorage.getItem(SAVED) || "null"); } catch { state.restore = null; }
  state.layers = [8];
  $("contributions-view").setAttribute("height", 420);  // two panels: the output above, its addends below
  if (window.IntersectionObserver) {  // whether the small graphs are on the screen (drawHiddenSmall)
    new IntersectionObserver((seen) => { state.smallOffscreen = !seen[seen.length - 1].isIntersecting; })
      .observe($("hidden-views"));
  }
  $("activation").innerHTML = ENGINE_NAMES.map((a) => `<option>${a}</option>`).join("");
  $("activation").value = FACTS.playground.defaults.activation;  // the server's starting network
  $("features").innerHTML = FEATURES.map((f) =>
    `<label><input type="checkbox" id="feature-${f}" data-testid="feature-${f}" ${f === "x1" || f === "x2" ? "checked" : ""}> ${f}</label>`).join("");
  renderLayers();
  showMode();
  $("mode").addEventListener("change", () => {
    showMode();
    const mode = $("mode").value;
    if (mode === "points" && state.drawn.length < 2) {  // nothing to train on yet: an empty canvas to draw on
      hideError();
      state.drawTransform = snapshot(plot($("output-view"), [], { xRange: [-3, 3], yRange: [-2, 2] }));
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
  $("superposition-layer").addEventListener("change", () => {
    state.layerShown = Number($("superposition-layer").value);
    state.highlight = null;
    update(["layer_shown"]);
  });
  $("superposition-line").addEventListener("input", () => {  // move the line the 2-D superposition is drawn along
    $("superposition-line-out").textContent = Number($("superposition-line").value).toFixed(2);
    update(["line"]);
  });
  // the diagram redraws itself at a new width: its shape buttons follow their columns
  if (window.ResizeObserver) new ResizeObserver(() => requestAnimationFrame(() => state.frame && drawShapeButtons(state.frame))).observe($("diagram"));
  $("add-layer").addEventListener("click", addLayer);
  $("remove-layer").addEventListener("click", removeLayer);
  $("train").addEventListener("click", () => { state.pausing = false; state.restore = null; send({ type: "train" }); });
  $("pause").addEventListener("click", () => {
    send({ type: "pause" });
    if (state.frame && state.frame.status === "training") {  // takes effect on screen at once; the server's
      state.pausing = true;                                   // paused frame follows with the exact step
      $("status").textContent = "paused";
      $("train").disabled = false;
    }
  });
  $("step").addEventListener("click", () => send({ type: "step" }));
  $("reset").addEventListener("click", () => { state.history = []; closeEditor(); send({ type: "reset" }); });
  $("clear-points").addEventListener("click", () => {
    state.drawn = [];
    state.drawTransform = snapshot(plot($("output-view"), [], { xRange: [-3, 3], yRange: [-2, 2] }));
  });
  // the diagram's circles are redrawn under the pointer (and miss their mouseleave): the svg itself notices
  const leaveNeurons = () => { hideTooltip(); setHighlight(null); };
  $("diagram").addEventListener("pointerleave", leaveNeurons);
  $("diagram").addEventListener("pointermove", (e) => { if (!e.target.closest("circle")) leaveNeurons(); });
  $("contributions-view").addEventListener("pointermove", (e) => setHighlight(curveAt(e)));
  $("contributions-view").addEventListener("pointerleave", () => setHighlight(null));
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
    state.drawTransform = snapshot(plot(view, [], { points: state.drawn.map(([a, b]) => ({ x: a, y: b })),
      xRange: [state.drawTransform ? state.drawTransform.x0 : -3, state.drawTransform ? state.drawTransform.x1 : 3],
      yRange: [state.drawTransform ? state.drawTransform.y0 : -2, state.drawTransform ? state.drawTransform.y1 : 2] }));
  };
  view.addEventListener("pointerdown", (e) => {
    if ($("mode").value !== "points") return;
    if (!state.drawn.length) state.drawTransform = snapshot(plot(view, [], { xRange: [-3, 3], yRange: [-2, 2] }));
    stroke = { last: null };
    state.stroking = true;
    view.setPointerCapture(e.pointerId);
    addPoint(e);
  });
  view.addEventListener("pointermove", (e) => { if (stroke) addPoint(e); });
  view.addEventListener("pointercancel", () => { stroke = null; state.stroking = false; });
  view.addEventListener("pointerup", () => {
    if (!stroke) return;
    stroke = null;
    state.stroking = false;
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
  get superposition() { return state.superposition; },
  get wrongPoints() { return state.wrongPoints; },
  get testMask() { return state.testMask; },
  get restoredStep() { return state.restoredStep; },
  get highlight() { return state.highlight; },
  get superpositionTransform() { return state.superpositionTransform; },
  get superpositionPanels() { return state.superpositionPanels; },
  get outputTransform() { return state.outputTransform; },
  get points() { return state.points; },
  classColors: CLASS_COLORS,
};
