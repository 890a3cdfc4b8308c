// The notebook widgets' front end (anywidget: export default { render({ model, el, host }) }): each widget's own
// module, kept small, since a notebook saved with its widgets' state keeps one copy of it per widget. The views
// (widget-views.js) and the page's drawing modules they import (draw.js, pair.js, ...) come as text, once per
// kernel: in the model that "_drawing" names (widgets._Drawing), or in a message when the host cannot reach
// that model. They are imported here unchanged, from blob URLs.

const ENTRY = "widget-views.js";  // widgets._drawing_modules() sends it and every module it imports
const REFERENCE = "anywidget:";  // how anywidget names another widget's model: anywidget:<model id>

/** The drawing modules' texts: from the kernel's shared model, else asked for in a message. */
async function drawingTexts(model, host) {
  const reference = model.get("_drawing");
  if (reference && reference.startsWith(REFERENCE)) {
    try {
      const shared = host && host.getModel ? await host.getModel(reference)
        : await model.widget_manager.get_model(reference.slice(REFERENCE.length));
      const modules = shared && shared.get("modules");
      if (modules && Object.keys(modules).length) return modules;
    } catch { /* a host that cannot reach other models: ask the kernel */ }
  }
  return new Promise((resolve) => {
    const answer = (message) => {
      if (!message || !message.modules) return;
      model.off("msg:custom", answer);
      resolve(message.modules);
    };
    model.on("msg:custom", answer);
    model.send({ action: "modules" });
  });
}

/** Import the views (and every module they import by "./name.js") from the texts the kernel sent. */
async function loadViews(model, host) {
  const texts = { ...(await drawingTexts(model, host)) };
  const urls = {};
  const imports = (text) => [...text.matchAll(/from\s+["']\.\/([\w.-]+\.js)["']/g)].map((m) => m[1]);
  while (!urls[ENTRY]) {
    const ready = Object.keys(texts).filter((name) => !urls[name] && imports(texts[name]).every((dep) => urls[dep]));
    if (!ready.length) throw new Error("neuronlab widgets: a drawing module is missing, or they import each other in a circle");
    for (const name of ready) {
      const text = texts[name].replace(/(from\s+["'])\.\/([\w.-]+\.js)(["'])/g, (_, a, dep, b) => a + urls[dep] + b);
      urls[name] = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
    }
  }
  return import(urls[ENTRY]);
}

async function render({ model, el, host }) {
  const views = await loadViews(model, host);
  return views.render({ model, el });
}

export default { render };

