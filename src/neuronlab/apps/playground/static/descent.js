// Lesson chapter 5: learning by going downhill. The loss of the two-neuron sigmoid network over its output weights
// (w11, w21) as a map, a ball doing gradient descent on it, and the output graph moving towards the target.
// Same formulas as nl.lesson.descend (tested against it); the data, target and rates come from nl.lesson.facts().
// The map is a draw.js heat map (the log-loss in bands), the path drawn over it.

import { COLORS, heatmap, linspace, plot, sigmoid } from "./draw.js";

const $ = (id) => document.getElementById(id);
const RANGE = [-3, 3];
const state = { facts: null, hidden: null, path: [], landscape: null, lrTouched: false };

/** h1, h2 at every data point: sigmoid(k·(x - s)) for the two thresholds */
function hiddenOutputs(d, xs) {
  return d.thresholds.map((s) => xs.map((x) => sigmoid(d.steepness * (x - s))));
}

/** mean (w11·h1 + w21·h2 - y)^2 and its gradient 2/n·sum (out - y)·h_i */
export function lossAndGradient(w11, w21) {
  const d = state.facts, [h1, h2] = state.hidden, n = d.x.length;
  let loss = 0, g11 = 0, g21 = 0;
  for (let i = 0; i < n; i++) {
    const error = w11 * h1[i] + w21 * h2[i] - d.target[i];
    loss += error * error; g11 += 2 * error * h1[i]; g21 += 2 * error * h2[i];
  }
  return { loss: loss / n, gradient: [g11 / n, g21 / n] };
}

const STOPS = [[37, 52, 148], [44, 127, 184], [65, 182, 196], [161, 218, 180], [255, 255, 204]];

function color(t) {  // t in [0, 1]: dark blue (low loss) to pale yellow (high), as [r, g, b]
  const u = Math.max(0, Math.min(0.9999, t)) * (STOPS.length - 1), i = Math.floor(u), f = u - i;
  return STOPS[i].map((v, k) => Math.round(v + (STOPS[i + 1][k] - v) * f));
}

const CELLS = 80, BANDS = 14;  // the log-loss in 14 bands: filled contours

/** The loss map (draw.js's heat map of log10 loss over w11, w21) and the ball's path on it. */
function drawMap() {
  if (!state.landscape) {
    const values = [], at = (i) => RANGE[0] + ((i + 0.5) / CELLS) * (RANGE[1] - RANGE[0]);
    for (let r = 0; r < CELLS; r++) {
      for (let c = 0; c < CELLS; c++) values.push(Math.log10(lossAndGradient(at(c), at(r)).loss + 1e-3));
    }
    state.landscape = values;
  }
  const path = state.path;
  const first = path[0], last = path[path.length - 1];
  const alt = `the loss over the output weights w11 and w21 from -3 to 3 (dark: low loss), and gradient descent from ` +
    `(${first.w[0].toFixed(2)}, ${first.w[1].toFixed(2)}): after ${path.length - 1} step${path.length === 2 ? "" : "s"} at ` +
    `(${last.w[0].toFixed(2)}, ${last.w[1].toFixed(2)}), loss ${last.loss.toPrecision(3)}. ` +
    "Arrow keys move the start point (with Shift, in bigger steps).";
  state.transform = heatmap($("desc-map"), state.landscape, CELLS, { extent: RANGE, axes: true, ticks: [-3, -2, -1, 0, 1, 2, 3], alt,
    names: ["w11", "w21"], border: COLORS.ink, colorOf: (k, t) => color(Math.floor(t * BANDS) / BANDS),
    overlay: (ctx, { px, py }) => {
      ctx.strokeStyle = "#ffffff"; ctx.lineWidth = 2;
      ctx.beginPath();
      path.forEach(({ w }, i) => (i ? ctx.lineTo(px(w[0]), py(w[1])) : ctx.moveTo(px(w[0]), py(w[1]))));
      ctx.stroke();
      path.forEach(({ w }, i) => {
        const last = i === path.length - 1;
        ctx.fillStyle = last ? COLORS.network : "#ffffff";
        ctx.beginPath(); ctx.arc(px(w[0]), py(w[1]), last ? 7 : 3, 0, 2 * Math.PI); ctx.fill();
        if (last) { ctx.strokeStyle = "#ffffff"; ctx.stroke(); }
      });
    } });
}

function drawOutput() {
  const d = state.facts, xs = linspace(-3, 3, 301);
  const [h1, h2] = hiddenOutputs(d, xs);
  const targetLine = xs.map((x) => (x >= d.thresholds[0] && x < d.thresholds[1] ? 1 : 0));
  const series = [{ x: xs, y: targetLine, color: COLORS.target, width: 4, label: "target" }];
  const first = state.path[0], last = state.path[state.path.length - 1];
  if (state.path.length > 1) {
    series.push({ x: xs, y: xs.map((_, i) => first.w[0] * h1[i] + first.w[1] * h2[i]), color: COLORS.network, width: 1, dash: [4, 3], label: "at the start" });
  }
  series.push({ x: xs, y: xs.map((_, i) => last.w[0] * h1[i] + last.w[1] * h2[i]), color: COLORS.network, width: 2.5,
    label: `step ${state.path.length - 1}: ${last.w[0].toFixed(2)}·h1 ${last.w[1] < 0 ? "−" : "+"} ${Math.abs(last.w[1]).toFixed(2)}·h2` });
  plot($("desc-output"), series, { xRange: [-3, 3], yRange: [-1.6, 2] });
}

