// The lesson tab: a neuron decides (decide.js), one neuron, two neurons adding their graphs, the exercise, bumps,
// the bump challenge, why the activation must bend (bend.js), and going downhill (descent.js). The chapter texts and
// their check-yourself questions are in the page already (the server puts in src/neuronlab/lesson_text/*.md); this
// module makes the questions answer. The two neurons' graphs are drawn by pair.js, the notebook widget's renderer too.
// Pure arithmetic on a handful of neurons: computed here, instantly, as the sliders move; the few numbers that need
// the engine (nl.approximate's neuron counts, the descent chapter's data) come once from the server.

import { COLORS, linspace, plot, sigmoid } from "./draw.js";
import * as pair from "./pair.js";
import * as decide from "./decide.js";
import * as bend from "./bend.js";
import * as descent from "./descent.js";
import FACTS from "./facts.js";

const X = linspace(-3, 3, 601);
const $ = (id) => document.getElementById(id);
/** A number as text shows a real minus sign: −0.5, not -0.5 (the inputs' own values stay ASCII). */
export const minus = (text) => String(text).replace(/-/g, "\u2212");
const state = { activation: "step", steepness: 10, output: [], hidden: [[], []] };

function activate(z) {
  return state.activation === "step" ? (z >= 0 ? 1 : 0) : sigmoid(z);
}

/** h(x) = g(k·(x - s)) for the step (k = 1 is enough) or a sigmoid of steepness k */
function neuronGraph(s) {
  const k = state.activation === "step" ? 1 : state.steepness;
  return X.map((x) => activate(k * (x - s)));
}

function bindOutput(id, format = (v) => Number(v).toFixed(1)) {
  const input = $(id), output = $(`${id}-out`);
  const show = () => { if (output) output.textContent = minus(format(input.value)); };
  input.addEventListener("input", show);
  show();
  return input;
}

function drawOneNeuron() {
  const w = Number($("n-w").value), b = Number($("n-b").value);
  const y = X.map((x) => activate((state.activation === "step" ? 1 : state.steepness / 5) * (w * x + b)));
  const verticals = w !== 0 ? [{ x: -b / w, label: minus(`s = -b/w = ${(-b / w).toFixed(2)}`) }] : [];
  plot($("n-graph"), [{ x: X, y, color: COLORS.network, width: 2 }], { xRange: [-3, 3], yRange: [-0.1, 1.1], verticals });
  $("n-formula").textContent = minus(`${state.activation}(${w.toFixed(1)}·x ${b < 0 ? "−" : "+"} ${Math.abs(b).toFixed(1)})` +
    (w !== 0 ? `, threshold s = ${(-b / w).toFixed(2)}` : ", no threshold (w = 0)"));
}

/** The pair's graphs for weights w11, w21 and the sliders' thresholds, as pair.js draws them (and the widget gets them). */
function pairGraphs(w11, w21) {
  const s1 = Number($("s1").value), s2 = Number($("s2").value);
  const h1 = neuronGraph(s1), h2 = neuronGraph(s2);
  const c1 = h1.map((v) => w11 * v), c2 = h2.map((v) => w21 * v);
  return { x: X, h1, h2, c1, c2, output: c1.map((v, i) => v + c2[i]), thresholds: [s1, s2], weights: [w11, w21],
    activation: state.activation, steepness: state.steepness };
}

function drawPair() {
  const w11 = Number($("w11").value), w21 = Number($("w21").value);
  const graphs = pairGraphs(w11, w21);
  state.output = graphs.output;
  state.hidden = [graphs.h1, graphs.h2];
  pair.drawPair({ h1: $("h1-graph"), h2: $("h2-graph"), output: $("out-graph") }, graphs);
  $("pair-formula").textContent = minus(`output = ${w11.toFixed(1)}·h1 ${w21 < 0 ? "−" : "+"} ${Math.abs(w21).toFixed(1)}·h2`);
  state.pairEdges = pair.drawPairNetwork($("pair-diagram"), graphs);  // beside card 2, following w11 and w21
}

function drawAnswer() {
  pair.drawAnswer($("answer-graph"), pairGraphs(...FACTS.lesson.exercise));  // nl.lesson.EXERCISE
}

// ---------------------------------------------------------------- the bump challenge

