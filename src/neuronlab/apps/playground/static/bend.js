// Lesson chapter 6: why the activation must bend (a network of linear neurons is a straight line), and chapter 9's
// activation gallery (graph, slope, the shape a few neurons make, the neurons nl.fit trained and nl.approximate built).

import { activation as activationNamed } from "./activations.js";
import { COLORS, PALETTE, linspace, plot } from "./draw.js";

const $ = (id) => document.getElementById(id);
const X = linspace(-3, 3, 301);
const state = { linear: null, gallery: null, seed: 1 };

// ---------------------------------------------------------------- linear networks collapse

function random(seed) {  // mulberry32, then Box-Muller: reproducible normal numbers
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Layers [{W (inputs x neurons), b}] of a 1-n-…-n-1 network with weights ~ N(0, 1/fan_in) */
function randomLayers(layers, neurons, seed) {
  const normal = random(seed), sizes = [1, ...new Array(layers).fill(neurons), 1];
  return sizes.slice(1).map((n, l) => ({
    W: Array.from({ length: sizes[l] }, () => Array.from({ length: n }, () => normal() * Math.sqrt(1.5 / sizes[l]))),
    b: Array.from({ length: n }, () => normal() * 0.5),
  }));
}

/** The output, and the last hidden layer's weighted graphs w_i·h_i (their sum + the output bias = the output) */
function forward(layers, x, g) {
  let a = [x], parts = [];
  layers.forEach(({ W, b }, l) => {
    const last = l === layers.length - 1;
    if (last) parts = a.map((ai, i) => ai * W[i][0]);
    const z = b.map((bj, j) => a.reduce((sum, ai, i) => sum + ai * W[i][j], bj));
    a = last ? z : z.map(g);  // the output neuron is linear
  });
  return { output: a[0], parts };
}

/** One layer equal to a network of linear layers: W = W1·W2·…, b = (b1·W2 + b2)·W3 + … (nl.lesson.collapse) */
function collapse(layers) {
  let W = [[1]], b = [0];
  for (const layer of layers) {
    const n = layer.b.length;
    W = W.map((row) => Array.from({ length: n }, (_, j) => row.reduce((s, v, i) => s + v * layer.W[i][j], 0)));
    b = Array.from({ length: n }, (_, j) => b.reduce((s, v, i) => s + v * layer.W[i][j], layer.b[j]));
  }
  return { slope: W[0][0], intercept: b[0] };
}

function drawLinear() {
  const layers = Number($("lin-layers").value), neurons = Number($("lin-neurons").value);
  const activation = document.querySelector("input[name=lin-act]:checked").value;
  const net = randomLayers(layers, neurons, state.seed);
  const g = activationNamed(activation).value;
  const values = X.map((x) => forward(net, x, g)), y = values.map((v) => v.output);
  const bend = Math.max(...y.slice(2).map((v, i) => Math.abs(v - 2 * y[i + 1] + y[i])));  // second differences
  const { slope, intercept } = collapse(net);
  const shown = Math.min(neurons, 8);  // the last hidden layer's weighted graphs, thin: lines too, if linear
  const series = Array.from({ length: shown }, (_, i) => ({ x: X, y: values.map((v) => v.parts[i]), color: "#9fb3c8", width: 1 }));
  series.push({ x: X, y, color: COLORS.network, width: 2.5,
    label: `output of 1-${new Array(layers).fill(neurons).join("-")}-1, ${activation}; thin: ${shown} of the last layer's w·h` });
  if (activation === "linear") {
    $("lin-text").textContent = `${layers * neurons} linear neurons, and still one line: output = ${slope.toFixed(3)}·x ` +
      `${intercept < 0 ? "−" : "+"} ${Math.abs(intercept).toFixed(3)} (W = W1·W2·…, b = (b1·W2 + b2)·…); largest bend ${bend.toExponential(1)}`;
  } else {
    series.push({ x: X, y: X.map((x) => slope * x + intercept), color: COLORS.target, dash: [5, 4], label: "the same weights, linear" });
    $("lin-text").textContent = `tanh bends it: largest bend (second difference) ${bend.toFixed(4)}, not 0`;
  }
  plot($("lin-graph"), series, { xRange: [-3, 3] });
  state.linear = { activation, layers, neurons, x: [...X], y, slope, intercept, bend };
}

// ---------------------------------------------------------------- the gallery

/** sum of c·g(k·(x - s)) over the shape's (c, k, s): nl.lesson.shape */
export function shape(name, terms, x) {
  const g = activationNamed(name).value;
  return terms.reduce((sum, [c, k, s]) => sum + c * g(k * (x - s)), 0);
}

/** What nl.fit reached for this activation (nl.lesson.neurons_trained), labelled as trained. */
function trainedText(name, facts) {
  const trained = (facts.neurons_trained || {})[name];
  if (!trained) return name === "step" ? "cannot be (slope 0)" : "not trained here";  // (as the table says)
  return trained.neurons ? `${trained.neurons} neurons` : `not within ${facts.approximate.eps} with up to ${facts.training.max_neurons}`;
}

export function drawGallery(facts) {
  const gallery = $("act-gallery");
  gallery.replaceChildren();
  const shown = {};
  $("act-eps").textContent = facts.approximate.eps;
  $("act-target").textContent = `${facts.approximate.target} on [${facts.approximate.domain.join(", ")}]`;
  for (const name of facts.gallery) {
    const { value: g, derivative: slope } = activationNamed(name);
    const terms = facts.shapes[name];
    const figure = document.createElement("figure");
    figure.className = "gallery-item";
    figure.dataset.activation = name;
    const count = facts.neurons_needed[name];
    const title = document.createElement("h3");
    title.textContent = name;
    const canvas = document.createElement("canvas");
    canvas.width = 260; canvas.height = 170;
    canvas.className = "small-graph";
    const caption = document.createElement("figcaption");
    const values = { g: X.map(g), slope: X.map(slope), shape: X.map((x) => shape(name, terms, x)) };
    // one neuron whose shape is its own graph (a gaussian's bump, a sine's wave): the red lies under the blue
    const itself = terms.length === 1 && values.shape.every((v, k) => Math.abs(v - values.g[k]) < 1e-9);
    caption.innerHTML = `<b>trained: ${trainedText(name, facts)} · constructed: ${count ? `${count} neurons` : "not built"}</b>` +
      (itself ? " · one alone is the shape: its own graph (the red lies under the blue). "
        : ` · ${terms.length} make${terms.length > 1 ? "" : "s"} the red shape. `);
    const note = facts.notes[name];
    caption.append(`${note[0].toUpperCase()}${note.slice(1)}.`);
    figure.append(title, canvas, caption);
    gallery.append(figure);
    plot(canvas, [
      { x: X, y: values.g, color: PALETTE[0], width: 2 },
      { x: X, y: values.slope, color: PALETTE[0], width: 1.2, dash: [4, 3] },
      { x: X, y: values.shape, color: COLORS.network, width: 2.5 },
    ], { xRange: [-3, 3], yRange: [-1.6, 2.2] });
    shown[name] = { ...values, neurons: count, trained: (facts.neurons_trained || {})[name] || null };
  }
  state.gallery = { x: [...X], activations: shown };
}

export function init() {
  for (const id of ["lin-layers", "lin-neurons"]) {
    const input = $(id), output = $(`${id}-out`);
    const show = () => { output.textContent = input.value; };
    input.addEventListener("input", () => { show(); drawLinear(); });
    show();
  }
  document.querySelectorAll("input[name=lin-act]").forEach((r) => r.addEventListener("change", drawLinear));
  $("lin-shuffle").addEventListener("click", () => { state.seed += 1; drawLinear(); });
  $("act-gallery").textContent = "waiting for the server's numbers (neuronlab play)…";
  drawLinear();
}

export const data = {
  get linear() { return state.linear; },
  get gallery() { return state.gallery; },
};
