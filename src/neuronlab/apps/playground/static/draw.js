// Drawing helpers: line plots and heat maps on canvas, network diagrams in SVG (made once per network shape,
// then updated in place). Every plot, heat map and network picture of the page and the notebook widgets is drawn
// here (pair.js draws the lesson's pair of neurons with it). No third-party code.

import FACTS from "./facts.js";

// One meaning per colour, written by Python (views/colours.py, through facts.js; docs/colours.md says why each;
// tests/browser/test_pictures.py checks them under simulated protanopia, deuteranopia and tritanopia). Neurons:
// the ten colours of PALETTE (neuron 1 blue, neuron 2 orange, as the lesson's h1 and h2). Weight sign: a dark
// blue for +, a dark orange for −. Classes: amber, sky, wine, indigo (Paul Tol's). A neuron's yes / no: teal /
// tan. The network's output red over a grey target; held-out test data purple (dashed curves; in two-input plots
// thick outlines), as the captions say (COLOR_NAMES).
export const COLORS = FACTS.colours.roles;
export const PALETTE = FACTS.colours.palette;
export const COLOR_NAMES = FACTS.colours.names;
export const paletteColor = (i) => PALETTE[i % PALETTE.length];

// ---------------------------------------------------------------- canvases sized for the screen
//
// A canvas's width/height attributes in the HTML give its design size; CSS (style.css) lets it shrink to
// its box, keeping that aspect. Its backing store is always its CSS size times devicePixelRatio, so it is
// sharp and whole at any ratio (1, 1.25, 1.5, 2, 3); it is redrawn when its box or the ratio changes.

const redraws = new Map();  // canvas -> the function that draws it again at its new size
const transforms = new WeakMap();  // canvas -> the transform object plot() returns, kept current
const boxes = new WeakMap();  // element -> its content box {width, height} as the ResizeObserver last saw it
let resizeObserver = null;

function watchScreen() {
  if (resizeObserver || typeof ResizeObserver === "undefined") return;
  resizeObserver = new ResizeObserver((entries) => {
    for (const { target, contentRect } of entries) {
      boxes.set(target, { width: contentRect.width, height: contentRect.height });
      const stale = target instanceof HTMLCanvasElement ? needsResize(target)
        : Math.abs(contentRect.width + 2 - Number(target.dataset.drawnWidth)) > 0.5;
      if (stale) redraw(target);
    }
  });
  const watchRatio = () => {  // zoom and moving to another screen change the ratio
    const query = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    query.addEventListener("change", () => { for (const canvas of redraws.keys()) redraw(canvas); watchRatio(); },
      { once: true });
  };
  watchRatio();
}

let drawingFor = null;  // the element whose kept drawing is running: what it draws into it, it redraws itself

/** Run `draw` as the one that keeps `element` drawn (drawing calls made inside it do not take that over). */
function asOwner(element, draw) {
  const outer = drawingFor;
  drawingFor = element;
  try { return draw(); } finally { drawingFor = outer; }
}

function redraw(canvas) {
  if (!canvas.isConnected) { redraws.delete(canvas); resizeObserver.unobserve(canvas); return; }
  const again = redraws.get(canvas);
  if (again) asOwner(canvas, again); else setup(canvas);
}

/** Draw every canvas and diagram again (after a change of style, such as presentation mode's text size). */
export function redrawAll() {
  graphText = null;
  for (const element of [...redraws.keys()]) redraw(element);
}

/**
 * Draw with `draw()` now and again whenever the canvas's (or svg's) size or the screen's pixel ratio changes.
 * A caller that draws more on top of plot() or diagram() wraps both in keepDrawn, and its whole drawing is
 * what comes back on a redraw.
 */
export function keepDrawn(canvas, draw) {
  watchScreen();
  if (!redraws.has(canvas) && resizeObserver) resizeObserver.observe(canvas);
  if (drawingFor !== canvas) redraws.set(canvas, draw);
  return asOwner(canvas, draw);
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
  const seen = boxes.get(canvas);  // measuring would force a layout on every frame: the observer's size, if any
  if (seen) return seen.width > 0 && seen.height > 0 ? seen : { width: Number(canvas.dataset.width), height: Number(canvas.dataset.height) };
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

/** Ticks at 1, 2 or 5 x 10^k inside [low, high], at most about `count` of them, exact decimals (no 0.30000000000000004). */
export function niceTicks(low, high, count = 5) {
  if (!(high > low)) return [low];
  const rough = (high - low) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough * (1 - 1e-9));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks = [];
  for (let k = Math.ceil(low / step - 1e-9); k * step <= high + step * 1e-9; k++) {
    const t = Number((k * step).toFixed(Math.min(20, decimals + 1)));
    ticks.push(t === 0 ? 0 : t);  // no -0
  }
  return ticks;
}