const TARGETS = {
  sin: (x) => 0.8 * Math.sin(2 * x),
  bell: (x) => 1.2 * Math.exp(-x * x) - 0.2,
  wave: (x) => 0.5 * Math.sin(3 * x) + 0.2 * x,
};
const SUCCESS = 0.15; // mean deviation under which the challenge is solved (12 perfect bumps reach 0.12)
const challenge = { heights: [], drawing: false, selected: 0 };
const KEY_STEP = 0.1;  // a bump's height per arrow key (Shift: 4 steps)

/** The keyboard's way through the challenge: ← → choose a bump, ↑ ↓ raise or lower it. */
function challengeKey(event) {
  const n = challenge.heights.length, big = event.shiftKey ? 4 : 1;
  if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
    challenge.selected = Math.max(0, Math.min(n - 1, challenge.selected + (event.key === "ArrowRight" ? big : -big)));
  } else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
    const i = challenge.selected, change = (event.key === "ArrowUp" ? KEY_STEP : -KEY_STEP) * big;
    challenge.heights[i] = Math.max(-1.6, Math.min(1.6, Math.round((challenge.heights[i] + change) * 10) / 10));
  } else if (event.key === "Home" || event.key === "End") {
    challenge.selected = event.key === "Home" ? 0 : n - 1;
  } else return;
  event.preventDefault();  // the page neither scrolls nor turns the chapter
  drawChallenge();
}

function bumpFunction(heights) {
  // bump i covers [edge_i, edge_(i+1)): a pair of step neurons with weights +h and -h
  const n = heights.length, edges = linspace(-3, 3, n + 1);
  return X.map((x) => {
    const i = Math.min(n - 1, Math.floor(((x + 3) / 6) * n));
    return x >= edges[0] ? heights[i] : 0;
  });
}

function drawChallenge() {
  const target = TARGETS[$("challenge-target").value];
  const n = Number($("bump-count").value);
  if (challenge.heights.length !== n) challenge.heights = new Array(n).fill(0);
  const out = bumpFunction(challenge.heights);
  const goal = X.map(target);
  const deviations = out.map((v, i) => Math.abs(v - goal[i]));
  const mean = deviations.reduce((a, b) => a + b, 0) / deviations.length, max = Math.max(...deviations);
  const series = [
    { x: X, y: goal, color: COLORS.target, width: 4, label: "target" },
    { x: X, y: out, color: COLORS.network, width: 2, label: `${n} bumps = ${2 * n} step neurons` },
  ];
  const canvas = $("challenge");
  if (document.activeElement === canvas) {  // the bump the arrow keys move, drawn thick
    const i = Math.min(challenge.selected, n - 1), left = -3 + (6 * i) / n, right = -3 + (6 * (i + 1)) / n;
    series.push({ x: [left, right], y: [challenge.heights[i], challenge.heights[i]], color: COLORS.ink, width: 5,
      label: minus(`keys: bump ${i + 1} of ${n}, height ${challenge.heights[i].toFixed(1)}`) });
  }
  challenge.transform = plot(canvas, series, { xRange: [-3, 3], yRange: [-1.6, 1.6] });
  const solved = mean < SUCCESS;
  const score = $("challenge-score");
  score.textContent = `mean deviation ${mean.toFixed(3)}, max deviation ${max.toFixed(3)}` +
    (solved ? `  ✓ traced (mean < ${SUCCESS})` : `  (goal: mean < ${SUCCESS}; more bumps make it easier)`);
  score.classList.toggle("success", solved);
  state.challenge = { mean, max, solved, heights: [...challenge.heights] };
}

/** Set the bump under the pointer, and every bump the stroke crossed since the last event (a fast finger skips some). */
function setHeightAt(event) {
  const canvas = $("challenge"), rect = canvas.getBoundingClientRect();
  const [x, y] = challenge.transform.invert(event.clientX - rect.left, event.clientY - rect.top);
  const n = challenge.heights.length, bump = (u) => Math.floor(((u + 3) / 6) * n);
  const [x0, y0] = challenge.last || [x, y];
  const first = Math.max(0, Math.min(bump(x0), bump(x))), last = Math.min(n - 1, Math.max(bump(x0), bump(x)));
  for (let i = first; i <= last; i++) {
    const middle = -3 + ((i + 0.5) * 6) / n;  // the stroke's height where it crossed this bump
    const u = x === x0 ? 1 : Math.max(0, Math.min(1, (middle - x0) / (x - x0)));
    challenge.heights[i] = Math.max(-1.6, Math.min(1.6, i === bump(x) ? y : y0 + u * (y - y0)));
  }
  challenge.last = [x, y];
  drawChallenge();
}

