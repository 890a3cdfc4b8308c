// The static lesson's stand-in for the server (`neuronlab site DIR`, src/neuronlab/site.py). The page's modules run
// unchanged; this module runs before them and gives the page a WebSocket that answers from the replies the real
// server sent when the site was built (embedded in the page as JSON, id "neuronlab-replay"): the Lesson tab's engine
// numbers and the Backprop tab's walk-through of the playground's default network. Nothing is computed by Python
// here and nothing goes over the network. The Playground and Approximate tabs need a running server
// (`neuronlab play`): their tab buttons are hidden, and a link to them opens the Lesson.

const recorded = JSON.parse(document.getElementById("neuronlab-replay").textContent);
const SERVER_TABS = ["playground", "approximate"];  // the tabs that compute on the server as you change them
const OFFLINE = "a saved copy: the Lesson and the Backprop walk-through; `neuronlab play` runs the rest";
const OWN_NUMBERS = "this saved copy explains the default network at its first training point only; " +
  "to explain other numbers, run `neuronlab play`";

/** The recorded answer to one of the page's messages, or null (the page gets no answer, as from a busy server). */
function answer(message) {
  const reply = (body) => (message.id === undefined ? body : { ...body, id: message.id });
  if (message.type === "lesson") return reply(recorded.lesson);
  if (message.type === "explain") {
    const own = ["x", "y", "lr"].some((key) => message[key] !== undefined);
    return reply(own ? { type: "error", message: OWN_NUMBERS, field: "", about: "explain" } : recorded.explanation);
  }
  return null;
}

/** What the page uses of a WebSocket: open, send, message events and the state constants. */
class ReplaySocket extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;

  constructor(url) {
    super();
    this.url = url;
    this.readyState = ReplaySocket.CONNECTING;
    this.binaryType = "blob";
    setTimeout(() => {
      this.readyState = ReplaySocket.OPEN;
      this.dispatchEvent(new Event("open"));
      const status = document.getElementById("connection");
      if (status) status.textContent = OFFLINE;
    }, 0);
  }

  send(text) {
    const reply = answer(JSON.parse(text));
    if (reply) setTimeout(() => this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(reply) })), 0);
  }

  close() {
    this.readyState = ReplaySocket.CLOSED;
  }
}

window.WebSocket = ReplaySocket;

// a link to a server tab opens the Lesson (the page reads the tab from the URL's fragment when it starts)
const params = new URLSearchParams(location.hash.slice(1));
if (SERVER_TABS.includes(params.get("tab"))) {
  params.set("tab", "lesson");
  history.replaceState(null, "", `#${params}`);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const tab of SERVER_TABS) {
    const button = document.querySelector(`[data-tab="${tab}"]`);
    if (button) button.hidden = true;
  }
  // the tabs left are numbered again, 1, 2, ... ("4 · Backprop" becomes "2 · Backprop")
  [...document.querySelectorAll("[data-tab]")].filter((button) => !button.hidden).forEach((button, i) => {
    button.textContent = button.textContent.replace(/^\d+(?=\s*·)/, String(i + 1));
  });
  // the Backprop tab explains the recorded network and point: its x, y and rate fields show them, read-only
  for (const id of ["bp-x", "bp-y", "bp-lr"]) {
    const input = document.getElementById(id);
    if (input) { input.readOnly = true; input.title = OWN_NUMBERS; }
  }
  const explanation = recorded.explanation;
  // after the tab's heading and its introduction (whatever element that is), else at the tab's top
  const heading = document.querySelector("#backprop h2");
  const section = document.getElementById("backprop");
  if (section && explanation) {
    const note = document.createElement("p");
    note.className = "hint";
    note.dataset.testid = "site-backprop-note";
    const point = (values) => values.map((v) => +Number(v).toPrecision(4)).join(", ");
    note.textContent = `In this saved copy: the playground's default network (${explanation.sizes.join("-")}, ` +
      `${explanation.activations.join(" then ")}) at the first point of its default data, x = ${point(explanation.x)}, ` +
      `y = ${point(explanation.y)}. To explain your own network or numbers, run \`neuronlab play\`.`;
    if (heading) (heading.nextElementSibling || heading).after(note);
    else section.prepend(note);
  }
});
