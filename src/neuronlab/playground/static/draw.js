// Drawing helpers: line plots and heat maps on canvas, network diagrams in SVG. No third-party code.

export const COLORS = {
  target: "#9aa5b1", network: "#d62728", test: "#2b6cb0", positive: "#2b6cb0", negative: "#dd6b20",
  ink: "#1f2933", grid: "#e4e7eb",
};
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
  "#7f7f7f", "#d62728"];
export const paletteColor = (i) => PALETTE[i % PALETTE.length];

// ---------------------------------------------------------------- canvases sized for the screen
//
// A canvas's width/height attributes in the HTML give its design size; CSS (style.css) lets it shrink to
// its box, keeping that aspect. Its backing store is always its CSS size times devicePixelRatio, so it is
// sharp and whole at any ratio (1, 1.25, 1.5, 2, 3); it is redrawn when its box or the ratio changes.

const redraws = new Map();  // canvas -> the function that draws it again at its new size
const transforms = new WeakMap();  // canvas -> the transform object plot() returns, kept current
let resizeObserver = null;

function watchScreen() {
  if (resizeObserver || typeof ResizeObserver === "undefined") return;
  resizeObserver = new ResizeObserver((entries) => {
    for (const entry of entries) if (needsResize(entry.target)) redraw(entry.target);
  });
  const watchRatio = () => {  // zoom and moving to another screen change the ratio
    const query = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    query.addEventListener("change", () => { for (const canvas of redraws.keys()) redraw(canvas); watchRatio(); },
      { once: true });
  };
  watchRatio();
}

function redraw(canvas) {
  if (!canvas.isConnected) { redraws.delete(canvas); resizeObserver.unobserve(canvas); return; }
  const again = redraws.get(canvas);
  if (again) again(); else setup(canvas);
}

/** Draw with `draw()` now and again whenever the canvas's size or the screen's pixel ratio changes. */
export function keepDrawn(canvas, draw) {
  watchScreen();
  if (!redraws.has(canvas) && resizeObserver) resizeObserver.observe(canvas);
  redraws.set(canvas, draw);
  return draw();
}

/** The canvas's size in CSS pixels (its design size while it is not displayed). */
export function cssSize(canvas) {
  if (!canvas.dataset.width) {
    const width = Number(canvas.getAttribute("width")) || 300, height = Number(canvas.getAttribute("height")) || 150;
    canvas.dataset.width = width;
    canvas.dataset.height = height;
    canvas.style.setProperty("--canvas-width", `${width}px`);
    canvas.style.setProperty("--canvas-aspect", `${width} / ${height}`);
  }
  const box = canvas.getBoundingClientRect();
  if (box.width > 0 && box.height > 0) {
    const style = getComputedStyle(canvas);
    const edges = (a, b) => parseFloat(style[a]) + parseFloat(style[b]);
    return {
      width: box.width - edges("borderLeftWidth", "borderRightWidth") - edges("paddingLeft", "paddingRight"),
      height: box.height - edges("borderTopWidth", "borderBottomWidth") - edges("paddingTop", "paddingBottom"),
    };
  }
  return { width: Number(canvas.dataset.width), height: Number(canvas.dataset.height) };
}

function needsResize(canvas) {
  const { width, height } = cssSize(canvas), ratio = window.devicePixelRatio || 1;
  return canvas.width !== Math.max(1, Math.round(width * ratio)) || canvas.height !== Math.max(1, Math.round(height * ratio));
}

/**
 * The canvas's 2-D context, cleared, its backing store = CSS size x devicePixelRatio, and a transform so
 * drawing is in CSS pixels; returns {ctx, width, height} (CSS pixels).
 */
export function setup(canvas) {
  const { width, height } = cssSize(canvas), ratio = window.devicePixelRatio || 1;
  const pixelsWide = Math.max(1, Math.round(width * ratio)), pixelsHigh = Math.max(1, Math.round(height * ratio));
  if (canvas.width !== pixelsWide) canvas.width = pixelsWide;
  if (canvas.height !== pixelsHigh) canvas.height = pixelsHigh;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(pixelsWide / width, 0, 0, pixelsHigh / height, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
}

function niceTicks(low, high, count = 5) {
  const span = high - low || 1;
  const step0 = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => span / s <= count) || magnitude * 10;
  const ticks = [];
  for (let t = Math.ceil(low / step) * step; t <= high + 1e-9; t += step) ticks.push(Math.abs(t) < 1e-12 ? 0 : t);
  return ticks;
}

/**
 * Line plot. series: [{x, y, color, width, dash, label}], points: [{x, y, color}].
 * Returns the transform {sx, sy, invert} so callers can map mouse positions back to data: one object per
 * canvas, kept current when the canvas is redrawn at a new size.
 */
export function plot(canvas, series, options = {}) {
  const transform = transforms.get(canvas) || {};
  transforms.set(canvas, transform);
  return keepDrawn(canvas, () => Object.assign(transform, drawPlot(canvas, series, options)));
}