// ---------------------------------------------------------------- chapters: a list, a URL each, one a screen

// Each card of the Lesson tab is a chapter, named by its text's data-chapter (lesson_text's chapter names: hook,
// decide, ..., backprop). Out of presentation mode the lesson is one scroll: the bar follows the chapter under
// it and the list, the bar and the arrow keys scroll to a chapter. In presentation mode only the current
// chapter is shown (style.css), picture first. app.js keeps the chapter in the URL (#tab=lesson&chapter=NAME).
const chapters = { cards: [], index: 0, changed: () => {}, scrolledTo: null, pending: false };

const presenting = () => document.body.classList.contains("presentation");

/** The height the sticky header and chapter bar cover at the top of the window once scrolled (where they stick). */
function coveredTop() {
  let bottom = 0;
  for (const element of [document.querySelector("header"), $("chapter-prev").parentElement]) {
    const style = getComputedStyle(element);
    if (style.position === "sticky") bottom = Math.max(bottom, (parseFloat(style.top) || 0) + element.offsetHeight);
  }
  return bottom;
}

/** The chapter `offset` chapters from the current one (clamped to the first and the last), by its name. */
export function chapter(offset = 0) {
  const cards = chapters.cards;
  return cards.length ? cards[Math.max(0, Math.min(cards.length - 1, chapters.index + offset))].dataset.chapter : "hook";
}

function markChapter(index) {
  chapters.index = index;
  chapters.cards.forEach((card, i) => {
    card.toggleAttribute("data-current", i === index);
    if (i === index) card.setAttribute("aria-current", "page"); else card.removeAttribute("aria-current");
  });
  $("chapter-select").value = chapter();
  $("chapter-position").textContent = `${index + 1} / ${chapters.cards.length}`;
  $("chapter-prev").disabled = index === 0;
  $("chapter-next").disabled = index === chapters.cards.length - 1;
  document.querySelectorAll("#chapter-list a").forEach((a, i) => {  // the list starts at chapter 1
    if (i + 1 === index) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
  });
}

/**
 * Show chapter `name` (or its number, 0 being the opening): in presentation mode the only one shown, else
 * scrolled to under the bar. push: a move of the learner's (a new history entry); scroll: false to only mark it.
 */
export function showChapter(name, { push = true, scroll = true } = {}) {
  const byName = chapters.cards.findIndex((card) => card.dataset.chapter === String(name));
  const index = byName >= 0 ? byName : /^\d+$/.test(String(name)) ? Math.min(Number(name), chapters.cards.length - 1) : chapters.index;
  const moved = index !== chapters.index;
  markChapter(index);
  if (scroll && !$("lesson").hidden) {
    const card = chapters.cards[index];
    const top = presenting() ? 0 : card.getBoundingClientRect().top + window.scrollY - coveredTop() - 2;
    window.scrollTo({ top: Math.max(0, top), behavior: "instant" });
    chapters.scrolledTo = window.scrollY;
  }
  if (moved || push === false) chapters.changed(push && moved);
}

/** Out of presentation mode: the chapter under the bar follows the learner's scrolling (no history entry). */
function followScroll() {
  chapters.pending = false;
  if (presenting() || $("lesson").hidden) return;
  if (chapters.scrolledTo !== null && Math.abs(window.scrollY - chapters.scrolledTo) < 4) return;  // our own scroll
  chapters.scrolledTo = null;
  const line = coveredTop() + 40;
  let index = 0;
  chapters.cards.forEach((card, i) => { if (card.getBoundingClientRect().top <= line) index = i; });
  if (index !== chapters.index) { markChapter(index); chapters.changed(false); }
}

