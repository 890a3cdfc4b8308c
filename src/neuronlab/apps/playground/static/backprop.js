// The backprop tab: one backward pass of the current network, watched on its diagram. Forward stages fill the
// neurons, the loss, then each backward stage lights the layer the chain rule computes: edges coloured and sized
// by dL/dw, neurons by dL/da, numbers on hover, the current chain-rule product written large; then the step moves
// every weight and the output graph changes. All numbers are nl.explain's (the server's explanation message).
// The diagram is draw.js's, restyled per stage in place, so style.css's transitions animate each change.

import { COLORS, diagram, diverging, plot } from "./draw.js";

const $ = (id) => document.getElementById(id);
let send = () => {};
const state = { explanation: null, stage: 0, timer: null, view: null, frame: 0 };
// x and y are the current data's first training point until the learner types their own (then "edited")
const edited = { "bp-x": false, "bp-y": false };
// numbers in text with a real minus sign (−0.5); the x and y fields keep ASCII, which they parse
const f = (v) => (v === null || v === undefined ? "–" : Number(v).toPrecision(4).replace("-", "\u2212"));

function numbers(text) {
  return text.split(",").map((v) => Number(v.trim()));
}

/** Ask for the explanation: typed x, y and learning rate, else the first training point and an automatic rate. */
export function request() {
  $("bp-error").hidden = true;
  const message = { type: "explain" };
  if (edited["bp-x"] && $("bp-x").value.trim()) message.x = numbers($("bp-x").value);
  if (edited["bp-y"] && $("bp-y").value.trim()) message.y = numbers($("bp-y").value);
  if ($("bp-lr").value.trim()) message.lr = Number($("bp-lr").value);
  send(message);
}

export function onError(message) {
  $("bp-error").textContent = message;
  $("bp-error").hidden = false;
}

/** Stages: one forward stage per layer, the loss, one backward stage per layer (last first), the step. */
function stages(e) {
  const layers = e.layers.length;
  return [
    ...e.layers.map((_, l) => ({ kind: "forward", layer: l })),
    { kind: "loss" },
    ...e.layers.map((_, l) => ({ kind: "backward", layer: layers - 1 - l })),
    { kind: "step" },
  ];
}

export function onExplanation(e) {
  state.explanation = e;
  state.stage = 0;
  const show = (values) => values.map((v) => +Number(v).toPrecision(6)).join(", ");
  if (!edited["bp-x"]) $("bp-x").value = show(e.x);
  if (!edited["bp-y"]) $("bp-y").value = show(e.y);
  render();
}

// ---------------------------------------------------------------- the diagram (draw.js's, restyled per stage)

const formula = (layer, quantity) => ((layer.formulas || []).find(([q]) => q === quantity) || [null, ""])[1];

/** What the current stage shows: each edge's weight and (once computed) dL/dw, each neuron's dL/da. */
function view(e, stage) {
  const step = stage.kind === "step";
  const gradientsKnown = (l) => (stage.kind === "backward" && l >= stage.layer) || step;
  const valuesKnown = (l) => stage.kind !== "forward" || l <= stage.layer;
  const lit = (l) => (stage.kind === "forward" || stage.kind === "backward") && l === stage.layer;
  const edges = [], nodes = [];
  e.layers.forEach((layer, l) => {
    const W = step ? e.new_parameters[`W${l + 1}`] : e.weights[l];
    for (let i = 0; i < W.length; i++) {
      for (let j = 0; j < W[i].length; j++) {
        edges.push({ layer: l, from: i, to: j, weight: W[i][j], old: e.weights[l][i][j],
          gradient: gradientsKnown(l) ? layer.dL_dW[i][j] : null, lit: lit(l),
          quantity: `dL/dW${l + 1}[${layer.input_names[i]}->${layer.names[j]}]` });
      }
    }
    layer.names.forEach((name, r) => nodes.push({ layer: l + 1, neuron: r, name, known: valuesKnown(l),
      z: layer.z[r], a: layer.a[r], dL_da: gradientsKnown(l) ? layer.dL_da[r] : null,
      dL_dz: gradientsKnown(l) ? layer.dL_dz[r] : null, lit: lit(l) || (stage.kind === "loss" && l === e.layers.length - 1) }));
  });
  e.x.forEach((v, r) => nodes.push({ layer: 0, neuron: r, name: e.layers[0].input_names[r], known: true, a: v, dL_da: null }));
  return { kind: stage.kind, layer: stage.layer ?? null, edges, nodes };
}

const edgeText = (shown, edge) => `${edge.quantity.replace("dL/d", "")}: w = ${f(edge.weight)}` +
  (shown.kind === "step" ? ` (was ${f(edge.old)})` : "") + (edge.gradient !== null ? `, dL/dw = ${f(edge.gradient)}` : "");

const nodeText = (node) => (node.layer === 0 ? `${node.name} = ${f(node.a)}` : `${node.name}: z = ${f(node.z)}, a = ${f(node.a)}` +
  (node.dL_da !== null ? `, dL/da = ${f(node.dL_da)}, dL/dz = ${f(node.dL_dz)}` : ""));