function describe() {
  const path = state.path, last = path[path.length - 1], k = path.length - 1;
  const f = (v) => (Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(2));
  $("desc-loss").textContent = `step ${k}: loss ${f(last.loss)} at w11 = ${last.w[0].toFixed(3)}, w21 = ${last.w[1].toFixed(3)}`;
  const d = state.facts, lr = Number($("desc-lr").value);
  let note = `slope dL/dw = (${last.gradient[0].toFixed(3)}, ${last.gradient[1].toFixed(3)}); the next step moves the weights by ` +
    `−lr·slope = (${(-lr * last.gradient[0]).toFixed(3)}, ${(-lr * last.gradient[1]).toFixed(3)}).`;
  if (k > 0 && last.loss > path[k - 1].loss) {
    note = `The loss rose: lr ${lr} is too big, the step jumps across the valley and lands higher. Above ` +
      `${d.critical_lr.toFixed(2)} it climbs out further with each step (it diverges). ` + note;
  } else if (lr > d.critical_lr) {
    note = `lr ${lr} is above ${d.critical_lr.toFixed(2)}: expect it to overshoot and diverge. ` + note;
  }
  $("desc-note").textContent = note;
}

function draw() {
  if (!state.facts) return;
  drawMap();
  drawOutput();
  describe();
}

function restart(w = state.facts.start) {
  const { loss, gradient } = lossAndGradient(w[0], w[1]);
  state.path = [{ w: [...w], loss, gradient }];
  draw();
}

/** One gradient-descent step: w <- w - lr·dL/dw (on a diverging run, stop once the numbers blow up). */
export function step() {
  if (!state.facts) return;
  const last = state.path[state.path.length - 1], lr = Number($("desc-lr").value);
  if (!Number.isFinite(last.loss) || last.loss > 1e12) return;
  const w = [last.w[0] - lr * last.gradient[0], last.w[1] - lr * last.gradient[1]];
  const { loss, gradient } = lossAndGradient(w[0], w[1]);
  state.path.push({ w, loss, gradient });
  draw();
}

export function onFacts(facts) {
  state.facts = facts.descent;
  state.hidden = hiddenOutputs(state.facts, state.facts.x);
  state.landscape = null;
  if (!state.lrTouched) {
    $("desc-lr").value = facts.descent.best_lr.toFixed(2);
    $("desc-lr").dispatchEvent(new Event("input"));
    state.lrTouched = false;
  }
  restart();
}

/** nl.lesson.why_not_step's data: one neuron g(k·(x + b)) fitted to a step at 0.3, the loss against b */
function drawWhyNotStep() {
  // numpy's linspace, a + i·step: the point next to 0.3 lands on the same side of the step as in the engine
  const numpyLinspace = (a, b, n) => Array.from({ length: n }, (_, i) => a + i * ((b - a) / (n - 1)));
  const xs = numpyLinspace(-2, 2, 41), ys = xs.map((x) => (x >= 0.3 ? 1 : 0)), biases = numpyLinspace(-2, 2, 801);
  const loss = (g, k) => biases.map((b) => xs.reduce((sum, x, i) => sum + (g(k * (x + b)) - ys[i]) ** 2, 0) / xs.length);
  state.whyNotStep = { biases, step: loss((z) => (z >= 0 ? 1 : 0), 1), sigmoid: loss(sigmoid, 4) };
  plot($("desc-why"), [
    { x: biases, y: state.whyNotStep.step, color: COLORS.ink, width: 2, label: "step neuron: flat steps, slope 0" },
    { x: biases, y: state.whyNotStep.sigmoid, color: COLORS.network, width: 2, label: "sigmoid(4·(x + b)): a slope to follow" },
  ], { xRange: [-2, 2], verticals: [{ x: -0.3, label: "best b" }] });
}

export function init() {
  drawWhyNotStep();
  const lr = $("desc-lr"), out = $("desc-lr-out");
  const show = () => { out.textContent = Number(lr.value).toFixed(2); };
  lr.addEventListener("input", () => { show(); state.lrTouched = true; if (state.path.length) describe(); });
  show();
  $("desc-step").addEventListener("click", step);
  $("desc-run").addEventListener("click", () => { for (let i = 0; i < 10; i++) step(); });
  $("desc-reset").addEventListener("click", () => state.facts && restart());
  $("desc-map").addEventListener("pointerdown", (event) => {
    if (!state.facts || !state.transform) return;
    const rect = $("desc-map").getBoundingClientRect(), t = state.transform;  // CSS pixels -> drawing units
    const [w11, w21] = t.invert((event.clientX - rect.left) * (t.width / rect.width), (event.clientY - rect.top) * (t.height / rect.height));
    if (w11 >= RANGE[0] && w11 <= RANGE[1] && w21 >= RANGE[0] && w21 <= RANGE[1]) restart([w11, w21]);
  });
  // the keyboard's way to the map: focus it, the arrow keys move the start point 0.1 (with Shift 0.5) and restart
  const map = $("desc-map");
  map.tabIndex = 0;
  map.addEventListener("keydown", (event) => {
    const move = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[event.key];
    if (!move || !state.facts || !state.path.length) return;
    event.preventDefault();
    const by = event.shiftKey ? 0.5 : 0.1, [w11, w21] = state.path[0].w;
    const clamp = (v) => Math.max(RANGE[0], Math.min(RANGE[1], Number((v).toFixed(6))));
    restart([clamp(w11 + move[0] * by), clamp(w21 + move[1] * by)]);
  });
  $("desc-loss").textContent = "waiting for the server's numbers (neuronlab play)…";
}

export const data = {
  get path() { return state.path.map((p) => ({ w: [...p.w], loss: p.loss, gradient: [...p.gradient] })); },
  get facts() { return state.facts; },
  get whyNotStep() { return state.whyNotStep; },
};