/** Labels for ticks: the same number of decimals for all, set by the step between them; exponents when huge. */
export function tickLabels(ticks) {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(ticks[0]) || 1;
  const largest = Math.max(...ticks.map(Math.abs));
  if (largest >= 1e5 || (largest > 0 && largest < 1e-3)) {
    const digits = Math.max(0, Math.floor(Math.log10(largest)) - Math.floor(Math.log10(step)));
    return ticks.map((t) => (t === 0 ? "0" : t.toExponential(Math.min(digits, 3)).replace("e+", "e")));
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return ticks.map((t) => t.toFixed(Math.min(decimals, 10)));
}

/** Ticks for a log10 axis (values are exponents): whole decades, or 1-2-5 within one or two decades. */
export function logTicks(low, high, count = 4) {
  const decades = [];
  for (let k = Math.ceil(low - 1e-9); k <= high + 1e-9; k++) decades.push(k);
  if (decades.length >= 2) {
    const every = Math.ceil(decades.length / count);
    return decades.filter((k) => k % every === 0).map((k) => ({ at: k, label: decadeLabel(k) }));
  }
  const ticks = [];
  for (let k = Math.floor(low) - 1; k <= Math.ceil(high); k++) {
    for (const m of [1, 2, 5]) {
      const at = k + Math.log10(m);
      if (at >= low - 1e-9 && at <= high + 1e-9) ticks.push({ at, label: decadeLabel(k, m) });
    }
  }
  if (ticks.length >= 2) return ticks;
  const values = niceTicks(10 ** low, 10 ** high, count);  // less than a factor 2.5: plain ticks, on the log scale
  const labels = tickLabels(values);
  return values.map((v, i) => ({ at: Math.log10(v), label: labels[i] }));
}

function decadeLabel(k, m = 1) {
  return k >= -3 && k <= 4 ? String(Number((m * 10 ** k).toFixed(Math.max(0, -k)))) : `${m}e${k}`;
}

let graphText = null;  // --graph-text in px, as last read: it changes only with the screen's size and the mode
if (typeof window !== "undefined") window.addEventListener("resize", () => { graphText = null; });

/** The font size of text in the graphs, in CSS pixels: the page's --graph-text (presentation mode enlarges it),
 * at least 12. Read once, not per canvas per frame: reading a style forces the page's style to be worked out
 * again, tens of times a frame while training; a resize or redrawAll (a change of mode) reads it afresh. */
function textSize(canvas) {
  if (graphText !== null) return graphText;
  const size = Math.max(12, parseFloat(getComputedStyle(canvas).getPropertyValue("--graph-text")) || 12);
  if (canvas.isConnected) graphText = size;  // (a canvas outside the page has no style to read)
  return size;
}

/**
 * Line plot. series: [{x, y, color, width, dash, label, alpha}], points: [{x, y, color, r}].
 * Series are drawn widest first, so a thin curve is never hidden under a thick one (a sum under its addends).
 * The legend goes where no data is: a corner of the plot area that no curve, point or label crosses, else
 * above the plot area, outside it. Returns the transform {sx, sy, invert, legendBox, ...} so callers can map
 * mouse positions back to data: one object per canvas, kept current when the canvas is redrawn at a new size.
 */
export function plot(canvas, series, options = {}) {
  const kept = transforms.get(canvas), transform = kept && !Array.isArray(kept) ? kept : {};
  transforms.set(canvas, transform);
  return keepDrawn(canvas, () => {
    const { ctx, width, height } = setup(canvas);
    const drawn = drawPlot(ctx, textSize(canvas), { left: 0, top: 0, width, height }, series, options);
    layouts.set(canvas, { width, height, panels: [drawn.layout] });
    describe(canvas, options.alt || plotText(series, options, drawn));
    return Object.assign(transform, drawn);
  });
}

/**
 * The element's text alternative: role img and an aria-label saying what it shows (set only when it changes).
 * plot(), plotPanels(), heatmap() and diagram() give every picture one; a caller's options.alt says more.
 */
export function describe(element, text) {
  if (element.getAttribute("role") !== "img") element.setAttribute("role", "img");
  if (element.getAttribute("aria-label") !== text) element.setAttribute("aria-label", text);
}

const shortNumber = (v) => (Number.isFinite(v) ? String(Number(v.toPrecision(3))) : "?");

/** "graph of target, network output: x from -3 to 3, y from -1.1 to 1.1" (from what was drawn) */
function plotText(series, options, drawn) {
  const names = series.filter((s) => s.label).map((s) => s.label);
  const what = options.title ? `${options.title}: ` : "";
  const y = options.logY ? `log10 of y from ${shortNumber(drawn.y0)} to ${shortNumber(drawn.y1)}`
    : `y from ${shortNumber(drawn.y0)} to ${shortNumber(drawn.y1)}`;
  return `${what}graph${names.length ? ` of ${names.join(", ")}` : ""}: x from ${shortNumber(drawn.x0)} to ${shortNumber(drawn.x1)}, ${y}`;
}

/**
 * Plots stacked in one canvas, one above the other: panels [{series, options, share}], share = the fraction of
 * the canvas's height each takes. Returns one transform per panel (kept current like plot()'s).
 */
export function plotPanels(canvas, panels) {
  const kept = transforms.get(canvas);
  const result = Array.isArray(kept) && kept.length === panels.length ? kept : panels.map(() => ({}));
  transforms.set(canvas, result);
  return keepDrawn(canvas, () => {
    const { ctx, width, height } = setup(canvas), font = textSize(canvas);
    const total = panels.reduce((a, p) => a + (p.share || 1), 0);
    let top = 0;
    const layout = { width, height, panels: [] };
    panels.forEach((p, k) => {
      const h = (height * (p.share || 1)) / total;
      const drawn = drawPlot(ctx, font, { left: 0, top, width, height: h }, p.series, p.options || {});
      layout.panels.push(drawn.layout);
      Object.assign(result[k], drawn);
      top += h;
    });
    layouts.set(canvas, layout);
    describe(canvas, panels.map((p, k) => (p.options && p.options.alt) || plotText(p.series, p.options || {}, result[k]))
      .join(". Below: "));
    return result;
  });
}

const layouts = new WeakMap();  // canvas -> what its last drawing put where (for tests and text alternatives)

/**
 * What plot() or plotPanels() last drew into the canvas, in CSS pixels: {width, height, panels: [{area, legendBox,
 * labelBoxes, points: [[x, y], ...] (every plotted point inside the area, curves sampled every 2 px)}]}.
 */
export function plotLayout(canvas) {
  const layout = layouts.get(canvas);
  if (!layout) return null;
  return { width: layout.width, height: layout.height, panels: layout.panels.map((p) => ({ ...p, points: p.points() })) };
}

/** The plot's pixels a curve passes through: its points, and points every `step` px along each segment. */
function curvePixels(series, sx, sy, area, step = 2) {
  const out = [];
  const inside = (x, y) => x >= area.left - 1 && x <= area.left + area.width + 1 && y >= area.top - 1 && y <= area.top + area.height + 1;
  for (const s of series) {
    if (s.band) {
      s.x.forEach((x, i) => { for (const d of [s.spread, -s.spread]) { const p = [sx(x), sy(s.y[i] + d)]; if (inside(...p)) out.push(p); } });
      continue;
    }
    let last = null;
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (!Number.isFinite(y)) { last = null; return; }
      const p = [sx(x), sy(y)];
      if (last) {
        const d = Math.hypot(p[0] - last[0], p[1] - last[1]), n = Math.min(400, Math.floor(d / step));
        for (let k = 1; k < n; k++) {
          const q = [last[0] + ((p[0] - last[0]) * k) / n, last[1] + ((p[1] - last[1]) * k) / n];
          if (inside(...q)) out.push(q);
        }
      }
      if (inside(...p)) out.push(p);
      last = p;
    });
  }
  return out;
}

/** The text in lines no wider than maxWidth, broken at spaces (a word longer than that stays whole). */
function wrapText(ctx, text, maxWidth) {
  const lines = [];
  let current = "";
  for (const word of text.split(" ")) {
    const tried = current ? `${current} ${word}` : word;
    if (current && ctx.measureText(tried).width > maxWidth) { lines.push(current); current = word; } else current = tried;
  }
  if (current) lines.push(current);
  return lines;
}