function drawPlot(canvas, series, options) {
  const { ctx, width, height } = setup(canvas);
  const pad = { left: 38, right: 10, top: 14, bottom: 24 };
  const xs = series.flatMap((s) => s.x).concat((options.points || []).map((p) => p.x));
  const ys = series.flatMap((s) => s.y).concat((options.points || []).map((p) => p.y)).filter(Number.isFinite);
  let [x0, x1] = options.xRange || [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = options.yRange || [Math.min(...ys), Math.max(...ys)];
  if (!Number.isFinite(x0) || !Number.isFinite(x1)) [x0, x1] = [-1, 1];
  if (!Number.isFinite(y0) || !Number.isFinite(y1)) [y0, y1] = [-1, 1];
  if (x1 - x0 < 1e-9) { x0 -= 0.5; x1 += 0.5; }
  if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
  if (!options.yRange) { const m = 0.08 * (y1 - y0); y0 -= m; y1 += m; }
  const sx = (x) => pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const sy = (y) => height - pad.bottom - ((y - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = "#52606d";
  ctx.strokeStyle = COLORS.grid;
  ctx.lineWidth = 1;
  for (const t of niceTicks(x0, x1)) {
    ctx.beginPath(); ctx.moveTo(sx(t), pad.top); ctx.lineTo(sx(t), height - pad.bottom); ctx.stroke();
    ctx.fillText(formatTick(t), sx(t) - 8, height - 8);
  }
  for (const t of niceTicks(y0, y1, options.logY ? 4 : 5)) {
    ctx.beginPath(); ctx.moveTo(pad.left, sy(t)); ctx.lineTo(width - pad.right, sy(t)); ctx.stroke();
    ctx.fillText(options.logY ? `1e${t}` : formatTick(t), 2, sy(t) + 3);
  }
  if (y0 < 0 && y1 > 0) {
    ctx.strokeStyle = "#9aa5b1";
    ctx.beginPath(); ctx.moveTo(pad.left, sy(0)); ctx.lineTo(width - pad.right, sy(0)); ctx.stroke();
  }
  for (const v of options.verticals || []) {
    ctx.strokeStyle = v.color || COLORS.ink;
    ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(sx(v.x), pad.top); ctx.lineTo(sx(v.x), height - pad.bottom); ctx.stroke();
    ctx.setLineDash([]);
    if (v.label) { ctx.fillStyle = COLORS.ink; ctx.fillText(v.label, sx(v.x) + 3, pad.top + 10); }
  }
  for (const s of series) {
    if (s.band) {
      ctx.fillStyle = s.band;
      ctx.beginPath();
      s.x.forEach((x, i) => (i ? ctx.lineTo(sx(x), sy(s.y[i] + s.spread)) : ctx.moveTo(sx(x), sy(s.y[i] + s.spread))));
      for (let i = s.x.length - 1; i >= 0; i--) ctx.lineTo(sx(s.x[i]), sy(s.y[i] - s.spread));
      ctx.fill();
      continue;
    }
    ctx.strokeStyle = s.color || COLORS.network;
    ctx.lineWidth = s.width || 1.5;
    ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    let drawing = false;
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (!Number.isFinite(y)) { drawing = false; return; }
      if (drawing) ctx.lineTo(sx(x), sy(y)); else ctx.moveTo(sx(x), sy(y));
      drawing = true;
    });
    ctx.stroke();
    ctx.setLineDash([]);
  }
  for (const p of options.points || []) {
    ctx.fillStyle = p.color || COLORS.ink;
    ctx.beginPath(); ctx.arc(sx(p.x), sy(p.y), p.r || 2.5, 0, 2 * Math.PI); ctx.fill();
  }
  const labelled = series.filter((s) => s.label);
  labelled.forEach((s, i) => {
    ctx.fillStyle = s.color || COLORS.network;
    ctx.fillRect(pad.left + 6, pad.top + 4 + 13 * i, 12, 3);
    ctx.fillStyle = COLORS.ink;
    ctx.fillText(s.label, pad.left + 22, pad.top + 9 + 13 * i);
  });
  return {
    sx, sy, x0, x1, y0, y1,
    invert: (px, py) => [x0 + ((px - pad.left) / (width - pad.left - pad.right)) * (x1 - x0),
      y0 + ((height - pad.bottom - py) / (height - pad.top - pad.bottom)) * (y1 - y0)],
  };
}

function formatTick(t) {
  return Math.abs(t) >= 1000 || (Math.abs(t) < 0.01 && t !== 0) ? t.toExponential(0) : String(+t.toFixed(2));
}

/** A heat map of n x n values (row 0 at the bottom) in [low, high], with optional points on top. */
export function heatmap(canvas, values, n, options = {}) {
  keepDrawn(canvas, () => drawHeatmap(canvas, values, n, options));
}

function drawHeatmap(canvas, values, n, options) {
  const { ctx, width, height } = setup(canvas);
  const low = options.low ?? Math.min(...values), high = options.high ?? Math.max(...values);
  const cellW = width / n, cellH = height / n;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = values[r * n + c];
      const t = Math.max(0, Math.min(1, (v - low) / (high - low || 1)));
      ctx.fillStyle = options.colorOf ? options.colorOf(r * n + c, t) : diverging(t);
      ctx.fillRect(c * cellW, height - (r + 1) * cellH, cellW + 0.5, cellH + 0.5);
    }
  }
  const [e0, e1] = options.extent || [-1.5, 1.5];
  for (const p of options.points || []) {
    const px = ((p.x - e0) / (e1 - e0)) * width, py = height - ((p.y - e0) / (e1 - e0)) * height;
    ctx.fillStyle = p.color;
    ctx.strokeStyle = p.test ? "#000" : "#fff";
    ctx.beginPath(); ctx.arc(px, py, 3, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
  }
}

