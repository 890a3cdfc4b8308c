// The backprop tab: one backward pass of the current network, stage by stage, with nl.explain's numbers.

import { diagram } from "./draw.js";

const $ = (id) => document.getElementById(id);
let send = () => {};
const state = { explanation: null, stage: 0 };
// x and y are the current data's first training point until the learner types their own (then "edited")
const edited = { "bp-x": false, "bp-y": false };

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

function render() {
  const e = state.explanation;
  if (!e) return;
  const all = stages(e);
  const stage = all[Math.min(state.stage, all.length - 1)];
  const f = (v) => Number(v).toPrecision(3);
  // the weights drawn: as they are, or after the step in the last stage
  const weights = e.layers.map((l, i) => (stage.kind === "step" ? e.new_parameters[`W${i + 1}`] : e.weights[i]));
  const doneForward = (l) => stage.kind !== "forward" || l <= stage.layer;
  const doneBackward = (l) => (stage.kind === "backward" && l >= stage.layer) || stage.kind === "step";
  diagram($("bp-diagram"), e.sizes, weights, e.layers.map((l) => l.z), e.activations, {
      label: (c, r) => {
        if (c === 0) return `x=${f(e.x[r])}`;
        const l = e.layers[c - 1];
        const parts = [];
        if (doneForward(c - 1)) parts.push(`z=${f(l.z[r])} a=${f(l.a[r])}`);
        if (doneBackward(c - 1)) parts.push(`dL/dz=${f(l.dL_dz[r])}`);
        return parts.join(" ");
      },
      fill: (c) => (c > 0 && doneBackward(c - 1) ? "#fed7d7" : c > 0 && doneForward(c - 1) ? "#bee3f8" : "#f7fafc"),
    });
  const text = {
    forward: `forward, layer ${stage.layer + 1}: z = W·a + b, a = g(z)`,
    loss: `loss L = mean (a − y)² = ${f(e.loss)}`,
    backward: `backward, layer ${stage.layer + 1}: dL/dz = dL/da · g'(z), dL/dW = a_prev · dL/dz`,
    step: `one step, w ← w − lr·dL/dw (lr = ${e.lr}${e.lr_auto ? ", the largest tried that lowers the loss" : ""}): ` +
      `loss ${f(e.loss)} → ${f(e.new_loss)}${e.step_note ? ` — ${e.step_note}` : ""}`,
  }[stage.kind];
  $("bp-stage").textContent = `stage ${Math.min(state.stage, all.length - 1) + 1} of ${all.length}: ${text}`;
  const rows = [];
  [...e.layers.keys()].reverse().forEach((l) => {  // the chain rule runs from the output back
    const active = stage.kind === "backward" && stage.layer === l;
    for (const [quantity, product] of e.layers[l].formulas || []) {
      rows.push(`<tr class="${active ? "active" : ""}"><td>${quantity}</td><td>${product}</td></tr>`);
    }
  });
  $("bp-table").innerHTML = "<tr><th>quantity</th><th>chain-rule product, with the numbers</th></tr>" + rows.join("");
  $("bp-checks").innerHTML = "<tr><th>parameter</th><th>chain rule</th><th>backward()</th><th>central difference</th></tr>" +
    e.checks.map((c) => `<tr><td>${c.name}</td><td>${c.backprop.toPrecision(8)}</td><td>${c.autograd.toPrecision(8)}</td>` +
      `<td>${c.central_difference.toPrecision(8)}</td></tr>`).join("");
}

export function init(sender) {
  send = sender;
  for (const id of Object.keys(edited)) {
    $(id).addEventListener("input", () => { edited[id] = $(id).value.trim() !== ""; });
  }
  $("bp-explain").addEventListener("click", request);
  $("bp-next").addEventListener("click", () => {
    if (!state.explanation) return request();
    state.stage = (state.stage + 1) % stages(state.explanation).length;
    render();
  });
}

export const data = { get explanation() { return state.explanation; }, get stage() { return state.stage; } };
