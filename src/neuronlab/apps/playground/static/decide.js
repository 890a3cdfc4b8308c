// Lesson chapter 0: a neuron decides (weights, the bias as w0, yes/no, the dividing line, AND/OR/NOT), and XOR:
// no single neuron, two neurons and an output neuron. The same neurons as nl.lesson.gate and nl.lesson.xor_network.
// The planes are draw.js heat maps with the lines and corners drawn over them.

import { COLORS, PALETTE, heatmap } from "./draw.js";
import FACTS from "./facts.js";

const $ = (id) => document.getElementById(id);
const LESSON = FACTS.lesson;  // nl.lesson's gates, corners, XOR and plane, written by Python
/** {AND: [[w1, w2], b], ...}: a one-input gate (NOT) gets weight 0 for x2, the page's second slider */
export const GATES = Object.fromEntries(Object.entries(LESSON.gates).map(([name, [w, b]]) => [name, [[w[0], w[1] ?? 0], b]]));
const CORNERS = LESSON.corners, XOR = LESSON.xor_target, PLANE = LESSON.plane;
const [XOR_OUT_W, XOR_OUT_B] = LESSON.xor_output;
const YES = COLORS.yes, NO = COLORS.no;
const state = { decide: null, xor: null };

/** step(w1·x1 + w2·x2 + b): 1 when the weighted sum reaches 0 */
export const fires = (w, b, x) => (w[0] * x[0] + w[1] * x[1] + b >= 0 ? 1 : 0);

// no (0), yes (1), both yes (2): pale tan, pale teal, teal (COLORS.no and COLORS.yes, lightened)
const SHADES = [[245, 236, 214], [200, 226, 222], [140, 190, 183]];
const CELLS = 100;

/**
 * Draw a decision over the input plane with draw.js's heat map: decide(x1, x2) -> value in [0, 2] shaded,
 * dividing lines [{w, b, color}], and the four corners with their values (marked when they differ from `targets`).
 */
function drawPlane(canvas, decide, lines, { targets = null, point = null } = {}) {
  const values = [];
  for (let r = 0; r < CELLS; r++) {  // each cell's centre; row 0 at the bottom
    for (let c = 0; c < CELLS; c++) {
      const at = (i) => PLANE[0] + ((i + 0.5) / CELLS) * (PLANE[1] - PLANE[0]);
      values.push(decide(at(c), at(r)));
    }
  }
  const answers = CORNERS.map(([x1, x2]) => `(${x1}, ${x2}) ${decide(x1, x2)}`).join(", ");
  const alt = `the plane of inputs x1, x2 from ${PLANE[0]} to ${PLANE[1]}: pale teal where the answer is yes (1)` +
    `${values.includes(2) ? ", teal where both neurons say yes (2)" : ""}, pale tan where it is no (0), with the dividing ` +
    `line${lines.length === 1 ? "" : "s"}; the corners' answers: ${answers}` +
    (targets ? `; wanted: ${CORNERS.map(([x1, x2], i) => `(${x1}, ${x2}) ${targets[i]}`).join(", ")}` : "");
  heatmap(canvas, values, CELLS, { low: 0, high: 2, extent: PLANE, axes: true, ticks: [0, 1], names: ["x1", "x2"], alt,
    border: COLORS.ink, colorOf: (k) => SHADES[Math.max(0, Math.min(2, values[k]))],
    overlay: (ctx, { px, py }) => drawMarks(ctx, px, py, decide, lines, targets, point) });
}

