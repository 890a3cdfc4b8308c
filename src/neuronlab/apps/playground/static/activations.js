// The activations the page computes itself, g(z) and g'(z), beside what Python says of each (facts.js, written
// by neuronlab.facts from nl.activations): one list of names, descriptions and slope formulas for every module.
// A browser test holds every value and slope here to nl.activations' to 1e-12.

import FACTS from "./facts.js";
import { sigmoid } from "./draw.js";

const LEAKY_SLOPE = 0.01;

/** g(z) and g'(z) for the activations the page draws with (the gallery, the playground's own neurons). */
const FORMULAS = {
  step: [(z) => (z >= 0 ? 1 : 0), () => 0],  // flat on both sides of the jump
  linear: [(z) => z, () => 1],
  sigmoid: [sigmoid, (z) => sigmoid(z) * (1 - sigmoid(z))],  // a(1 - a)
  tanh: [Math.tanh, (z) => 1 - Math.tanh(z) ** 2],  // 1 - a^2
  relu: [(z) => Math.max(z, 0), (z) => (z > 0 ? 1 : 0)],  // 0 at z = 0, as in PyTorch
  leaky_relu: [(z) => (z > 0 ? z : LEAKY_SLOPE * z), (z) => (z > 0 ? 1 : LEAKY_SLOPE)],
  softplus: [(z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))), sigmoid],  // ln(1 + e^z), slope σ(z)
  silu: [(z) => z * sigmoid(z), (z) => sigmoid(z) + z * sigmoid(z) * (1 - sigmoid(z))],  // z·σ(z)
  sin: [Math.sin, Math.cos],
  gaussian: [(z) => Math.exp(-z * z), (z) => -2 * z * Math.exp(-z * z)],  // the lesson's bump e^(-z^2)
};

/** Every activation Python knows, in its order: {name, description, slope (a formula), learnable, engine}. */
export const ALL = FACTS.activations;
/** The names a network of the engine can use (the playground's choices): the trainable ones first. */
export const ENGINE_NAMES = [...ALL.filter((a) => a.engine && a.learnable), ...ALL.filter((a) => a.engine && !a.learnable)]
  .map((a) => a.name);

/** The activation `name` as {name, description, slope, learnable, value(z), derivative(z)}; value and derivative
 *  only for those the page computes itself (the others are computed by the server). */
export function activation(name) {
  const known = ALL.find((a) => a.name === name);
  if (!known) throw new Error(`neuronlab: no activation called ${JSON.stringify(name)}`);
  const [value, derivative] = FORMULAS[name] || [];
  return { ...known, value, derivative };
}

/** The names this module can compute (a test checks each against Python). */
export const COMPUTED = Object.keys(FORMULAS);