/** The stage on draw.js's diagram: edges by their gradient once the backward pass has one (else faint), nodes by dL/da. */
function drawDiagram(e, shown) {
  const edges = new Map(shown.edges.map((edge) => [`${edge.layer},${edge.from},${edge.to}`, edge]));
  const nodes = new Map(shown.nodes.map((node) => [`${node.layer},${node.neuron}`, node]));
  const weights = e.weights.map((W, l) => W.map((row, i) => row.map((_, j) => edges.get(`${l},${i},${j}`).weight)));
  const backward = shown.edges.some((edge) => edge.gradient !== null) && shown.kind !== "step";
  const largestGradient = Math.max(1e-12, ...shown.edges.map((edge) => Math.abs(edge.gradient ?? 0)));
  const largestNode = Math.max(1e-12, ...shown.nodes.map((node) => Math.abs(node.dL_da ?? 0)));
  diagram($("bp-diagram"), e.sizes, weights, [], e.activations, {
    edge: (l, i, j) => {
      const edge = edges.get(`${l},${i},${j}`), title = edgeText(shown, edge);
      if (!backward) return { lit: edge.lit, title };  // by its weight, as every diagram draws it
      const known = edge.gradient !== null, share = known ? Math.abs(edge.gradient) / largestGradient : 0;
      return { lit: edge.lit, title, color: !known ? COLORS.target : edge.gradient >= 0 ? COLORS.positive : COLORS.negative,
        width: known ? 0.8 + 7 * share : 0.8, opacity: known ? 0.35 + 0.65 * share : 0.25 };
    },
    fill: (l, r) => {
      const node = nodes.get(`${l},${r}`);
      return node.dL_da !== null && node.dL_da !== undefined ? diverging(0.5 + 0.5 * node.dL_da / largestNode)
        : node.known && l > 0 ? "#bee3f8" : COLORS.node;
    },
    highlight: (l, r) => nodes.get(`${l},${r}`).lit,
    title: (l, r) => nodeText(nodes.get(`${l},${r}`)),
    label: (l, r) => {
      const node = nodes.get(`${l},${r}`);
      return l === 0 ? `${node.name}=${f(node.a)}` : !node.known ? "" : node.dL_da !== null ? `dL/da=${f(node.dL_da)}` : `a=${f(node.a)}`;
    },
    onHover: (event, l, r) => { const node = nodes.get(`${l},${r}`); showProduct(l ? `dL/dz(${node.name})` : null, nodeText(node)); },
    onEdgeHover: (event, l, i, j) => { const edge = edges.get(`${l},${i},${j}`); showProduct(edge.quantity, edgeText(shown, edge)); },
  });
}

/**
 * The step, animated by the diagram's CSS transitions (style.css): the edges first take the look of their old
 * weights, then slide to their new ones (w - lr·dL/dw).
 */
function moveWeights(e, final) {
  drawDiagram(e, { ...final, edges: final.edges.map((edge) => ({ ...edge, weight: edge.old })) });
  state.frame = setTimeout(() => drawDiagram(e, final), 400);
}

/** The chain-rule product of one quantity, written large (hovering an edge or neuron shows its own). */
function showProduct(quantity, fallback) {
  const e = state.explanation;
  if (!e) return;
  const layer = quantity && e.layers.find((l) => (l.formulas || []).some(([q]) => q === quantity));
  $("bp-product").textContent = layer ? `${quantity} = ${formula(layer, quantity)}` : fallback;
}

function stageProduct(e, stage) {
  if (stage.kind === "forward") {
    const layer = e.layers[stage.layer];
    return `${layer.names[0]}: z = ${layer.z_text[0]} = ${f(layer.z[0])}, a = ${layer.activation}(z) = ${f(layer.a[0])}`;
  }
  if (stage.kind === "loss") {
    const out = e.layers[e.layers.length - 1];
    return `L = mean (a − y)² = mean (${out.a.map((a, k) => `(${f(a)} − ${f(e.y[k])})²`).join(", ")}) = ${f(e.loss)}`;
  }
  if (stage.kind === "backward") {
    const layer = e.layers[stage.layer], name = layer.names[0];
    return `dL/dz(${name}) = ${formula(layer, `dL/dz(${name})`)};  dL/dW${stage.layer + 1}[${layer.input_names[0]}->${name}] = ` +
      formula(layer, `dL/dW${stage.layer + 1}[${layer.input_names[0]}->${name}]`);
  }
  const biggest = e.checks.reduce((a, b) => (Math.abs(b.backprop) > Math.abs(a.backprop) ? b : a));
  const [kind, l] = [biggest.name[0], Number(biggest.name.slice(1, biggest.name.indexOf("[")))];
  const index = e.checks.filter((c) => c.name[0] === kind && c.name.startsWith(`${kind}${l}[`)).indexOf(biggest);
  const after = e.new_parameters[`${kind}${l}`].flat()[index];
  const gradient = biggest.backprop < 0 ? `(${f(biggest.backprop)})` : f(biggest.backprop);
  return `${biggest.name} ← ${f(after + e.lr * biggest.backprop)} − ${e.lr}·${gradient} = ${f(after)};  ` +
    `loss ${f(e.loss)} → ${f(e.new_loss)}`;
}

