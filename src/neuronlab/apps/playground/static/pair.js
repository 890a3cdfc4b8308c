// The lesson's two neurons adding their graphs, drawn: h1 and h2, the weighted graphs w11·h1 and w21·h2 with their
// sum (the output), the exercise's answer, and the 1-2-1 network whose output edges follow w11 and w21. One
// renderer for the page's Lesson tab (lesson.js computes the graphs from its sliders) and the notebook's
// nl.widgets.Lesson (the kernel computes them with a neuronlab Network; widgets.js loads this file from the
// kernel's text, as it loads draw.js). It draws the graphs it is given and computes nothing.

import { COLORS, PALETTE, diagram, plot, weighted } from "./draw.js";

/** A number shown as text has a real minus sign: −0.5 (pair.js is loaded alone by the widgets: its own copy). */
const minus = (text) => String(text).replace(/-/g, "\u2212");

export const NEURON_COLORS = PALETTE.slice(0, 2);  // h1 blue, h2 orange, wherever they are drawn

/**
 * The pair's three graphs. graphs: {x, h1, h2, c1, c2, output, thresholds: [s1, s2], weights: [w11, w21]}
 * (c1 = w11·h1, c2 = w21·h2, output = c1 + c2); into: {h1, h2, output} canvases.
 */
export function drawPair(into, graphs) {
  const { x, h1, h2, c1, c2, output, thresholds: [s1, s2], weights: [w11, w21] } = graphs;
  const xRange = [x[0], x[x.length - 1]], small = { xRange, yRange: [-0.1, 1.1] };
  plot(into.h1, [{ x, y: h1, color: NEURON_COLORS[0], width: 2, label: "neuron 1: h1" }],
    { ...small, verticals: [{ x: s1, label: "s1" }] });
  plot(into.h2, [{ x, y: h2, color: NEURON_COLORS[1], width: 2, label: "neuron 2: h2" }],
    { ...small, verticals: [{ x: s2, label: "s2" }] });
  let low = -1.1, high = 1.1;  // the sum's scale holds every curve (a loop: Math.min(...) of 1800 values is slow)
  for (const v of [...c1, ...c2, ...output]) if (Number.isFinite(v)) { low = Math.min(low, v); high = Math.max(high, v); }
  plot(into.output, [
    { x, y: c1, color: NEURON_COLORS[0], dash: [5, 4], label: `w11·h1 = ${minus(w11.toFixed(1))}·h1` },
    { x, y: c2, color: NEURON_COLORS[1], dash: [5, 4], label: `w21·h2 = ${minus(w21.toFixed(1))}·h2` },
    { x, y: output, color: COLORS.network, width: 2.5, label: "output = the sum" },
  ], { xRange, yRange: [low - 0.1, high + 0.1] });
}

/** The exercise's answer: {x, c1, c2, output, weights: [w11, w21]} on the scale the question was asked on. */
export function drawAnswer(canvas, { x, c1, c2, output, weights: [w11, w21] }) {
  plot(canvas, [
    { x, y: c1, color: NEURON_COLORS[0], dash: [5, 4], label: weighted(w11, "h1") },
    { x, y: c2, color: NEURON_COLORS[1], dash: [5, 4], label: weighted(w21, "h2") },
    { x, y: output, color: COLORS.network, width: 2.5, label: "output" },
  ], { xRange: [x[0], x[x.length - 1]], yRange: [-0.8, 1.8] });
}

/**
 * The 1-2-1 network: hidden neurons g(k·(x - s)), output w11·h1 + w21·h2. Its input edges grey; w11 and w21 by
 * |w| itself, not by the largest weight (the steepness k), so 1 and -1 look equally strong and 0 nearly vanishes.
 * Returns the two output edges as drawn: [{weight, width, color}].
 */
export function drawPairNetwork(svg, { thresholds: [s1, s2], weights: [w11, w21], activation, steepness }) {
  const k = activation === "step" ? 1 : steepness, w = [w11, w21];
  diagram(svg, [1, 2, 1], [[[k, k]], [[w11], [w21]]], [[-k * s1, -k * s2], [0]], [activation, "linear"], {
    label: (c, r) => (c === 0 ? "x" : c === 1 ? `h${r + 1}` : "out"),
    edge: (l, i) => (l === 0 ? { color: COLORS.target, width: 1.5 }
      : { width: 0.5 + 3 * Math.abs(w[i]), opacity: w[i] === 0 ? 0.15 : 0.9, label: `w${i + 1}1 = ${minus(w[i].toFixed(1))}` }),
  });
  return [...svg.querySelectorAll("line[data-layer='1']")].map((line) => ({ weight: Number(line.getAttribute("data-weight")),
    width: Number(line.getAttribute("stroke-width")), color: line.getAttribute("stroke") }));
}
