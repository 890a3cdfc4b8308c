// Written by `python -m neuronlab.apps.facts` from neuronlab's Python definitions (facts.py): do not edit.
// The activations and the lesson's fixed numbers, for the page, the notebook widgets and the static lesson.
export default {
 "activations": [
  {"name": "step", "description": "Heaviside step: 1 when z >= 0, else 0 (the classic neuron firing above its threshold)", "slope": "0", "learnable": false, "engine": true},
  {"name": "linear", "description": "identity: g(z) = z", "slope": "1", "learnable": true, "engine": true},
  {"name": "sigmoid", "description": "logistic 1/(1+e^-z): a smooth step from 0 to 1", "slope": "a(1-a)", "learnable": true, "engine": true},
  {"name": "tanh", "description": "hyperbolic tangent: a smooth step from -1 to 1", "slope": "1-a^2", "learnable": true, "engine": true},
  {"name": "relu", "description": "rectified linear: max(0, z), a hinge", "slope": "1 if z>0", "learnable": true, "engine": true},
  {"name": "leaky_relu", "description": "leaky ReLU: z for z > 0, 0.01·z otherwise (never completely flat)", "slope": "1 or 0.01", "learnable": true, "engine": true},
  {"name": "softplus", "description": "softplus: ln(1 + e^z), a smooth ReLU", "slope": "sigmoid(z)", "learnable": true, "engine": true},
  {"name": "gelu", "description": "Gaussian error linear unit: z·Φ(z) with Φ the normal CDF (exact erf form)", "slope": "Phi(z)+z*phi(z)", "learnable": true, "engine": true},
  {"name": "silu", "description": "sigmoid linear unit (swish): z·σ(z)", "slope": "s+z*s(1-s)", "learnable": true, "engine": true},
  {"name": "sin", "description": "sine: periodic, smooth", "slope": "cos(z)", "learnable": true, "engine": true},
  {"name": "gaussian", "description": "gaussian e^(-z^2): a bump by itself (radial basis function)", "slope": "-2z·a", "learnable": true, "engine": false}
 ],
 "playground": {"defaults": {"mode": "function", "expr": "sin(3*x)", "domain": [-3.0, 3.0], "points": 200, "noise": 0.0, "dataset": "circle", "test_ratio": 0.3, "features": ["x1", "x2"], "layers": [8], "activation": "tanh", "optimizer": "adam", "lr": 0.01, "batch": 32, "l1": 0.0, "l2": 0.0, "stop_loss": 0.0, "seed": 0, "drawn": [], "speed": 1.0, "line": 0.0, "layer_shown": 0, "task": "auto"}, "limits": {"ranges": {"points": [2, 2000, true], "noise": [0.0, 10.0, false], "test_ratio": [0.0, 0.9, false], "lr": [1e-06, 10.0, false], "batch": [1, 2000, true], "l1": [0.0, 1.0, false], "l2": [0.0, 1.0, false], "stop_loss": [0.0, 1000000.0, false], "seed": [0, 2147483647, true], "speed": [0.01, 1.0, false], "line": [-1.5, 1.5, false], "layer_shown": [0, 8, true]}, "domain_bound": 1000000.0, "max_layers": 8, "max_neurons": 64, "max_wide_layer": 2000, "max_points": 2000, "max_expression": 200, "max_csv_bytes": 200000, "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]}},
 "colours": {"roles": {"network": "#d62728", "target": "#9aa5b1", "test": "#705070", "positive": "#153e75", "negative": "#b35806", "yes": "#01665e", "no": "#d8b365", "ink": "#1f2933", "grid": "#e4e7eb", "node": "#f7fafc", "neutral": "#7b8794", "classes": ["#e69f00", "#56b4e9", "#882255", "#332288"]}, "palette": ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#637939"], "names": {"network": "red", "test": "purple", "positive": "blue", "negative": "orange"}},
 "lesson": {"gates": {"AND": [[1.0, 1.0], -1.5], "OR": [[1.0, 1.0], -0.5], "NOT": [[-1.0], 0.5]}, "corners": [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], "xor_target": [0.0, 1.0, 1.0, 0.0], "xor_output": [[1.0, -1.0], -0.5], "plane": [-0.5, 1.5], "thresholds": [-1.0, 1.0], "domain": [-3.0, 3.0], "exercise": [1.5, -0.5]}
};
