// The notebook widgets' views: lesson, trainer, approximation (model "_view"), drawn with the page's own drawing
// modules, draw.js and pair.js (the lesson's pair of neurons, the same renderer as the page's Lesson tab). The kernel
// computes; these draw. This module and the ones it imports reach the notebook as text, once per kernel, and
// widgets.js (each widget's small anywidget module) imports them unchanged: one drawing code for page and notebook.

import * as drawing from "./draw.js";
import * as pair from "./pair.js";

const DRAW = { ...drawing, ...pair };  // draw.js's and pair.js's exports, as one namespace

function element(tag, attributes = {}, parent = null, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function canvas(parent, testid, width, height) {
  return element("canvas", { width, height, "data-testid": testid }, parent);
}

// A control of ours keeps its keys: JupyterLab's shortcuts (arrow keys move between cells in command mode)
// skip an element with this attribute, so the arrow keys move a focused slider as on the page.
const OWN_KEYS = { "data-lm-suppress-shortcuts": "true" };

/** A labelled range input bound to a model trait (sent on every move; follows the model's changes). */
function slider(parent, model, name, label, min, max, step) {
  const row = element("label", { style: "display:inline-flex;gap:6px;align-items:center;margin-right:14px" }, parent);
  element("span", {}, row, label);
  const input = element("input", { type: "range", min, max, step, "data-testid": `widget-${name}`, ...OWN_KEYS }, row);
  const shown = element("output", { "data-testid": `widget-${name}-value` }, row);
  const follow = () => { input.value = model.get(name); shown.textContent = Number(model.get(name)).toFixed(1); };
  input.addEventListener("input", () => {
    model.set(name, Number(input.value));
    model.save_changes();
    shown.textContent = Number(input.value).toFixed(1);
  });
  model.on(`change:${name}`, follow);
  follow();
  return input;
}

/** Redraw at most once per frame, however many traits changed. */
function scheduler(draw) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; draw(); });
  };
}

const STYLE = `font:13px system-ui,sans-serif;color:${drawing.COLORS.ink}`;

function renderLesson(draw, model, el) {
  const root = element("div", { "data-testid": "widget-lesson", style: STYLE }, el);
  const controls = element("div", { style: "margin:4px 0" }, root);
  slider(controls, model, "w11", "w11", -2, 2, 0.1);
  slider(controls, model, "w21", "w21", -2, 2, 0.1);
  slider(controls, model, "s1", "threshold s1", -3, 3, 0.1);
  slider(controls, model, "s2", "threshold s2", -3, 3, 0.1);
  const activation = element("select", { "data-testid": "widget-activation", ...OWN_KEYS }, controls);
  for (const name of ["step", "sigmoid"]) element("option", { value: name }, activation, name);
  activation.addEventListener("change", () => { model.set("activation", activation.value); model.save_changes(); });
  const steep = element("span", {}, controls);
  slider(steep, model, "steepness", "steepness k", 1, 50, 1);
  const row = element("div", { style: "display:flex;gap:8px;flex-wrap:wrap;align-items:flex-start" }, root);
  const network = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  for (const [k, v] of Object.entries({ width: 240, height: 150, "data-testid": "widget-diagram" })) network.setAttribute(k, v);
  row.appendChild(network);
  const h1 = canvas(row, "widget-h1", 260, 170), h2 = canvas(row, "widget-h2", 260, 170);
  const out = canvas(row, "widget-output", 360, 170);
  const formula = element("div", { "data-testid": "widget-formula", style: "margin:4px 0" }, root);
  const exercise = element("div", { style: "margin-top:8px" }, root);
  element("div", { "data-testid": "widget-question" }, exercise, model.get("question"));
  const reveal = element("button", { "data-testid": "widget-reveal" }, exercise, "Reveal the answer");
  reveal.addEventListener("click", () => { model.set("revealed", true); model.save_changes(); });
  const answerText = element("div", { "data-testid": "widget-answer-text" }, exercise);
  const answer = canvas(exercise, "widget-answer", 360, 170);

  const redraw = scheduler(() => {  // the kernel's graphs, drawn by pair.js as the page draws its own
    activation.value = model.get("activation");
    steep.hidden = model.get("activation") !== "sigmoid";
    const graphs = { x: model.get("x"), h1: model.get("h1"), h2: model.get("h2"), c1: model.get("c1"), c2: model.get("c2"),
      output: model.get("output"), thresholds: [model.get("s1"), model.get("s2")], weights: [model.get("w11"), model.get("w21")],
      activation: model.get("activation"), steepness: model.get("steepness") };
    draw.drawPair({ h1, h2, output: out }, graphs);
    draw.drawPairNetwork(network, graphs);
    formula.textContent = model.get("formula");
    const shown = model.get("answer");
    const revealed = Boolean(shown && shown.output);
    reveal.hidden = revealed;
    answer.hidden = !revealed;
    answerText.textContent = revealed ? `Answer: ${shown.text}` : "";
    if (revealed) draw.drawAnswer(answer, { ...shown, x: graphs.x });
  });
  for (const name of ["x", "h1", "h2", "c1", "c2", "output", "formula", "answer", "activation"]) {
    model.on(`change:${name}`, redraw);
  }
  redraw();
}