function initChapters(changed) {
  chapters.changed = changed;
  chapters.cards = [...document.querySelectorAll("#lesson > .card")];
  const titles = chapters.cards.map((card, i) => {
    const text = card.querySelector(".lesson-text[data-chapter]");
    card.dataset.chapter = text ? text.dataset.chapter : String(i);
    const heading = card.querySelector("h1, h2");
    return heading ? heading.textContent.trim() : card.dataset.chapter;
  });
  $("chapter-select").replaceChildren(...chapters.cards.map((card, i) => new Option(titles[i], card.dataset.chapter)));
  $("chapter-list").replaceChildren(...chapters.cards.slice(1).map((card, i) => {
    const item = document.createElement("li"), link = document.createElement("a");
    link.href = `#tab=lesson&chapter=${card.dataset.chapter}`;
    link.textContent = titles[i + 1].replace(/^\d+\.\s*/, "");  // the list numbers them
    link.addEventListener("click", (event) => { event.preventDefault(); showChapter(card.dataset.chapter); });
    item.append(link);
    return item;
  }));
  $("chapter-prev").addEventListener("click", () => showChapter(chapter(-1)));
  $("chapter-next").addEventListener("click", () => showChapter(chapter(1)));
  $("chapter-select").addEventListener("change", () => showChapter($("chapter-select").value));
  if (typeof ResizeObserver !== "undefined") {  // a picture drawn late, or the header rewrapped: follow the chapter
    const follow = new ResizeObserver(() => {
      if (chapters.scrolledTo !== null && Math.abs(window.scrollY - chapters.scrolledTo) < 4 && !presenting()) {
        showChapter(chapter(), { push: false });
      }
    });
    [$("lesson"), document.querySelector("header")].forEach((element) => follow.observe(element));
  }
  window.addEventListener("scroll", () => {
    if (!chapters.pending) { chapters.pending = true; requestAnimationFrame(followScroll); }
  }, { passive: true });
  markChapter(0);
}

// ---------------------------------------------------------------- check yourself

const checks = {};  // chapter -> { answered, right, answer }

/** A typed number: "0.5", "−0.92" (a real minus sign), "-1,28" (a decimal comma); NaN if it is none. */
function parseNumber(text) {
  const clean = text.trim().replace(/\u2212/g, "-").replace(",", ".");
  return /^[-+]?(\d+\.?\d*|\.\d+)$/.test(clean) ? Number(clean) : NaN;
}

/** Show the verdict and its reason (the reason is the lesson text's own HTML, from the server). */
function answer(box, right, why, given) {
  const feedback = box.querySelector(".check-feedback");
  feedback.innerHTML = `<b>${right ? "✓ Right." : "✗ Not quite."}</b> ${why.replace(/^(Right|No|Not quite)[:.]\s*/, "")}`;
  feedback.classList.toggle("right", right);
  feedback.classList.toggle("wrong", !right);
  checks[box.dataset.check] = { answered: true, right, answer: given };
}

function initCheck(box) {
  checks[box.dataset.check] = { answered: false, right: false, answer: null };
  const choices = [...box.querySelectorAll(".check-choices button")];
  for (const button of choices) {
    button.addEventListener("click", () => {
      choices.forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      answer(box, button.dataset.right === "true", button.dataset.why, button.textContent);
    });
  }
  const input = box.querySelector(".check-number input");
  if (!input) return;
  const check = () => {
    const value = parseNumber(input.value), target = Number(input.dataset.answer);
    if (Number.isNaN(value)) {  // no verdict on a typo
      const feedback = box.querySelector(".check-feedback");
      feedback.textContent = "Type a number, such as 0.5 or −1.2.";
      feedback.classList.remove("right", "wrong");
      return;
    }
    const right = Math.abs(value - target) <= Number(input.dataset.tolerance) + 1e-12;
    answer(box, right, right ? input.dataset.why : input.dataset.wrong, value);
  };
  box.querySelector(".check-number button").addEventListener("click", check);
  input.addEventListener("keydown", (event) => { if (event.key === "Enter") check(); });
}

/** The engine's numbers for the gallery and the descent chapter (nl.lesson.facts), sent once by the server. */
export function onFacts(facts) {
  bend.drawGallery(facts);
  descent.onFacts(facts);
}

/** The steepness k shapes the sigmoid only: with step neurons its slider is off, and says why. */
function syncSteepness() {
  const off = state.activation === "step";
  $("steepness").disabled = off;
  $("steepness").title = off ? "choose sigmoid: a step neuron has no steepness" : "";
}

/** The lesson's sliders, activation and bump heights, for the link (app.js keeps them in the URL). */
export function readConfig() {
  const value = (id) => Number($(id).value);
  return { w: value("n-w"), b: value("n-b"), w11: value("w11"), w21: value("w21"), s1: value("s1"), s2: value("s2"),
    activation: state.activation, k: value("steepness"), bumps: value("bump-count"), target: $("challenge-target").value,
    heights: challenge.heights.map((h) => Number(h.toFixed(2))) };
}