function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function drawPlot(ctx, font, box, series, options) {
  const width = box.width, height = box.height;
  ctx.save();
  ctx.translate(box.left, box.top);
  ctx.font = `${font}px system-ui, sans-serif`;
  const xs = series.flatMap((s) => s.x).concat((options.points || []).map((p) => p.x));
  const ys = series.filter((s) => !s.ignoreForRange).flatMap((s) => s.y)
    .concat((options.points || []).map((p) => p.y)).filter(Number.isFinite);
  let [x0, x1] = options.xRange || [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = options.yRange || [Math.min(...ys), Math.max(...ys)];
  if (!Number.isFinite(x0) || !Number.isFinite(x1)) [x0, x1] = [-1, 1];
  if (!Number.isFinite(y0) || !Number.isFinite(y1)) [y0, y1] = [-1, 1];
  if (x1 - x0 < 1e-9) { x0 -= 0.5; x1 += 0.5; }
  if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
  if (!options.yRange) { const m = 0.08 * (y1 - y0); y0 -= m; y1 += m; }
  const legend = series.filter((s) => s.label);
  const line = Math.round(font * 1.25), swatch = 1.6 * font;
  const itemWidth = (s) => 12 + swatch + ctx.measureText(s.label).width;
  const title = options.title || "";
  // the plot area for a given room above it (a title, a legend put outside)
  const frame = (above) => {
    const small = height - above < 6 * font + 40;  // a small multiple: fewer ticks
    const xTickValues = niceTicks(x0, x1, Math.max(2, Math.min(7, Math.floor(width / (5 * font)))));
    const labelled = (values) => { const labels = tickLabels(values); return values.map((at, i) => ({ at, label: labels[i] })); };
    const count = small ? 2 : Math.max(2, Math.min(6, Math.floor((height - above) / (3 * font))));
    let linear = niceTicks(y0, y1, count);
    if (linear.length < 2) linear = niceTicks(y0, y1, count + 1);  // (a 1-2-5 step may leave one tick only)
    const yTicks = options.logY ? logTicks(y0, y1, small ? 2 : 4) : labelled(linear);
    const pad = { left: 8 + Math.max(0, ...yTicks.map((t) => ctx.measureText(t.label).width)), right: 8,
      top: Math.ceil(0.7 * font) + above, bottom: font + 8 };
    const area = { left: pad.left, top: pad.top, width: width - pad.left - pad.right, height: height - pad.top - pad.bottom };
    const sx = (x) => pad.left + ((x - x0) / (x1 - x0)) * area.width;
    const sy = (y) => height - pad.bottom - ((y - y0) / (y1 - y0)) * area.height;
    return { pad, area, sx, sy, xTicks: labelled(xTickValues), yTicks };
  };
  const titleRoom = title ? line : 0;
  let f = frame(titleRoom);
  // the verticals' labels sit at the bottom of the plot area, beside their lines, inside
  const verticalLabels = (g) => (options.verticals || []).filter((v) => v.label).map((v) => {
    const w = ctx.measureText(v.label).width;
    const x = g.sx(v.x) + 3 + w <= width - g.pad.right ? g.sx(v.x) + 3 : Math.max(g.pad.left, g.sx(v.x) - 3 - w);
    const y = height - g.pad.bottom - 4;
    return { x: x - 1, y: y - font * 0.85, width: w + 2, height: font + 1, label: v.label };
  });
  let legendBox = null, outside = false;
  if (legend.length) {
    const size = { width: Math.max(...legend.map(itemWidth)), height: line * legend.length + 4 };
    const pixels = curvePixels(series, f.sx, f.sy, f.area).concat((options.points || []).map((p) => [f.sx(p.x), f.sy(p.y)]));
    const obstacles = verticalLabels(f);
    const a = f.area, m = 2, reach = 3;  // a point within `reach` px of the box counts as under it (line widths)
    const spots = [[a.left + m, a.top + m], [a.left + a.width - size.width - m, a.top + m],
      [a.left + m, a.top + a.height - size.height - m], [a.left + a.width - size.width - m, a.top + a.height - size.height - m],
      [a.left + (a.width - size.width) / 2, a.top + m], [a.left + (a.width - size.width) / 2, a.top + a.height - size.height - m]];
    if (size.width <= a.width - 2 * m && size.height <= a.height - 2 * m) {
      for (const [x, y] of spots) {
        const candidate = { x, y, ...size }, grown = { x: x - reach, y: y - reach, width: size.width + 2 * reach, height: size.height + 2 * reach };
        if (pixels.some(([px, py]) => px >= grown.x && px <= grown.x + grown.width && py >= grown.y && py <= grown.y + grown.height)) continue;
        if (obstacles.some((o) => overlaps(o, candidate))) continue;
        legendBox = candidate;
        break;
      }
    }
    if (!legendBox) {  // no free corner: the legend goes above the plot area, its items in rows (a long label wrapped)
      outside = true;
      const room = width - 8, rows = [];
      let row = { items: [], lines: 1 }, used = 0;
      for (const s of legend) {
        const lines = itemWidth(s) <= room ? [s.label] : wrapText(ctx, s.label, room - 12 - swatch);
        const w = Math.min(room, Math.max(...lines.map((l) => 12 + swatch + ctx.measureText(l).width))) + 6;
        if (row.items.length && (used + w > room || lines.length > 1)) { rows.push(row); row = { items: [], lines: 1 }; used = 0; }
        row.items.push({ s, lines, width: w }); row.lines = Math.max(row.lines, lines.length); used += w;
      }
      rows.push(row);
      const count = rows.reduce((acc, r) => acc + r.lines, 0);
      f = frame(titleRoom + count * line + 4);
      legendBox = { x: 4, y: titleRoom + 2, width: Math.min(room, Math.max(...rows.map((r) => r.items.reduce((acc, it) => acc + it.width, 0)))),
        height: count * line + 2, rows };
    }
  }
  const { pad, area, sx, sy, xTicks, yTicks } = f;
  ctx.fillStyle = "#52606d";
  ctx.strokeStyle = COLORS.grid;
  ctx.lineWidth = 1;
  ctx.textBaseline = "alphabetic";
  if (title) { ctx.fillStyle = COLORS.ink; ctx.fillText(title, 4, font); ctx.fillStyle = "#52606d"; }
  for (const { at, label } of xTicks) {
    ctx.beginPath(); ctx.moveTo(sx(at), pad.top); ctx.lineTo(sx(at), height - pad.bottom); ctx.stroke();
    const w = ctx.measureText(label).width;  // centred under the tick, moved inside the canvas at the ends
    ctx.fillText(label, Math.min(width - w - 1, Math.max(1, sx(at) - w / 2)), height - 5);
  }
  ctx.textAlign = "right";
  for (const { at, label } of yTicks) {
    ctx.beginPath(); ctx.moveTo(pad.left, sy(at)); ctx.lineTo(width - pad.right, sy(at)); ctx.stroke();
    ctx.fillText(label, pad.left - 4, Math.max(pad.top + font * 0.35, Math.min(height - pad.bottom, sy(at) + font * 0.35)));
  }
  ctx.textAlign = "left";
  if (y0 < 0 && y1 > 0 && !options.logY) {  // (on a log scale 0 is the value 1: no line of its own)
    ctx.strokeStyle = "#9aa5b1";
    ctx.beginPath(); ctx.moveTo(pad.left, sy(0)); ctx.lineTo(width - pad.right, sy(0)); ctx.stroke();
  }
  const labelBoxes = verticalLabels(f);
  for (const v of options.verticals || []) {
    ctx.strokeStyle = v.color || COLORS.ink;
    ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(sx(v.x), pad.top); ctx.lineTo(sx(v.x), height - pad.bottom); ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.save();  // curves that run off the scale are clipped at the plot's edges
  ctx.beginPath(); ctx.rect(area.left, area.top, area.width, area.height); ctx.clip();
  // bands first, then the widest curves, so thin ones (addends over their sum) stay on top
  const order = series.map((s, i) => ({ s, i })).sort((a, b) => (b.s.band ? 1 : 0) - (a.s.band ? 1 : 0)
    || (b.s.band ? 0 : (b.s.width || 1.5) - (a.s.width || 1.5)) || a.i - b.i).map((o) => o.s);
  for (const s of order) {
    ctx.globalAlpha = s.alpha ?? 1;
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
  ctx.globalAlpha = 1;
  ctx.restore();
  for (const b of labelBoxes) {  // over the curves, on a translucent white box
    ctx.fillStyle = "rgba(255, 255, 255, 0.8)";
    ctx.fillRect(b.x, b.y, b.width, b.height);
    ctx.fillStyle = COLORS.ink;
    ctx.fillText(b.label, b.x + 1, b.y + font * 0.85);
  }
  for (const p of options.points || []) {
    ctx.fillStyle = p.color || COLORS.ink;
    ctx.beginPath(); ctx.arc(sx(p.x), sy(p.y), p.r || 2.5, 0, 2 * Math.PI); ctx.fill();
  }
  // the legend, each swatch a short line drawn as its series is (width and dash)
  const drawItem = (s, x, y) => {  // y: the top of the item's row
    ctx.strokeStyle = s.color || COLORS.network;
    ctx.lineWidth = Math.min(s.width || 1.5, 3);
    ctx.globalAlpha = Math.max(0.5, s.alpha ?? 1);
    ctx.setLineDash(s.dash || []);
    ctx.beginPath(); ctx.moveTo(x + 4, y + font / 2); ctx.lineTo(x + 4 + swatch, y + font / 2); ctx.stroke();
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
    ctx.fillStyle = COLORS.ink;
    ctx.fillText(s.label, x + 8 + swatch, y + font * 0.8);
  };
  if (legendBox && !outside) {
    ctx.fillStyle = "rgba(255, 255, 255, 0.8)";
    ctx.fillRect(legendBox.x, legendBox.y, legendBox.width, legendBox.height);
    legend.forEach((s, i) => drawItem(s, legendBox.x, legendBox.y + 2 + line * i));
  } else if (legendBox) {
    let y = legendBox.y + 1;
    for (const row of legendBox.rows) {
      let x = legendBox.x;
      for (const { s, lines, width: w } of row.items) {
        drawItem({ ...s, label: lines[0] }, x, y);
        lines.slice(1).forEach((text, k) => { ctx.fillStyle = COLORS.ink; ctx.fillText(text, x + 8 + swatch, y + line * (k + 1) + font * 0.8); });
        x += w;
      }
      y += line * row.lines;
    }
  }
  ctx.restore();
  const shift = (b) => b && { x: b.x + box.left, y: b.y + box.top, width: b.width, height: b.height };
  const shown = { ...area, left: area.left + box.left, top: area.top + box.top };
  return {
    sx: (x) => sx(x) + box.left, sy: (y) => sy(y) + box.top, x0, x1, y0, y1, panel: { ...box },
    legendBox: shift(legendBox), labelBoxes: labelBoxes.map(shift), legendOutside: outside,
    area: { left: shown.left, top: shown.top, width: area.width, height: area.height },
    invert: (px, py) => [x0 + ((px - box.left - pad.left) / area.width) * (x1 - x0),
      y0 + ((height - pad.bottom - (py - box.top)) / area.height) * (y1 - y0)],
    layout: { area: { left: shown.left, top: shown.top, width: area.width, height: area.height }, legendBox: shift(legendBox),
      labelBoxes: labelBoxes.map(shift), legendOutside: outside,
      points: () => curvePixels(series, (x) => sx(x) + box.left, (y) => sy(y) + box.top, shown)
        .concat((options.points || []).map((p) => [sx(p.x) + box.left, sy(p.y) + box.top])) },
  };
}

/**
 * A heat map of n x n values (row 0 at the bottom) in [low, high], drawn smooth (the cells interpolated), with
 * optional points on top. colorOf(k, t) -> [r, g, b] colours cell k (t = its value scaled to 0..1).
 * With options.axes: a square data area over options.extent with ticks (options.ticks, else nice ones), axis
 * names options.names [x, y], a frame if options.border is a colour, and options.legend [{label, color}].
 * Points: {x, y, color, test, wrong}: filled with their colour, outlined (black for test points), a cross if wrong.
 * options.line: a dashed horizontal line at y. options.overlay(ctx, transform) draws more on top, inside the
 * data area. Returns the transform {px, py, invert, width, height} (data <-> CSS pixels), kept current like plot()'s.
 */
export function heatmap(canvas, values, n, options = {}) {
  const transform = transforms.get(canvas) || {};
  transforms.set(canvas, transform);
  return keepDrawn(canvas, () => {
    const drawn = Object.assign(transform, drawHeatmap(canvas, values, n, options));
    const [e0, e1] = options.extent || [-1.5, 1.5], [a, b] = options.names || ["x1", "x2"];
    const legend = (options.legend || []).map((l) => l.label);
    describe(canvas, options.alt || `map over ${a} and ${b} from ${shortNumber(e0)} to ${shortNumber(e1)}` +
      (legend.length ? `, coloured by ${legend.join(", ")}` : "") +
      (options.points && options.points.length ? `, with ${options.points.length} points` : ""));
    return drawn;
  });
}

const cellImages = new WeakMap();
const TEST_OUTLINE = 2.5;  // a test point's outline, in CSS px (a training point's is 1)  // canvas -> an n x n canvas holding the cells, scaled up smoothly

function drawHeatmap(canvas, values, n, options) {
  const { ctx, width, height } = setup(canvas);
  canvas.dataset.drawnBy = "heatmap";  // (tests check that every heat map on the page comes from here)
  let low = options.low, high = options.high;
  if (low === undefined || high === undefined) {
    low = Infinity; high = -Infinity;
    for (const v of values) if (Number.isFinite(v)) { low = Math.min(low, v); high = Math.max(high, v); }
  }
  // options.upscale: the values interpolated (bilinearly, between cell centres) onto a grid that many times finer
  // before they are coloured, so a sharp boundary is drawn smooth, not in blocks; colorOf gets the nearest cell
  const m = Math.max(n, Math.min(256, Math.round(n * (options.upscale || 1))));
  let cells = cellImages.get(canvas);
  if (!cells || cells.width !== m) { cells = document.createElement("canvas"); cells.width = m; cells.height = m; cellImages.set(canvas, cells); }
  const cellContext = cells.getContext("2d"), image = cellContext.createImageData(m, m);
  const valueAt = (i, j) => {  // row i, column j of the fine grid (row 0 at the bottom)
    if (m === n) return values[i * n + j];
    const u = Math.max(0, Math.min(n - 1, ((i + 0.5) * n) / m - 0.5)), w = Math.max(0, Math.min(n - 1, ((j + 0.5) * n) / m - 0.5));
    const r0 = Math.floor(u), c0 = Math.floor(w), r1 = Math.min(n - 1, r0 + 1), c1 = Math.min(n - 1, c0 + 1), fu = u - r0, fw = w - c0;
    const a = values[r0 * n + c0], b = values[r0 * n + c1], c = values[r1 * n + c0], d = values[r1 * n + c1];
    return (a * (1 - fw) + b * fw) * (1 - fu) + (c * (1 - fw) + d * fw) * fu;
  };
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const v = valueAt(i, j), k = Math.min(n - 1, Math.floor((i * n) / m)) * n + Math.min(n - 1, Math.floor((j * n) / m));
      const t = Number.isFinite(v) ? Math.max(0, Math.min(1, (v - low) / (high - low || 1))) : 0.5;
      const [red, green, blue] = options.colorOf ? options.colorOf(k, t) : divergingRgb(t);
      const at = 4 * ((m - 1 - i) * m + j);  // row 0 at the bottom
      image.data[at] = red; image.data[at + 1] = green; image.data[at + 2] = blue; image.data[at + 3] = 255;
    }
  }
  cellContext.putImageData(image, 0, 0);
  const [e0, e1] = options.extent || [-1.5, 1.5];
  const legend = options.legend || [];
  let area;
  if (options.axes) {  // the data area square, ticks left and below, the axis names after them, the legend on the right
    const font = textSize(canvas);
    ctx.font = `${font}px system-ui, sans-serif`;
    const ticks = options.ticks || niceTicks(e0, e1, 4), labels = tickLabels(ticks);
    const [xName, yName] = options.names || ["", ""];
    const left = 8 + Math.max(...labels.map((l) => ctx.measureText(l).width));
    const lastHalf = ctx.measureText(labels[labels.length - 1]).width / 2;  // the last tick label may end past the area
    const top = yName ? font + 12 : 4, right = xName ? lastHalf + ctx.measureText(xName).width + 10 : 0;
    const legendWidth = legend.length ? 16 + Math.max(...legend.map((l) => ctx.measureText(l.label).width)) + font : 0;
    const size = Math.max(20, Math.min(width - left - 8 - legendWidth - right, height - top - font - 8));
    area = { left, top, size };
    ctx.fillStyle = "#52606d";
    ticks.forEach((t, i) => {
      const along = ((t - e0) / (e1 - e0)) * size, w = ctx.measureText(labels[i]).width;
      ctx.fillText(labels[i], Math.min(width - w, Math.max(0, left + along - w / 2)), area.top + size + font + 4);
      ctx.textAlign = "right";
      ctx.fillText(labels[i], left - 4, Math.max(font, area.top + size - along + font * 0.35));
      ctx.textAlign = "left";
    });
    ctx.fillStyle = COLORS.ink;
    if (xName) ctx.fillText(xName, left + size + lastHalf + 6, area.top + size + font + 4);  // on the tick labels' row, after them
    if (yName) ctx.fillText(yName, Math.max(0, left - 4 - ctx.measureText(yName).width), font + 2);  // above the ticks
    legend.forEach((item, i) => {
      const x = width - legendWidth + 4, y = area.top + 4 + i * (font + 6);  // at the right edge
      if (item.marker === "wrong") {  // the cross over a wrongly classified point
        crosses(ctx, [[x + font / 2, y + font / 2]], font / 2 - 1.5);
        ctx.lineWidth = 1;
      } else if (item.marker) {  // a point as the plot draws it: thin outline for training, thick for test
        ctx.beginPath(); ctx.arc(x + font / 2, y + font / 2, font / 2 - 2, 0, 2 * Math.PI);
        ctx.fillStyle = item.color; ctx.fill();
        ctx.strokeStyle = COLORS.ink; ctx.lineWidth = item.marker === "test" ? TEST_OUTLINE : 1; ctx.stroke(); ctx.lineWidth = 1;
      } else {
        ctx.fillStyle = item.color; ctx.fillRect(x, y, font, font);
        ctx.strokeStyle = "#fff"; ctx.strokeRect(x, y, font, font);
      }
      ctx.fillStyle = COLORS.ink; ctx.fillText(item.label, x + font + 5, y + font * 0.85);
    });
  } else area = { left: 0, top: 0, width, height };
  const areaWidth = area.size ?? area.width, areaHeight = area.size ?? area.height;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(cells, 0, 0, m, m, area.left, area.top, areaWidth, areaHeight);
  if (options.border) {
    ctx.strokeStyle = options.border; ctx.lineWidth = 1;
    ctx.strokeRect(area.left, area.top, areaWidth, areaHeight);
  }
  const px = (x) => area.left + ((x - e0) / (e1 - e0)) * areaWidth, py = (y) => area.top + areaHeight - ((y - e0) / (e1 - e0)) * areaHeight;
  const transform = { px, py, width, height,
    invert: (x, y) => [e0 + ((x - area.left) / areaWidth) * (e1 - e0), e0 + ((area.top + areaHeight - y) / areaHeight) * (e1 - e0)] };
  if (options.line) {  // a horizontal line across the data area, dashed, with its label
    ctx.save();
    ctx.strokeStyle = COLORS.ink; ctx.lineWidth = 1.5; ctx.setLineDash([6, 4]);
    ctx.beginPath(); ctx.moveTo(area.left, py(options.line.y)); ctx.lineTo(area.left + areaWidth, py(options.line.y)); ctx.stroke();
    ctx.restore();
  }
  if (options.overlay) {  // the caller's own marks, clipped to the data area
    ctx.save();
    ctx.beginPath(); ctx.rect(area.left, area.top, areaWidth, areaHeight); ctx.clip();
    options.overlay(ctx, transform);
    ctx.restore();
  }
  const radius = options.pointRadius || Math.max(2.5, Math.min(5, areaWidth / 80));
  if (options.pointsKey && (options.points || []).length) {
    // points that stay where they are while training (options.pointsKey names them) are rastered once onto a
    // canvas of their own and copied on: two thousand outlined discs cost a software canvas about 20 ms a frame
    const sig = [canvas.width, canvas.height, width, height, area.left, area.top, areaWidth, areaHeight, radius, e0, e1,
      options.outline].join();
    let layer = pointLayers.get(canvas);
    if (!layer || layer.key !== options.pointsKey || layer.sig !== sig) {
      const sheet = layer ? layer.sheet : document.createElement("canvas");
      sheet.width = canvas.width; sheet.height = canvas.height;
      const sheetContext = sheet.getContext("2d");
      sheetContext.setTransform(canvas.width / width, 0, 0, canvas.height / height, 0, 0);
      drawPoints(sheetContext, options.points, px, py, radius, options.outline);
      layer = { key: options.pointsKey, sig, sheet };
      pointLayers.set(canvas, layer);
    }
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.drawImage(layer.sheet, 0, 0); ctx.restore();
  } else drawPoints(ctx, options.points || [], px, py, radius, options.outline);
  const wrong = (options.points || []).filter((p) => p.wrong);  // wrongly classified points: a dark cross over each
  if (wrong.length) crosses(ctx, wrong.map((p) => [px(p.x), py(p.y)]), radius + 1.5);
  ctx.lineWidth = 1;
  return transform;
}

/** An ink cross of half-width d at each [x, y]: the mark of a wrongly classified point (and its legend). */
function crosses(ctx, centres, d) {
  ctx.beginPath();
  for (const [x, y] of centres) {
    ctx.moveTo(x - d, y - d); ctx.lineTo(x + d, y + d); ctx.moveTo(x + d, y - d); ctx.lineTo(x - d, y + d);
  }
  ctx.strokeStyle = COLORS.ink; ctx.lineWidth = 1.8; ctx.stroke();
}

const pointLayers = new WeakMap();  // canvas -> {key, sig, sheet}: its points, drawn once while they stay put

/** Points as heat maps draw them, one path per colour and kind (thousands of points draw in a few paths, not
 * thousands): each filled with its colour and outlined in ink, thinly for training points, thickly for test ones. */
function drawPoints(ctx, points, px, py, radius, outline) {
  const groups = new Map();
  for (const p of points) {
    const key = `${p.color}|${p.test ? "test" : "train"}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(p);
  }
  for (const [key, group] of groups) {
    const [fill, kind] = key.split("|");
    ctx.beginPath();
    for (const p of group) { ctx.moveTo(px(p.x) + radius, py(p.y)); ctx.arc(px(p.x), py(p.y), radius, 0, 2 * Math.PI); }
    ctx.fillStyle = fill; ctx.fill();
    if (outline === false) continue;  // (a thumbnail's tiny points: colour alone)
    ctx.lineWidth = kind === "test" ? TEST_OUTLINE : 1;
    ctx.strokeStyle = COLORS.ink; ctx.stroke();
  }
}

/** the sign colours: negative's orange (0) -> white (0.5) -> positive's blue (1), as [r, g, b] */
export function divergingRgb(t) {
  const mix = (a, b, u) => Math.round(a + (b - a) * u);
  if (t < 0.5) { const u = t / 0.5; return [mix(179, 255, u), mix(88, 255, u), mix(6, 255, u)]; }
  const u = (t - 0.5) / 0.5;
  return [mix(255, 21, u), mix(255, 62, u), mix(255, 117, u)];
}

/** orange (0) -> white (0.5) -> blue (1), as in TensorFlow Playground, in the weight-sign colours */
export function diverging(t) {
  return `rgb(${divergingRgb(t).join(",")})`;
}

const SVG = "http://www.w3.org/2000/svg";
export function svgElement(tag, attributes = {}, parent = null) {
  const element = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, v);
  if (parent) parent.appendChild(element);
  return element;
}

/**
 * Draw a network into an <svg>: columns of neurons, edges by weight. The svg's width/height attributes are its
 * design size; it is drawn at the width its box has (redrawn when that changes), text at 12 CSS px or more.
 * Its elements are made once per network shape and updated in place on later calls, so CSS transitions on
 * them run and a pointer over a neuron stays over the same element.
 * Options: label(layer, neuron) -> text beside the node; title(layer, neuron) -> its tooltip; fill(layer, neuron)
 * -> colour; highlight: {layer, neuron} (its edges lit, the others faint) or (layer, neuron) -> lit or not;
 * picture(layer, neuron) -> {y, low, high, color, text} drawn as a small graph beside the node;
 * edge(layer, from, to) -> {color, width, opacity, lit, title, label} replacing the weight's own look, any part;
 * onHover/onLeave/onClick(event, layer, neuron), onEdgeHover(event, layer, from, to). With onClick, every node
 * but the inputs is focusable (a button named by nodeName(layer, neuron)): Enter or Space clicks it, arrows move.
 * Neurons are <circle data-layer data-neuron>, edges <line data-layer data-from data-to data-weight>; layer 0
 * is the input.
 */
export function diagram(svg, sizes, weights, biases, activations, options = {}) {
  watchScreen();
  if (!svg.dataset.width) {
    svg.dataset.width = svg.getAttribute("width");
    // the design height, kept where the page's presentation mode looks for it (it scales the height attribute)
    svg.dataset.designHeight ||= svg.getAttribute("height");
    svg.style.setProperty("--svg-width", `${svg.dataset.width}px`);
    if (resizeObserver) resizeObserver.observe(svg);
  }
  if (drawingFor !== svg) redraws.set(svg, () => diagram(svg, sizes, weights, biases, activations, options));
  const seen = boxes.get(svg);  // the observer's size (measuring would force a layout on every frame)
  const measured = seen ? null : svg.getBoundingClientRect();
  const shown = seen ? seen.width + 2 : measured.width;
  const width = shown > 2 ? shown - 2 : Number(svg.dataset.width);
  // labelled diagrams narrower than their design grow taller instead (up to twice): the labels keep their
  // 12 px and get the room they lose in width
  const labelled = Boolean(options.label) || Boolean(options.edge);
  const narrower = (Number(svg.dataset.width) - 2) / Math.max(width, 1);  // (the design width less the border)
  const grow = labelled && narrower > 1.05 ? Math.min(2, narrower) : 1;
  const attribute = svg.getAttribute("height");
  if (attribute !== svg.dataset.grownHeight) svg.dataset.height = attribute;  // set by the page (presentation): the base
  const designHeight = Math.round(Number(svg.dataset.height) * grow);
  if (attribute !== String(designHeight)) svg.setAttribute("height", designHeight);
  svg.dataset.grownHeight = String(designHeight);
  svg.dataset.edges ??= (() => { const st = getComputedStyle(svg); return parseFloat(st.borderTopWidth) + parseFloat(st.borderBottomWidth) || 0; })();
  // the viewBox is the content box itself: one user unit = one CSS pixel, so text set at 12 is 12 on screen
  const height = designHeight - Number(svg.dataset.edges);
  svg.dataset.drawnWidth = shown;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const font = textSize(svg);
  const measure = textMeasurer(svg, font);
  const drawn = sizes.map(drawnOf);
  const parts = diagramParts(svg, sizes, drawn, Boolean(options.onEdgeHover));
  parts.options = options;  // the listeners, made once, call the options of the latest call
  const columnX = (c) => 40 + (c * (width - 80)) / Math.max(sizes.length - 1, 1);
  const gap = sizes.length > 1 ? (width - 80) / (sizes.length - 1) : width;
  // the column headers ("8 tanh"): on one line, or, where neighbours would touch (many layers on a phone),
  // on two lines, every other column on the second
  const headers = sizes.map((n, c) => (c === 0 ? `${n} in` : `${n} ${activations[c - 1]}`));
  const headerRows = Math.max(...headers.map((text) => measure(text))) + 6 > gap && sizes.length > 2 ? 2 : 1;
  const rowGap = Math.min(28 * grow, (height - (headerRows + 1) * font - 20) / Math.max(...drawn));
  const rowY = (c, r) => height / 2 + (headerRows * font) / 2 + (r - (drawn[c] - 1) / 2) * rowGap;
  const pictureHeight = Math.max(8, Math.min(20, rowGap - 3));  // pictures of neighbouring nodes never touch
  const largest = Math.max(1e-9, ...weights.flat(2).map(Math.abs));
  const lit = typeof options.highlight === "function" ? options.highlight
    : options.highlight ? (l, n) => l === options.highlight.layer && n === options.highlight.neuron : () => false;
  const one = options.highlight && typeof options.highlight === "object" ? options.highlight : null;
  // what text must keep clear of: the nodes, the headers, the pictures, and each label once placed
  const taken = [];
  const edgeLabels = [];
  for (const edge of parts.edges) {
    const { layer: l, from: i, to: j } = edge, w = weights[l][i][j], share = Math.abs(w) / largest;
    const touches = one && ((one.layer === l && one.neuron === i) || (one.layer === l + 1 && one.neuron === j));
    const look = { color: w >= 0 ? COLORS.positive : COLORS.negative, width: 0.4 + 4 * share + (touches ? 1.5 : 0),
      opacity: one && !touches ? 0.12 : 0.25 + 0.75 * share, lit: false, title: "", label: "",
      ...(options.edge ? options.edge(l, i, j) : {}) };
    const ends = { x1: columnX(l), y1: rowY(l, i), x2: columnX(l + 1), y2: rowY(l + 1, j) };
    setAttributes(edge.line, { ...ends, stroke: look.color, "stroke-width": look.width.toFixed(2),
      "stroke-opacity": look.opacity.toFixed(2), "data-weight": w, class: look.lit ? "edge highlight" : "edge" });
    if (edge.hit) setAttributes(edge.hit, ends);
    setTitle(edge.line, look.title);
    if (edge.hit) setTitle(edge.hit, look.title);
    if (look.label || edge.label) {
      edge.label ||= svgElement("text", { fill: COLORS.ink }, parts.labels);
      edge.label.textContent = look.label;
      if (look.label) edgeLabels.push({ element: edge.label, ends });
    }
  }
  parts.pictures.replaceChildren();
  parts.columns.forEach(({ header, more }, c) => {
    header.textContent = headers[c];
    // a header centred on its column, moved inside the svg at the ends
    const w = measure(header.textContent), x = Math.max(2, Math.min(width - w - 2, columnX(c) - w / 2));
    const y = font + 1 + (headerRows === 2 && c % 2 === 1 ? 1.2 * font : 0);
    setAttributes(header, { x, y, "font-size": font, "text-anchor": "start" });
    taken.push({ x, y: y - 0.95 * font, width: w, height: 1.2 * font });
    if (more) {
      const wm = measure(more.textContent), xm = Math.max(2, Math.min(width - wm - 2, columnX(c) - wm / 2));
      setAttributes(more, { x: xm, y: height - 4, "font-size": font, "text-anchor": "start" });
      taken.push({ x: xm, y: height - 4 - 0.95 * font, width: wm, height: 1.2 * font });
    }
  });
  for (const { layer: c, neuron: r } of parts.nodes) {
    const radius = lit(c, r) ? 10 : 8;
    taken.push({ x: columnX(c) - radius - 1, y: rowY(c, r) - radius - 1, width: 2 * radius + 2, height: 2 * radius + 2 });
  }
  const lastColumn = sizes.length - 1;
  for (const { circle, layer: c, neuron: r } of parts.nodes) {
    const isLit = lit(c, r);
    const picture = options.picture && options.picture(c, r);
    if (picture) {  // the picture and its text between the node and the next column's nodes, never over them
      // the graph and its text if both fit, else the text alone, else the graph alone
      const text = picture.text ? measure(picture.text) + 3 : 0;
      const room = (c < lastColumn ? gap - 12 : width - columnX(c) - 2) - 11;
      const both = room - text >= 16, textOnly = !both && text > 0 && room >= text;
      const box = drawPicture(parts.pictures, { ...picture, text: both || textOnly ? picture.text : "" },
        columnX(c) + 11, rowY(c, r), both ? Math.min(44, room - text) : textOnly ? 0 : room, isLit, font, measure, pictureHeight);
      if (box) taken.push(box);
    }
    setAttributes(circle, { cx: columnX(c), cy: rowY(c, r), r: isLit ? 10 : 8, fill: options.fill ? options.fill(c, r) : "#f7fafc",
      stroke: isLit ? COLORS.ink : "#2d3748", "stroke-width": isLit ? 3 : 1.2, class: isLit ? "neuron highlight" : "neuron" });
    setTitle(circle, options.title ? options.title(c, r) : "");
    if (options.onClick && c > 0) {  // a node that opens something: reached with Tab, opened with Enter or Space
      setAttributes(circle, { tabindex: 0, role: "button",
        "aria-label": options.nodeName ? options.nodeName(c, r) : `layer ${c}, neuron ${r + 1}` });
    }
  }
  // the edges' labels (longer, with fewer places), then the nodes' labels: each at the first of its places that is inside the svg and
  // clear of everything placed before it (else at the place that overlaps least)
  // points along the edges every 4 px, with their ink (width x opacity): text avoids lying on a strong line when it can
  const lineInk = [];
  if (edgeLabels.length || options.label) {
    for (const edge of parts.edges) {
      const x1 = Number(edge.line.getAttribute("x1")), y1 = Number(edge.line.getAttribute("y1"));
      const x2 = Number(edge.line.getAttribute("x2")), y2 = Number(edge.line.getAttribute("y2"));
      const n = Math.max(1, Math.floor(Math.hypot(x2 - x1, y2 - y1) / 4));
      const ink = Number(edge.line.getAttribute("stroke-width")) * Number(edge.line.getAttribute("stroke-opacity"));
      for (let k = 0; k <= n; k++) lineInk.push([x1 + ((x2 - x1) * k) / n, y1 + ((y2 - y1) * k) / n, ink]);
    }
  }
  const place = (element, text, spots) => {
    const w = measure(text), h = 1.2 * font;
    let best = null, bestCost = Infinity, bestClash = Infinity;
    for (const [x, top] of spots(w, h)) {
      const candidate = { x, y: top, width: w, height: h };
      const outside = Math.max(0, -x) + Math.max(0, x + w - width) + Math.max(0, -top) + Math.max(0, top + h - height);
      const clash = outside * 1000 + 50 * taken.reduce((acc, b) => acc + overlapArea(b, candidate), 0);
      let cost = clash;
      for (const [px, py, ink] of lineInk) if (px > x && px < x + w && py > top && py < top + h) cost += 4 * ink;  // text over an edge
      if (cost < bestCost) { best = candidate; bestCost = cost; bestClash = clash; }
      if (cost === 0) break;
    }
    if (bestClash > 0) {  // no place clear of other text and nodes: no label (the node's tooltip still has it)
      element.textContent = "";
      hidden++;
      return;
    }
    taken.push(best);
    setAttributes(element, { x: best.x, y: best.y + 0.95 * font, "font-size": font, "text-anchor": "start", ...HALO });
  };
  let hidden = 0;
  for (const { element, ends } of edgeLabels) {
    const { x1, y1, x2, y2 } = ends;
    place(element, element.textContent, (w, h) => [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8].flatMap((t) => {
      const x = x1 + t * (x2 - x1), y = y1 + t * (y2 - y1), rise = (Math.abs(y2 - y1) / Math.max(1, Math.abs(x2 - x1))) * (w / 2);
      const up = [x - w / 2, y - h - 3 - rise], down = [x - w / 2, y + 3 + rise];  // clear of its own edge
      return y2 < y1 ? [down, up] : [up, down];  // first on the side away from the other edges
    }));
  }
  for (const { label, layer: c, neuron: r } of parts.nodes) {
    const text = (options.label && options.label(c, r)) || "";
    label.textContent = text;
    if (!text) continue;
    const x = columnX(c), y = rowY(c, r), rr = lit(c, r) ? 10 : 8, d = 0.7 * rr;  // above right, right, ...
    place(label, text, (w, h) => {
      const near = [[x + d, y - rr - 2 - h], [x + rr + 3, y - h / 2], [x - d - w, y - rr - 2 - h], [x + d, y + rr + 2],
        [x - d - w, y + rr + 2], [x - rr - 3 - w, y - h / 2], [x - w / 2, y - rr - 2 - h], [x - w / 2, y + rr + 2]];
      // then the same places moved up or down (a crowded column: the labels step past each other)
      return near.concat(...[0.6, -0.6, 1.2, -1.2].map((k) => near.map(([a, b]) => [a, b + k * h])));
    });
  }
  svg.dataset.hiddenLabels = hidden;  // labels left out for want of room (their nodes' tooltips have them)
  describe(svg, options.alt || `network diagram: ${sizes.map((n, c) => (c === 0 ? `${n} input${n === 1 ? "" : "s"}`
    : `${n} ${activations[c - 1]}`)).join(", then ")}`);
}

/** A white outline under a label's letters: text stays readable where it has to cross an edge. */
const HALO = { stroke: "#fff", "stroke-width": 3, "stroke-linejoin": "round", "paint-order": "stroke" };

function overlapArea(a, b) {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

let measuringContext = null;
const fontFamilies = new WeakMap();  // svg -> its font family (read once: reading styles each frame costs a style pass)
/** A function giving a text's width in CSS px in the svg's font at `font` px (a canvas measures it: no layout). */
function textMeasurer(svg, font) {
  measuringContext ||= document.createElement("canvas").getContext("2d");
  if (!fontFamilies.has(svg)) fontFamilies.set(svg, getComputedStyle(svg).fontFamily || "sans-serif");
  measuringContext.font = `${font}px ${fontFamilies.get(svg)}`;
  const widths = new Map();
  return (text) => {
    if (!widths.has(text)) widths.set(text, measuringContext.measureText(text).width);
    return widths.get(text);
  };
}

const MAX_DRAWN = 16;  // a layer up to this wide is drawn whole
const MAX_DRAWN_OF_WIDE = 10;  // of a wider one, this many neurons are drawn and the rest counted
/** How many of a layer's n neurons a diagram draws. */
export const drawnOf = (n) => (n <= MAX_DRAWN ? n : MAX_DRAWN_OF_WIDE);
const diagrams = new WeakMap();  // svg -> its elements, made for one network shape

/** The svg's elements for this shape: the ones of the last call if the shape is the same, else new ones. */
function diagramParts(svg, sizes, drawn, hoverableEdges) {
  const shape = `${sizes.join(",")}|${hoverableEdges}`;
  const kept = diagrams.get(svg);
  if (kept && kept.shape === shape && svg.firstChild === kept.edgeGroup) return kept;
  svg.replaceChildren();
  const parts = { shape, options: {}, edges: [], nodes: [], columns: [] };
  const edgeGroup = parts.edgeGroup = svgElement("g", {}, svg);
  parts.pictures = svgElement("g", {}, svg);
  const nodeGroup = svgElement("g", {}, svg);
  parts.labels = svgElement("g", {}, svg);
  const call = (name, ...args) => parts.options[name] && parts.options[name](...args);
  for (let l = 0; l + 1 < sizes.length; l++) {
    for (let i = 0; i < drawn[l]; i++) {
      for (let j = 0; j < drawn[l + 1]; j++) {
        const edge = { layer: l, from: i, to: j, line: svgElement("line", { "data-layer": l, "data-from": i, "data-to": j }, edgeGroup) };
        if (hoverableEdges) {  // a wide invisible line over the edge: easier to point at
          edge.hit = svgElement("line", { stroke: "transparent", "stroke-width": 10 }, edgeGroup);
          edge.hit.addEventListener("mouseenter", (e) => call("onEdgeHover", e, l, i, j));
        }
        parts.edges.push(edge);
      }
    }
  }
  sizes.forEach((n, c) => {
    const header = svgElement("text", { "text-anchor": "middle", fill: COLORS.ink }, parts.labels);
    const more = n > MAX_DRAWN ? svgElement("text", { "text-anchor": "middle", fill: COLORS.ink }, parts.labels) : null;
    if (more) more.textContent = `+${n - drawn[c]} more`;
    parts.columns.push({ header, more });
    for (let r = 0; r < drawn[c]; r++) {
      const circle = svgElement("circle", { "data-layer": c, "data-neuron": r }, nodeGroup);
      circle.addEventListener("mousemove", (e) => call("onHover", e, c, r));
      circle.addEventListener("mouseleave", (e) => call("onLeave", e, c, r));
      if (c > 0) circle.addEventListener("click", (e) => call("onClick", e, c, r));
      if (c > 0) circle.addEventListener("keydown", (e) => nodeKey(e, parts, c, r));
      parts.nodes.push({ circle, layer: c, neuron: r, label: svgElement("text", { fill: COLORS.ink }, nodeGroup) });
    }
  });
  diagrams.set(svg, parts);
  return parts;
}

/**
 * The keyboard on a focusable node (a diagram with onClick): Enter or Space does what a click does, the arrow keys
 * move to the next node up or down its layer, or to the nearest row of the layer to the left or right.
 */
function nodeKey(event, parts, layer, neuron) {
  if (!parts.options.onClick) return;
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    parts.options.onClick(event, layer, neuron);
    return;
  }
  const step = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }[event.key];
  if (!step) return;
  event.preventDefault();  // (the page does not scroll)
  const column = parts.nodes.filter((n) => n.layer === layer + step[0] && n.circle.getAttribute("tabindex") === "0");
  if (!column.length) return;
  const row = step[0] ? Math.min(neuron, column.length - 1) : neuron + step[1];
  const next = column.find((n) => n.neuron === row);
  if (next) next.circle.focus();
}

function setAttributes(element, attributes) {
  for (const [k, v] of Object.entries(attributes)) {
    const text = String(v);
    if (element.getAttribute(k) !== text) element.setAttribute(k, text);  // unchanged: no style work
  }
}

/** An element's tooltip: its <title> child, made when first needed. */
function setTitle(element, text) {
  let title = element.firstElementChild;
  if (!title && !text) return;
  title ||= svgElement("title", {}, element);
  if (title.textContent !== text) title.textContent = text;
}

/**
 * A small picture beside a node: a graph of p.y, or a heat map of p.heat (p.n x p.n, row 0 at the bottom),
 * on the scale p.low..p.high, in a box of the neuron's colour; p.text after it if it fits.
 */
const scratch = new Map();  // grid size -> the canvas a heat picture is painted on before it becomes an image

function drawPicture(parent, p, x, y, boxWidth, lit, font, measure, h = 20) {
  const group = svgElement("g", { class: "picture" }, parent);
  const textAt = (left) => {  // the text after the picture; returns the box of picture and text
    const w = p.text ? measure(p.text) : 0;
    if (p.text) svgElement("text", { x: left, y: y + font / 3, "font-size": font, fill: COLORS.ink, ...HALO }, group).textContent = p.text;
    const tall = Math.max(h + 4, p.text ? 1.2 * font : 0);
    return { x, y: y - tall / 2, width: left + w - x, height: tall };
  };
  if (boxWidth < 16) return p.text ? textAt(x) : null;  // no room for a graph: the text alone
  const top = y - h / 2;
  if (p.heat) {
    const size = Math.min(boxWidth, h + 4);
    if (!scratch.has(p.n)) {  // one canvas per grid size, reused: a diagram has dozens of these pictures
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = p.n;
      scratch.set(p.n, canvas);
    }
    const cells = scratch.get(p.n), context = cells.getContext("2d"), image = context.createImageData(p.n, p.n);
    for (let r = 0; r < p.n; r++) {
      for (let c = 0; c < p.n; c++) {
        const t = Math.max(0, Math.min(1, (p.heat[r * p.n + c] - p.low) / (p.high - p.low || 1)));
        const [red, green, blue] = divergingRgb(t), at = 4 * ((p.n - 1 - r) * p.n + c);
        image.data.set([red, green, blue, 255], at);
      }
    }
    context.putImageData(image, 0, 0);
    svgElement("image", { href: cells.toDataURL(), x, y: y - size / 2, width: size, height: size,
      preserveAspectRatio: "none" }, group);
    svgElement("rect", { x, y: y - size / 2, width: size, height: size, fill: "none", stroke: p.color,
      "stroke-width": lit ? 2.5 : 1 }, group);
    return textAt(x + size + 3);
  }
  svgElement("rect", { x, y: top, width: boxWidth, height: h, fill: "#fff", stroke: p.color, "stroke-width": lit ? 2.5 : 1,
    rx: 2 }, group);
  const span = p.high - p.low || 1, n = p.y.length;
  const points = p.y.map((v, k) => `${(x + 1 + (k * (boxWidth - 2)) / (n - 1)).toFixed(1)},${(top + h - 1 -
    ((Math.max(p.low, Math.min(p.high, v)) - p.low) / span) * (h - 2)).toFixed(1)}`).join(" ");
  svgElement("polyline", { points, fill: "none", stroke: p.color, "stroke-width": lit ? 2 : 1.2 }, group);
  return textAt(x + boxWidth + 3);
}

/** A number as the page writes it: `digits` decimals, a real minus sign, and no "−0.00". */
export const signed = (v, digits = 2) => {
  const text = Number(v).toFixed(digits);
  return (/^-0\.?0*$/.test(text) ? text.slice(1) : text).replace("-", "−");
};
/** "1.5·h1", "−0.5·h2": a weight times the neuron it scales, with a real minus sign */
export const weighted = (w, name) => `${String(w).replace("-", "−")}·${name}`;

/** sigmoid that does not overflow */
export function sigmoid(z) {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function linspace(a, b, n) {
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}