/** A labelled control row item: <label><span>text</span>{input}<output></label>. */
function labelled(parent, text) {
  const row = element("label", { style: "display:inline-flex;gap:6px;align-items:center;margin-right:14px" }, parent);
  element("span", {}, row, text);
  return row;
}

const SPEEDS = [[0, "full speed"], [100, "100 epochs/s"], [30, "30 epochs/s"], [10, "10 epochs/s"], [3, "3 epochs/s"],
  [1, "1 epoch/s"]];

/** The Trainer's settings: learning rate, activation, width, noise, speed (each a model trait). */
function trainerSettings(model, parent) {
  const settings = element("div", { style: "margin:4px 0;display:flex;flex-wrap:wrap;row-gap:4px;align-items:center" }, parent);
  const save = (name, value) => { model.set(name, value); model.save_changes(); };
  // the learning rate on a log scale: 10^-4 to 1
  const lrRow = labelled(settings, "learning rate");
  const lr = element("input", { type: "range", min: -4, max: 0, step: 0.1, "data-testid": "widget-lr", ...OWN_KEYS }, lrRow);
  const lrShown = element("output", { "data-testid": "widget-lr-value" }, lrRow);
  lr.addEventListener("input", () => save("lr", +(10 ** Number(lr.value)).toPrecision(2)));
  const activationRow = labelled(settings, "activation");
  const activation = element("select", { "data-testid": "widget-hidden-activation", ...OWN_KEYS }, activationRow);
  for (const name of model.get("activations")) element("option", { value: name }, activation, name);
  activation.addEventListener("change", () => save("activation", activation.value));
  const widthRow = labelled(settings, "width");
  const width = element("input", { type: "range", min: 1, max: Math.max(64, model.get("width")), step: 1,
    "data-testid": "widget-width", ...OWN_KEYS }, widthRow);
  const widthShown = element("output", { "data-testid": "widget-width-value" }, widthRow);
  width.addEventListener("change", () => save("width", Number(width.value)));  // on release: a new network each time
  width.addEventListener("input", () => { widthShown.textContent = width.value; });
  const noiseRow = labelled(settings, "noise");
  const noiseStep = 10 ** (Math.floor(Math.log10(model.get("noise_max"))) - 2);  // a hundredth of its scale
  const noise = element("input", { type: "range", min: 0, max: model.get("noise_max"), step: noiseStep,
    "data-testid": "widget-noise", ...OWN_KEYS }, noiseRow);
  const noiseShown = element("output", { "data-testid": "widget-noise-value" }, noiseRow);
  noise.addEventListener("input", () => save("noise", Number(noise.value)));
  const speedRow = labelled(settings, "speed");
  const speed = element("select", { "data-testid": "widget-speed", ...OWN_KEYS }, speedRow);
  for (const [value, text] of SPEEDS) element("option", { value }, speed, text);
  speed.addEventListener("change", () => save("speed", Number(speed.value)));
  const follow = () => {
    const rate = model.get("lr");
    lr.value = Math.log10(rate);
    lrShown.textContent = String(+rate.toPrecision(2));
    lr.disabled = !model.get("uses_lr");
    lrRow.title = model.get("uses_lr") ? "" : "this optimizer chooses its own steps: no learning rate";
    activation.value = model.get("activation");
    width.value = model.get("width");
    widthShown.textContent = model.get("width");
    noise.value = model.get("noise");
    noiseShown.textContent = String(+model.get("noise").toPrecision(2));
    const chosen = model.get("speed");
    if (!SPEEDS.some(([value]) => value === chosen)) element("option", { value: chosen }, speed, `${chosen} epochs/s`);
    speed.value = String(chosen);
  };
  for (const name of ["lr", "uses_lr", "activation", "width", "noise", "speed"]) model.on(`change:${name}`, follow);
  follow();
}