/** The dividing lines w1·x1 + w2·x2 + b = 0, the corners with their answers, and the chosen input (a cross). */
function drawMarks(ctx, sx, sy, decide, lines, targets, point) {
  for (const { w, b, color } of lines) {
    ctx.strokeStyle = color; ctx.lineWidth = 2.5;
    ctx.beginPath();
    if (Math.abs(w[1]) > 1e-9) {
      const y = (x) => -(w[0] * x + b) / w[1];
      ctx.moveTo(sx(PLANE[0]), sy(y(PLANE[0]))); ctx.lineTo(sx(PLANE[1]), sy(y(PLANE[1])));
    } else if (Math.abs(w[0]) > 1e-9) {
      ctx.moveTo(sx(-b / w[0]), sy(PLANE[0])); ctx.lineTo(sx(-b / w[0]), sy(PLANE[1]));
    }
    ctx.stroke();
  }
  ctx.font = "bold 13px system-ui, sans-serif";
  CORNERS.forEach(([x1, x2], i) => {
    const v = decide(x1, x2), wrong = targets && v !== targets[i];
    ctx.fillStyle = v >= 1 ? YES : NO;
    ctx.strokeStyle = wrong ? COLORS.network : COLORS.ink;
    ctx.lineWidth = wrong ? 3 : 1;
    ctx.beginPath(); ctx.arc(sx(x1), sy(x2), 8, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    ctx.fillStyle = COLORS.ink;
    ctx.fillText(`${v}${wrong ? " ✗" : ""}`, sx(x1) + 10, sy(x2) - 8);
  });
  if (point) {
    ctx.strokeStyle = COLORS.ink; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.arc(sx(point[0]), sy(point[1]), 5, 0, 2 * Math.PI); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(sx(point[0]) - 8, sy(point[1])); ctx.lineTo(sx(point[0]) + 8, sy(point[1]));
    ctx.moveTo(sx(point[0]), sy(point[1]) - 8); ctx.lineTo(sx(point[0]), sy(point[1]) + 8); ctx.stroke();
  }
}

const n1 = (v) => Number(v).toFixed(1);
const signed = (v) => (v < 0 ? `− ${n1(-v)}` : `+ ${n1(v)}`);

function drawDecide() {
  const x = [Number($("d-x1").value), Number($("d-x2").value)];
  const w = [Number($("d-w1").value), Number($("d-w2").value)], b = Number($("d-b").value);
  const z = w[0] * x[0] + w[1] * x[1] + b, out = z >= 0 ? 1 : 0;
  $("d-formula").textContent = `z = ${n1(w[0])}·${n1(x[0])} ${signed(w[1])}·${n1(x[1])} ${signed(b)}·1 = ${z.toFixed(2)}` +
    ` → ${out ? "yes (1): go out" : "no (0): stay in"}`;
  const table = CORNERS.map((c) => fires(w, b, c));
  $("d-table").innerHTML = "<tr><th>sunny x1</th><th>time x2</th><th>output</th></tr>" +
    CORNERS.map((c, i) => `<tr><td>${c[0]}</td><td>${c[1]}</td><td class="${table[i] ? "yes" : "no"}">${table[i]}</td></tr>`).join("");
  const gate = Object.keys(GATES).find((name) => GATES[name][0].every((v, i) => v === w[i]) && GATES[name][1] === b);
  drawPlane($("d-plane"), (a, c) => fires(w, b, [a, c]), [{ w, b, color: COLORS.ink }], { point: x });
  state.decide = { x, w, b, z, output: out, table, gate: gate || null };
}

function drawXor() {
  const w = [Number($("x-w1").value), Number($("x-w2").value)], b = Number($("x-b").value);
  const outputs = CORNERS.map((c) => fires(w, b, c));
  const correct = outputs.filter((v, i) => v === XOR[i]).length;
  $("x-score").textContent = `${correct} of 4 corners right` + (correct === 3 ? " — as good as one neuron gets" : "");
  drawPlane($("x-one"), (a, c) => fires(w, b, [a, c]), [{ w, b, color: COLORS.ink }], { targets: XOR });
  state.xor = { ...(state.xor || {}), w, b, outputs, correct };
}

/** nl.lesson.xor_network: hidden OR and AND, output step(1·h1 - 1·h2 - 0.5) (its weights from facts.js) */
export function xorNetwork(x) {
  const hidden = [fires(...GATES.OR, x), fires(...GATES.AND, x)];
  return { hidden, output: fires(XOR_OUT_W, XOR_OUT_B, hidden) };
}

function drawXorSolution() {
  const lines = [{ w: GATES.OR[0], b: GATES.OR[1], color: PALETTE[0] }, { w: GATES.AND[0], b: GATES.AND[1], color: PALETTE[1] }];
  drawPlane($("x-hidden"), (a, c) => xorNetwork([a, c]).hidden[0] + xorNetwork([a, c]).hidden[1], lines);
  drawPlane($("x-output"), (a, c) => xorNetwork([a, c]).output, lines, { targets: XOR });
  state.xor = { ...state.xor, network: CORNERS.map((c) => xorNetwork(c)) };
}

export function init() {
  const bind = (id) => {
    const input = $(id), output = $(`${id}-out`);
    const show = () => { output.textContent = n1(input.value); };
    input.addEventListener("input", show);
    show();
    return input;
  };
  for (const id of ["d-x1", "d-x2", "d-w1", "d-w2", "d-b"]) bind(id).addEventListener("input", drawDecide);
  for (const id of ["x-w1", "x-w2", "x-b"]) bind(id).addEventListener("input", drawXor);
  document.querySelectorAll("[data-gate]").forEach((button) => button.addEventListener("click", () => {
    const [w, b] = GATES[button.dataset.gate];
    for (const [id, v] of [["d-w1", w[0]], ["d-w2", w[1]], ["d-b", b]]) {
      $(id).value = v;
      $(id).dispatchEvent(new Event("input"));
    }
  }));
  $("x-two").addEventListener("click", () => {
    $("x-solution").hidden = false;
    $("x-why").hidden = false;
    $("x-two").hidden = true;
    drawXorSolution();
  });
  drawDecide();
  drawXor();
}

export const data = {
  get decide() { return state.decide; },
  get xor() { return state.xor; },
};