/** orange (0) -> white (0.5) -> blue (1), as in TensorFlow Playground */
export function diverging(t) {
  const mix = (a, b, u) => Math.round(a + (b - a) * u);
  if (t < 0.5) { const u = t / 0.5; return `rgb(${mix(245, 255, u)},${mix(147, 255, u)},${mix(34, 255, u)})`; }
  const u = (t - 0.5) / 0.5;
  return `rgb(${mix(255, 43, u)},${mix(255, 108, u)},${mix(255, 176, u)})`;
}

const SVG = "http://www.w3.org/2000/svg";
export function svgElement(tag, attributes = {}, parent = null) {
  const element = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, v);
  if (parent) parent.appendChild(element);
  return element;
}

/**
 * Draw a network into an <svg>: columns of neurons, edges by weight. labels(layer, neuron) -> extra text.
 * Neurons are <circle data-layer data-neuron>; layer 0 is the input.
 */
export function diagram(svg, sizes, weights, biases, activations, options = {}) {
  svg.replaceChildren();
  const width = Number(svg.getAttribute("width")), height = Number(svg.getAttribute("height"));
  const maxDrawn = 10;
  const drawn = sizes.map((n) => Math.min(n, maxDrawn));
  const columnX = (c) => 40 + (c * (width - 80)) / Math.max(sizes.length - 1, 1);
  const rowY = (c, r) => height / 2 + (r - (drawn[c] - 1) / 2) * Math.min(28, (height - 40) / Math.max(...drawn));
  const largest = Math.max(1e-9, ...weights.flat(2).map(Math.abs));
  const edges = svgElement("g", {}, svg), nodes = svgElement("g", {}, svg);
  for (let l = 0; l < weights.length; l++) {
    for (let i = 0; i < drawn[l]; i++) {
      for (let j = 0; j < drawn[l + 1]; j++) {
        const w = weights[l][i][j];
        const share = Math.abs(w) / largest;
        svgElement("line", {
          x1: columnX(l), y1: rowY(l, i), x2: columnX(l + 1), y2: rowY(l + 1, j),
          stroke: w >= 0 ? COLORS.positive : COLORS.negative, "stroke-width": (0.4 + 4 * share).toFixed(2),
          "stroke-opacity": (0.25 + 0.75 * share).toFixed(2), "data-weight": w,
        }, edges);
      }
    }
  }
  sizes.forEach((n, c) => {
    svgElement("text", { x: columnX(c), y: 12, "text-anchor": "middle", "font-size": 10 }, svg).textContent =
      c === 0 ? `${n} in` : `${n} ${activations[c - 1]}`;
    for (let r = 0; r < drawn[c]; r++) {
      const circle = svgElement("circle", {
        cx: columnX(c), cy: rowY(c, r), r: 8, fill: options.fill ? options.fill(c, r) : "#f7fafc",
        stroke: "#2d3748", "stroke-width": 1.2, "data-layer": c, "data-neuron": r, class: "neuron",
      }, nodes);
      if (options.onHover) circle.addEventListener("mousemove", (e) => options.onHover(e, c, r));
      if (options.onLeave) circle.addEventListener("mouseleave", options.onLeave);
      if (options.onClick && c > 0) circle.addEventListener("click", (e) => options.onClick(e, c, r));
      if (options.label) {
        const text = options.label(c, r);
        const last = c === sizes.length - 1;  // the output column's labels go to the left, inside the picture
        if (text) svgElement("text", { x: columnX(c) + (last ? -10 : 10), y: rowY(c, r) - 9, "font-size": 9,
          fill: "#1f2933", "text-anchor": last ? "end" : "start" }, nodes).textContent = text;
      }
    }
    if (sizes[c] > maxDrawn) {
      svgElement("text", { x: columnX(c), y: height - 4, "text-anchor": "middle", "font-size": 9 }, svg).textContent =
        `+${sizes[c] - maxDrawn} more`;
    }
  });
}

/** sigmoid that does not overflow */
export function sigmoid(z) {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function linspace(a, b, n) {
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}