function renderTrainer(draw, model, el) {
  const root = element("div", { "data-testid": "widget-trainer", style: STYLE }, el);
  const buttons = element("div", { style: "margin:4px 0;display:flex;gap:6px;align-items:center" }, root);
  for (const [action, text] of [["start", "start"], ["pause", "pause"], ["step", "step"], ["reinitialise", "re-initialise"]]) {
    const button = element("button", { "data-testid": `widget-${action}` }, buttons, text);
    button.addEventListener("click", () => model.send({ action }));
  }
  const status = element("span", { "data-testid": "widget-status", style: "margin-left:8px" }, buttons);
  trainerSettings(model, root);
  const reason = element("div", { "data-testid": "widget-stop-reason", style: "margin:2px 0" }, root);
  const row = element("div", { style: "display:flex;gap:8px;flex-wrap:wrap" }, root);
  const fit = canvas(row, "widget-fit", 520, 260), loss = canvas(row, "widget-loss", 300, 260);
  const redraw = scheduler(() => {
    const grid = model.get("grid"), parts = model.get("parts"), points = model.get("points");
    const series = parts.map((y, i) => ({ x: grid, y, color: draw.paletteColor(i), width: 0.8 }));
    const act = model.get("output_activation");
    if (act === "linear") {
      series.push({ x: grid, y: model.get("output"), color: draw.COLORS.network, width: 2.5,
        label: "output = their sum + bias" });
    } else {
      series.push({ x: grid, y: model.get("weighted_sum"), color: draw.COLORS.ink, width: 1.5, dash: [6, 3],
        label: "their sum + bias" });
      series.push({ x: grid, y: model.get("output"), color: draw.COLORS.network, width: 2.5,
        label: `output = ${act}(sum + bias)` });
    }
    const more = model.get("neurons") > parts.length ? ` (first ${parts.length} of ${model.get("neurons")})` : "";
    series[0].label = parts.length ? `w_i·h_i(x), each hidden neuron${more}` : series[0].label;
    const heldOut = points.held_out || [];
    if (heldOut.some(Boolean)) {  // a legend entry for the held-out points' colour
      series.push({ x: [], y: [], color: draw.COLORS.test, width: 3, label: `held-out points (${draw.COLOR_NAMES.test})` });
    }
    draw.plot(fit, series, {
      points: points.x.map((x, i) => ({ x, y: points.y[i], color: heldOut[i] ? draw.COLORS.test : draw.COLORS.target,
        r: heldOut[i] ? 3 : 2 })),
    });
    const positive = (curve) => curve.filter(([, v]) => v > 0);  // on a log scale; None (NaN) and 0 skipped
    const history = positive(model.get("loss")), held = positive(model.get("val_loss"));
    const curves = [{ x: history.map(([e]) => e), y: history.map(([, v]) => Math.log10(v)), color: draw.COLORS.network,
      label: "log10 loss, training" }];
    if (held.length) {
      curves.push({ x: held.map(([e]) => e), y: held.map(([, v]) => Math.log10(v)), color: draw.COLORS.test,
        label: "held out (validation)" });
    }
    const best = model.get("best_epoch");
    draw.plot(loss, curves, { logY: true, verticals: best ? [{ x: best, label: `best ${best}` }] : [] });
    const last = history.length ? +history[history.length - 1][1].toPrecision(4) : "-";
    status.textContent = `${model.get("status")}: epoch ${model.get("epoch")} of ${model.get("epochs")}, loss ${last}`;
    reason.textContent = model.get("stop_reason");
  });
  for (const name of ["output", "parts", "loss", "val_loss", "best_epoch", "epoch", "status", "stop_reason", "points",
    "grid", "weighted_sum"]) {
    model.on(`change:${name}`, redraw);
  }
  redraw();
}