function drawOutput(e, stage) {
  const canvas = $("bp-output");
  if (!e.curve || !e.curve.x) {
    canvas.hidden = true;
    $("bp-output-caption").textContent = "the output graph is drawn for networks with one input";
    return;
  }
  canvas.hidden = false;
  const series = [{ x: e.curve.x, y: e.curve.before, color: stage.kind === "step" ? COLORS.target : COLORS.network,
    width: 2.5, dash: stage.kind === "step" ? [5, 4] : [], label: "before the step" }];
  if (stage.kind === "step") series.push({ x: e.curve.x, y: e.curve.after, color: COLORS.network, width: 2.5, label: "after one step" });
  plot(canvas, series, { points: [{ x: e.x[0], y: e.y[0], color: COLORS.ink, r: 5 }] });
  $("bp-output-caption").textContent = `output over x; the dot is the training point (${f(e.x[0])}, ${f(e.y[0])})`;
}

function render() {
  const e = state.explanation;
  if (!e) return;
  const all = stages(e);
  const index = Math.min(state.stage, all.length - 1), stage = all[index];
  state.view = view(e, stage);
  clearTimeout(state.frame);
  if (stage.kind === "step") moveWeights(e, state.view);
  else drawDiagram(e, state.view);
  drawOutput(e, stage);
  $("bp-product").textContent = stageProduct(e, stage);
  const text = {
    forward: `forward, layer ${stage.layer + 1}: z = W·a + b, a = g(z)`,
    loss: `loss L = mean (a − y)² = ${f(e.loss)}`,
    backward: `backward, layer ${stage.layer + 1}: dL/dz = dL/da · g'(z), dL/dW = a_prev · dL/dz, ` +
      `then dL/da_prev = W·dL/dz for the layer before`,
    step: `one step, w ← w − lr·dL/dw (lr = ${e.lr}${e.lr_auto ? ", of 1, 0.5, 0.2, … the one that lowers the loss most" : ""}): ` +
      `loss ${f(e.loss)} → ${f(e.new_loss)}${e.step_note ? ` — ${e.step_note}` : ""}`,
  }[stage.kind];
  $("bp-stage").textContent = `stage ${index + 1} of ${all.length}: ${text}`;
  $("bp-prev").disabled = index === 0;  // the pass has a first and a last stage: no silent wrap around
  $("bp-next").disabled = index === all.length - 1;
  const rows = [];
  [...e.layers.keys()].reverse().forEach((l) => {  // the chain rule runs from the output back
    const active = stage.kind === "backward" && stage.layer === l;
    for (const [quantity, product] of e.layers[l].formulas || []) {
      rows.push(`<tr class="${active ? "active" : ""}"><td>${quantity}</td><td>${product}</td></tr>`);
    }
  });
  $("bp-table").innerHTML = "<tr><th>quantity</th><th>chain-rule product, with the numbers</th></tr>" + rows.join("");
  $("bp-checks").innerHTML = "<tr><th>parameter</th><th>chain rule</th><th>backward()</th><th>central difference</th></tr>" +
    e.checks.map((c) => `<tr><td>${c.name}</td>${[c.backprop, c.autograd, c.central_difference]
      .map((v) => `<td>${v.toPrecision(8).replace("-", "\u2212")}</td>`).join("")}</tr>`).join("");
}

function stop() {
  clearInterval(state.timer);
  state.timer = null;
  $("bp-play").textContent = "▶ play";
}

export function init(sender) {
  send = sender;
  for (const id of Object.keys(edited)) {
    $(id).addEventListener("input", () => { edited[id] = $(id).value.trim() !== ""; });
  }
  $("bp-explain").addEventListener("click", () => { stop(); request(); });
  $("bp-next").addEventListener("click", () => {
    if (!state.explanation) return request();
    state.stage = Math.min(state.stage + 1, stages(state.explanation).length - 1);  // stops at the step
    render();
  });
  $("bp-prev").addEventListener("click", () => {
    if (!state.explanation) return;
    state.stage = Math.max(state.stage - 1, 0);  // stops at the first stage
    render();
  });
  $("bp-play").addEventListener("click", () => {
    if (state.timer) return stop();
    if (!state.explanation) return;
    state.stage = 0;
    render();
    $("bp-play").textContent = "❚❚ pause";
    state.timer = setInterval(() => {
      if (!state.explanation || state.stage >= stages(state.explanation).length - 1) return stop();
      state.stage += 1;
      render();
    }, 1200);
  });
}

export const data = {
  get explanation() { return state.explanation; },
  get stage() { return state.stage; },
  get view() { return state.view; },
};