export function applyConfig(c) {
  const set = (id, v) => { if (Number.isFinite(v)) { $(id).value = v; $(id).dispatchEvent(new Event("input")); } };
  if (c.activation === "step" || c.activation === "sigmoid") {
    document.querySelector(`input[name=lesson-act][value=${c.activation}]`).checked = true;
    state.activation = c.activation;
    syncSteepness();
  }
  set("steepness", c.k); set("n-w", c.w); set("n-b", c.b); set("w11", c.w11); set("w21", c.w21); set("s1", c.s1); set("s2", c.s2);
  if (["sin", "bell", "wave"].includes(c.target)) $("challenge-target").value = c.target;
  set("bump-count", c.bumps);
  if (Array.isArray(c.heights) && c.heights.length === Number($("bump-count").value) && c.heights.every(Number.isFinite)) {
    challenge.heights = c.heights.map((h) => Math.max(-1.6, Math.min(1.6, h)));
  }
  drawOneNeuron(); drawPair(); drawChallenge();
}

export function init(send = () => {}, changed = () => {}, chapterChanged = () => {}) {
  initChapters(chapterChanged);
  document.querySelectorAll("#lesson .check").forEach(initCheck);
  decide.init();
  bend.init();
  descent.init();
  send({ type: "lesson" });
  document.querySelectorAll("#lesson input, #lesson select").forEach((input) => input.addEventListener("change", changed));
  $("challenge").addEventListener("pointerup", changed);
  $("bumps-reset").addEventListener("click", changed);
  for (const id of ["n-w", "n-b"]) bindOutput(id).addEventListener("input", drawOneNeuron);
  for (const id of ["w11", "w21", "s1", "s2"]) bindOutput(id).addEventListener("input", drawPair);
  bindOutput("steepness", (v) => v).addEventListener("input", () => {
    state.steepness = Number($("steepness").value);
    drawOneNeuron(); drawPair(); drawAnswer();
  });
  document.querySelectorAll("input[name=lesson-act]").forEach((radio) => radio.addEventListener("change", () => {
    state.activation = document.querySelector("input[name=lesson-act]:checked").value;
    syncSteepness();
    drawOneNeuron(); drawPair(); drawAnswer();
  }));
  syncSteepness();
  $("reveal").addEventListener("click", () => {
    $("answer").hidden = false;
    $("reveal").hidden = true;
    drawAnswer();
  });
  bindOutput("bump-count", (v) => v).addEventListener("input", drawChallenge);
  $("challenge-target").addEventListener("change", drawChallenge);
  $("bumps-reset").addEventListener("click", () => { challenge.heights = []; drawChallenge(); });
  const canvas = $("challenge");
  canvas.addEventListener("pointerdown", (e) => {
    challenge.drawing = true; challenge.last = null; canvas.setPointerCapture(e.pointerId); setHeightAt(e);
  });
  canvas.addEventListener("pointermove", (e) => { if (challenge.drawing) setHeightAt(e); });
  canvas.addEventListener("pointerup", () => { challenge.drawing = false; });
  canvas.addEventListener("pointercancel", () => { challenge.drawing = false; });
  canvas.addEventListener("keydown", challengeKey);
  canvas.addEventListener("keyup", (event) => { if (event.key.startsWith("Arrow")) changed(); });
  canvas.addEventListener("focus", drawChallenge);
  canvas.addEventListener("blur", drawChallenge);
  drawOneNeuron();
  drawPair();
  drawChallenge();
}

/** What the graphs show, for tests and curious readers (window.neuronlab.lesson). */
export const data = {
  get output() { return [...state.output]; },
  get hidden() { return state.hidden.map((h) => [...h]); },
  get x() { return [...X]; },
  get challenge() { return state.challenge && { ...state.challenge, selected: challenge.selected }; },
  setHeights(heights) { challenge.heights = [...heights]; drawChallenge(); },
  get pairEdges() { return state.pairEdges; },
  get checks() { return structuredClone(checks); },
  get chapter() { return chapter(); },
  get chapters() { return chapters.cards.map((card) => card.dataset.chapter); },
  decide: decide.data,
  bend: bend.data,
  descent: descent.data,
};