function renderApproximation(draw, model, el) {
  const root = element("div", { "data-testid": "widget-approximation", style: STYLE }, el);
  element("div", { "data-testid": "widget-title", style: "margin:4px 0" }, root, model.get("title"));
  const controls = element("div", { style: "display:flex;gap:8px;align-items:center" }, root);
  const play = element("button", { "data-testid": "widget-play" }, controls, "play");
  const shownInput = element("input", { type: "range", min: 0, max: model.get("neurons"), step: 1,
    "data-testid": "widget-shown", ...OWN_KEYS }, controls);
  const caption = element("span", { "data-testid": "widget-caption" }, controls);
  const picture = canvas(root, "widget-construction", 700, 300);
  const setShown = (k) => { model.set("shown", k); model.save_changes(); };
  shownInput.addEventListener("input", () => setShown(Number(shownInput.value)));
  let timer = null;
  const stop = () => { clearInterval(timer); timer = null; play.textContent = "play"; };
  play.addEventListener("click", () => {
    if (timer) { stop(); return; }
    const n = model.get("neurons"), stride = Math.max(1, Math.round(n / 60));
    if (model.get("shown") >= n) setShown(0);
    play.textContent = "pause";
    timer = setInterval(() => {
      const next = Math.min(n, model.get("shown") + stride);
      setShown(next);
      if (next >= n) stop();
    }, 120);
  });
  const redraw = scheduler(() => {
    const x = model.get("x"), target = model.get("target"), eps = model.get("eps");
    const k = model.get("shown"), n = model.get("neurons");
    shownInput.value = k;
    const low = Math.min(...target), high = Math.max(...target), pad = 0.5 * (high - low || 1);
    const series = [
      { x, y: target, band: "rgba(68,68,68,0.15)", spread: eps },
      { x, y: target, color: draw.COLORS.target, width: 3, label: "target" },
      { x, y: model.get("partial"), color: draw.COLORS.network, width: 1.8, label: `bias + first ${k} neurons` },
    ];
    if (model.get("current").length) {  // kept inside the picture: a ReLU's ramp can leave it
      const y = model.get("current").map((v) => Math.max(low - pad, Math.min(high + pad, v)));
      series.push({ x, y, color: draw.PALETTE[0], dash: [4, 3], label: `neuron ${k}: w·h(x)` });
    }
    draw.plot(picture, series, { xRange: [x[0], x[x.length - 1]], yRange: [low - pad, high + pad] });
    caption.textContent = `${k} of ${n} neurons: max |error| ${+model.get("max_error").toPrecision(3)}` +
      (model.get("within") ? ` ≤ eps ${eps} ✓` : ` (eps ${eps})`);
  });
  for (const name of ["shown", "partial", "current", "max_error", "within"]) model.on(`change:${name}`, redraw);
  redraw();
  return stop;
}

const VIEWS = { lesson: renderLesson, trainer: renderTrainer, approximation: renderApproximation };

/** Draw the widget's view (model "_view") into el; returns the view's clean-up, if it has one. */
export function render({ model, el }) {
  const view = VIEWS[model.get("_view")];
  if (!view) {
    el.textContent = `neuronlab: no widget view called ${JSON.stringify(model.get("_view"))}`;
    return undefined;
  }
  el.classList.add("neuronlab");  // drawing.css (the widget's _css) sizes the canvases inside it
  return view(DRAW, model, el);
}
