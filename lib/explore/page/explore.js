// The explorer page: maps of neurons and synapses, and what lies behind a
// point. Every figure comes from the server as a Plotly figure built by the
// workbench's lib/viz; this module only fetches, draws and reacts. URLs are
// relative, so the session token in the page's path comes along.
/* global Plotly */

const $ = (id) => document.getElementById(id);

const state = {
  catalogue: null,
  jobs: new Map(),
  neurons: {
    source: null,
    map: null,
    colour: null,
    view: null,
    selected: null,
    shape: null,
    grid: null,
    run: null,
    threshold: null,
    selection: [],
    pendingJob: null,
    seq: 0,
  },
  synapses: { run: null, colour: "cluster", view: null, selected: null, strip: null, seq: 0 },
};

// ---------------------------------------------------------------- helpers

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) q.set(k, String(v));
  return q.toString();
}

async function api(path, params = {}, init = undefined) {
  const res = await fetch(`api/${path}${Object.keys(params).length ? `?${query(params)}` : ""}`, init);
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).error ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new Error(message);
  }
  return res;
}

const getJson = async (path, params) => (await api(path, params)).json();
const postJson = (path, body) =>
  api(path, {}, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

let toastTimer = 0;
function toast(message) {
  const t = $("toast");
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 6000);
}

/** Runs an async action; a failure shows as a message instead of vanishing. */
function guard(fn) {
  return (...args) => fn(...args).catch((e) => toast(e.message));
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(e.dataset, v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function fillSelect(select, options, value) {
  select.replaceChildren(...options.map((o) => el("option", { value: o.value }, o.label)));
  if (value !== undefined && options.some((o) => o.value === value)) select.value = value;
  return select.value;
}

function debounce(fn, ms) {
  let t = 0;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

function placeholder(plot, text) {
  Plotly.purge(plot);
  // purge drops the plot's event handlers too: the next draw wires them again.
  delete plot.dataset.wired;
  plot.replaceChildren(el("div", { class: "placeholder" }, text));
}

/** Draws a lib/viz figure filling its box; `keep` keeps zoom and camera across redraws of the same view. */
function draw(plot, figure, extraTraces = [], keep = undefined, layoutExtra = {}) {
  plot.querySelector(".placeholder")?.remove();
  const layout = { ...figure.layout, ...layoutExtra, autosize: true, uirevision: keep };
  delete layout.width;
  delete layout.height;
  return Plotly.react(plot, [...figure.data, ...extraTraces], layout, { ...(figure.config ?? {}), displaylogo: false, responsive: true });
}

// ---------------------------------------------------------------- jobs

function showJobs() {
  const active = [...state.jobs.values()].filter((j) => j.state === "running" || j.state === "queued");
  const bar = $("job");
  if (active.length === 0) {
    bar.hidden = true;
    return;
  }
  const j = active[0];
  bar.hidden = false;
  bar.dataset.job = String(j.id);
  const p = j.progress;
  $("job-title").textContent = `${j.title}${p && p.label ? ` — ${p.label}` : ""}`;
  $("job-title").title = $("job-title").textContent;
  $("job-count").textContent =
    `${p && p.total > 0 ? `${p.done}/${p.total}` : ""}${active.length > 1 ? ` (+${active.length - 1} waiting)` : ""}`;
  const progress = $("job-progress");
  if (p && p.total > 0) progress.value = p.done / p.total;
  else progress.removeAttribute("value");
}

function onJob(job) {
  const before = state.jobs.get(job.id);
  state.jobs.set(job.id, job);
  showJobs();
  const ended = job.state === "done" || job.state === "failed" || job.state === "stopped";
  if (!ended || (before && before.state === job.state)) return;
  if (job.state === "failed") toast(`${job.title}: ${job.message}`);
  if (job.kind === "neuron-map" && state.neurons.pendingJob === job.id) {
    state.neurons.pendingJob = null;
    if (job.state === "done")
      guard(async () => {
        // The map menu says which maps are computed already.
        state.catalogue = await getJson("catalogue");
        showNeuronMaps();
        await loadNeuronMap();
      })();
    else placeholder($("n-map-plot"), `${job.title}: ${job.message}`);
  }
  if (job.kind === "synapse-run") guard(afterSynapseRun)(job);
}

function listenToJobs() {
  const source = new EventSource("api/events");
  source.onmessage = (e) => onJob(JSON.parse(e.data));
}

$("job-stop").addEventListener(
  "click",
  guard(async () => {
    await postJson("jobs/stop", { id: Number($("job").dataset.job) });
  }),
);

// ---------------------------------------------------------------- neurons: map

function neuronSource() {
  return state.catalogue.neurons.find((s) => s.key === state.neurons.source) ?? null;
}

function showNeuronSources() {
  const sources = state.catalogue.neurons;
  const n = state.neurons;
  if (sources.length === 0) {
    placeholder($("n-map-plot"), "No embedding table or map file under the results. `npm run embed` writes tables, `npm run maps` maps.");
    return false;
  }
  n.source = fillSelect(
    $("n-source"),
    sources.map((s) => ({ value: s.key, label: s.label })),
    n.source ?? undefined,
  );
  showNeuronMaps();
  return true;
}

function showNeuronMaps() {
  const s = neuronSource();
  const n = state.neurons;
  // A map file first: it is what `npm run maps` wrote, no waiting.
  const preferred = n.map ?? s.maps[0]?.key;
  n.map = fillSelect(
    $("n-map"),
    s.maps.map((m) => ({ value: m.key, label: m.label })),
    preferred,
  );
}

async function loadNeuronMap() {
  const n = state.neurons;
  const seq = ++n.seq;
  const plot = $("n-map-plot");
  const r = await getJson("neurons/map", { source: n.source, map: n.map, colour: n.colour });
  if (seq !== n.seq) return;
  if (r.pending) {
    n.pendingJob = r.pending.id;
    onJob(r.pending);
    placeholder(plot, `Computing ${$("n-map").selectedOptions[0]?.textContent ?? "the map"}… (the bar at the top shows how far)`);
    $("n-map-note").textContent = "";
    return;
  }
  n.view = r;
  n.colour = r.colour;
  n.index = new Map(r.ids.map((id, i) => [id, i]));
  fillSelect(
    $("n-colour"),
    r.columns.map((c) => ({ value: c.name, label: `${c.name}${c.kind === "continuous" ? " (continuous)" : ""}` })),
    r.colour,
  );
  $("n-map-note").textContent =
    `${r.note}. ${r.dims === 2 ? "Drag to lasso a group (the lasso and box tools are in the bar above the map); scroll to zoom; double-click to see all." : "Drag to turn; scroll to zoom."}`;
  setSelection([]);
  drawNeuronMap();
}

function drawNeuronMap() {
  const n = state.neurons;
  const v = n.view;
  if (!v) return;
  const plot = $("n-map-plot");
  const extra = n.selected && n.index.has(n.selected) ? markerTraceFor(v, n.selected, v.dims, n.index) : [];
  // Room at the top for Plotly's tool bar, which would cover the legend's title.
  const margin = { ...v.figure.layout.margin, t: 36 };
  draw(plot, v.figure, extra, `${v.source}|${v.map}`, v.dims === 2 ? { dragmode: "lasso", margin } : { margin }).then(() => {
    if (plot.dataset.wired) return;
    plot.dataset.wired = "1";
    plot.on("plotly_click", (e) => {
      const id = pointId(e.points[0]);
      if (id) guard(selectNeuron)(id);
    });
    plot.on("plotly_selected", (e) => setSelection(e ? [...new Set(e.points.map(pointId).filter(Boolean))] : []));
    plot.on("plotly_deselect", () => setSelection([]));
  });
}

function markerTraceFor(view, id, dims, index) {
  const i = index.get(id);
  const at = (d) => [view.coords[i * dims + d]];
  const t = {
    type: dims === 3 ? "scatter3d" : "scatter",
    mode: "markers",
    name: "chosen",
    x: at(0),
    y: at(1),
    // Open symbols are stroked in the marker colour.
    marker: { size: dims === 3 ? 10 : 20, color: "#111111", line: { color: "#111111", width: 3 }, symbol: "circle-open" },
    hoverinfo: "skip",
    showlegend: false,
  };
  if (dims === 3) t.z = at(2);
  return [t];
}

/** The id behind a clicked or selected point (the ring marking the chosen point has none). */
function pointId(p) {
  if (!p || p.data.name === "chosen") return null;
  return p.customdata ?? p.text ?? null;
}

function setSelection(ids) {
  state.neurons.selection = ids;
  const b = $("n-export");
  b.disabled = ids.length === 0;
  b.textContent = ids.length ? `Export ${ids.length} selected as CSV` : "Export selection";
}

$("n-export").addEventListener(
  "click",
  guard(async () => {
    const n = state.neurons;
    const res = await postJson("neurons/selection", { source: n.source, ids: n.selection });
    const blob = await res.blob();
    const a = el("a", { href: URL.createObjectURL(blob), download: `selection-${n.selection.length}-neurons.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }),
);

$("n-source").addEventListener(
  "change",
  guard(async (e) => {
    state.neurons.source = e.target.value;
    state.neurons.map = null;
    showNeuronMaps();
    await loadNeuronMap();
  }),
);
$("n-map").addEventListener(
  "change",
  guard(async (e) => {
    state.neurons.map = e.target.value;
    await loadNeuronMap();
  }),
);
$("n-colour").addEventListener(
  "change",
  guard(async (e) => {
    state.neurons.colour = e.target.value;
    await loadNeuronMap();
  }),
);

$("n-search-input").addEventListener("input", (e) => {
  const text = e.target.value.trim().toLowerCase();
  const ids = state.neurons.view?.ids ?? [];
  const hits = text ? ids.filter((id) => id.toLowerCase().includes(text)).slice(0, 20) : [];
  $("n-ids").replaceChildren(...hits.map((id) => el("option", { value: id })));
});
$("n-search").addEventListener(
  "submit",
  guard(async (e) => {
    e.preventDefault();
    const text = $("n-search-input").value.trim();
    const ids = state.neurons.view?.ids ?? [];
    const id = ids.find((x) => x === text) ?? ids.find((x) => x.toLowerCase().includes(text.toLowerCase()));
    if (!text) return;
    if (!id) throw new Error(`no neuron matches "${text}" in this map`);
    await selectNeuron(id);
  }),
);

// ---------------------------------------------------------------- neurons: detail

async function selectNeuron(id) {
  const n = state.neurons;
  n.selected = id;
  drawNeuronMap();
  const info = await getJson("neurons/neuron", { source: n.source, id });
  if (n.selected !== id) return;
  n.info = info;
  $("n-empty").hidden = true;
  $("n-content").hidden = false;
  $("n-id").textContent = id;
  $("n-labels").replaceChildren(
    ...info.labels.filter((l) => l.value !== "").map((l) => el("span", { class: "chip" }, el("b", {}, l.name), l.value)),
  );
  const neighbours = $("n-neighbours");
  if (info.neighbours === null) neighbours.replaceChildren(el("li", { class: "hint" }, "—"));
  else
    neighbours.replaceChildren(
      ...info.neighbours.map((nb, r) =>
        el(
          "li",
          {},
          el(
            "button",
            {
              type: "button",
              dataset: { id: nb.id },
              onclick: guard(() => selectNeuron(nb.id)),
              title: `distance ${nb.distance.toFixed(4)}`,
            },
            el("span", { class: "rank" }, String(r + 1)),
            el("span", { class: "nid" }, nb.id),
            el("span", { class: "dist" }, `d ${nb.distance.toFixed(2)}`),
            el("span", { class: "meta" }, Object.values(nb.labels).filter(Boolean).join(" · ") || " "),
          ),
        ),
      ),
    );
  $("n-notes").replaceChildren(...info.notes.map((t) => el("li", {}, t)));
  n.shape = info.shapes.includes(n.shape) ? n.shape : (info.shapes[0] ?? null);
  n.grid = info.grids.includes(n.grid) ? n.grid : (info.grids[0] ?? null);
  const run = info.runs.find((r) => r.key === n.run) ?? info.runs[0] ?? null;
  if (!run || run.key !== n.run) n.threshold = run ? run.threshold : null;
  n.run = run ? run.key : null;
  const views = { shape: info.shapes.length > 0, voxels: info.grids.length > 0, reconstruction: info.runs.length > 0 };
  for (const b of $("n-views").querySelectorAll("button")) b.disabled = !views[b.dataset.view];
  if (!n.detailView || !views[n.detailView]) n.detailView = Object.keys(views).find((v) => views[v]) ?? "shape";
  await showNeuronView();
}

function segmented(options, value, onPick) {
  return el(
    "span",
    { class: "segmented" },
    ...options.map((o) =>
      el("button", { type: "button", class: o.value === value ? "active" : "", onclick: () => onPick(o.value) }, o.label),
    ),
  );
}

async function showNeuronView() {
  const n = state.neurons;
  const info = n.info;
  const plot = $("n-view-plot");
  const controls = $("n-view-controls");
  for (const b of $("n-views").querySelectorAll("button")) b.classList.toggle("active", b.dataset.view === n.detailView);
  const id = info.id;
  const available = { shape: info.shapes.length, voxels: info.grids.length, reconstruction: info.runs.length };
  if (!available[n.detailView]) {
    controls.replaceChildren();
    placeholder(plot, "Nothing to draw for this neuron (see the notes below).");
    return;
  }
  placeholder(plot, "Loading…");
  const seq = ++n.seq;
  if (n.detailView === "shape") {
    controls.replaceChildren(
      segmented(
        info.shapes.map((s) => ({ value: s, label: s === "skeleton" ? "Skeleton" : "Point cloud" })),
        n.shape,
        (s) => ((n.shape = s), guard(showNeuronView)()),
      ),
    );
    const fig = await getJson("neurons/shape", { id, kind: n.shape });
    if (seq === n.seq) await draw(plot, fig, [], `shape|${id}|${n.shape}`, { title: undefined });
  } else if (n.detailView === "voxels") {
    controls.replaceChildren(
      segmented(
        info.grids.map((g) => ({ value: g, label: `${g}³` })),
        n.grid,
        (g) => ((n.grid = g), guard(showNeuronView)()),
      ),
    );
    const fig = await getJson("neurons/voxels", { id, grid: n.grid });
    if (seq === n.seq) await draw(plot, fig, [], `voxels|${id}|${n.grid}`, { title: undefined });
  } else {
    const runSelect = el("select", { "aria-label": "run" });
    fillSelect(
      runSelect,
      info.runs.map((r) => ({ value: r.key, label: `${r.name} (${r.grid}³)` })),
      n.run,
    );
    runSelect.addEventListener("change", () => {
      n.run = runSelect.value;
      n.threshold = info.runs.find((r) => r.key === n.run).threshold;
      guard(showNeuronView)();
    });
    const slider = el("input", {
      type: "range",
      min: "0.05",
      max: "0.95",
      step: "0.01",
      value: String(n.threshold),
      "aria-label": "threshold",
      id: "n-threshold",
    });
    const shown = el("output", {}, n.threshold.toFixed(2));
    const scores = el("span", { class: "scores", id: "n-scores" });
    const redraw = debounce(() => guard(drawReconstruction)(scores), 120);
    slider.addEventListener("input", () => {
      n.threshold = Number(slider.value);
      shown.textContent = n.threshold.toFixed(2);
      redraw();
    });
    controls.replaceChildren(runSelect, el("label", { class: "hint" }, "threshold ", slider, " ", shown), scores);
    await drawReconstruction(scores, seq);
  }
}

async function drawReconstruction(scores, seq = ++state.neurons.seq) {
  const n = state.neurons;
  const plot = $("n-view-plot");
  const r = await getJson("neurons/reconstruction", { id: n.info.id, run: n.run, threshold: n.threshold });
  if (seq !== n.seq) return;
  scores.replaceChildren(el("span", {}, "F1 ", el("b", {}, r.f1.toFixed(3))), el("span", {}, "IoU ", el("b", {}, r.iou.toFixed(3))));
  await draw(plot, r.figure, [], `reconstruction|${n.info.id}|${n.run}`, { title: undefined });
}

$("n-views").addEventListener("click", (e) => {
  const b = e.target.closest("button");
  if (!b || b.disabled) return;
  state.neurons.detailView = b.dataset.view;
  guard(showNeuronView)();
});

// ---------------------------------------------------------------- synapses: map

function synapseRun() {
  return state.catalogue.synapses.runs.find((r) => r.key === state.synapses.run) ?? null;
}

function showSynapseRuns() {
  const s = state.synapses;
  const syn = state.catalogue.synapses;
  const runs = syn.runs;
  fillSelect(
    $("s-seg"),
    syn.segmentationTypes.map((t) => ({ value: String(t.value), label: `${t.value}: ${t.name}` })),
    $("s-seg").value || "10",
  );
  $("s-network-warning").textContent = syn.network.warning
    ? `The VGG3D of new runs: ${syn.network.warning}`
    : `The VGG3D of new runs: ${syn.network.weights}.`;
  if (syn.emData.length === 0) {
    $("s-rerun-go").disabled = true;
    $("s-rerun-note").textContent =
      "No EM data (raw/bbox…) found under the results: start the explorer with --synapses <EM dir> to run the pipeline from here.";
  } else {
    $("s-rerun-go").disabled = false;
    updateRerunNote();
  }
  if (runs.length === 0) {
    placeholder(
      $("s-map-plot"),
      "No synapse runs (clusters_seg…_alpha….csv) under the results yet. Choose the settings below to make one.",
    );
    $("s-run").replaceChildren();
    return false;
  }
  s.run = fillSelect(
    $("s-run"),
    runs.map((r) => ({ value: r.key, label: r.label })),
    s.run ?? undefined,
  );
  const run = synapseRun();
  $("s-seg").value = String(run.segType);
  $("s-alpha").value = String(run.alpha);
  $("s-alpha-value").textContent = run.alpha.toFixed(1);
  $("s-k").value = String(run.k);
  updateRerunNote();
  return true;
}

function updateRerunNote() {
  const seg = Number($("s-seg").value);
  const alpha = Number($("s-alpha").value);
  const run = synapseRun();
  // A new run writes beside the chosen one: its folder's features are the ones read back.
  const dir = run ? run.key.split("/").slice(0, -1).join("/") || "." : null;
  const have = state.catalogue.synapses.features.find(
    (f) => f.segType === seg && Math.abs(f.alpha - alpha) < 1e-9 && (dir === null || f.dir === dir),
  );
  $("s-rerun-note").textContent = have
    ? `${have.key} holds the features of ${have.synapses} synapses already: they are read back, any others computed, then the clustering runs.`
    : "New features: every synapse goes through VGG3D (seconds each on a CPU).";
}

async function loadSynapseMap() {
  const s = state.synapses;
  if (!s.run) return;
  const seq = ++s.seq;
  const r = await getJson("synapses/map", { run: s.run, colour: s.colour });
  if (seq !== s.seq) return;
  s.view = r;
  s.colour = r.colour;
  s.index = new Map(r.ids.map((id, i) => [id, i]));
  fillSelect(
    $("s-colour"),
    r.columns.map((c) => ({ value: c.name, label: c.name })),
    r.colour,
  );
  $("s-map-note").textContent = `${r.note}.`;
  drawSynapseMap();
}

function drawSynapseMap() {
  const s = state.synapses;
  const v = s.view;
  if (!v) return;
  const plot = $("s-map-plot");
  const extra = s.selected && s.index.has(s.selected) ? markerTraceFor(v, s.selected, 2, s.index) : [];
  draw(plot, v.figure, extra, v.run, { title: undefined, margin: { ...v.figure.layout.margin, t: 36 } }).then(() => {
    if (plot.dataset.wired) return;
    plot.dataset.wired = "1";
    plot.on("plotly_click", (e) => {
      const id = pointId(e.points[0]);
      if (id) guard(selectSynapse)(id);
    });
  });
}

$("s-run").addEventListener(
  "change",
  guard(async (e) => {
    state.synapses.run = e.target.value;
    state.synapses.selected = null;
    showSynapseRuns();
    hideSynapse();
    await loadSynapseMap();
  }),
);
$("s-colour").addEventListener(
  "change",
  guard(async (e) => {
    state.synapses.colour = e.target.value;
    await loadSynapseMap();
  }),
);
$("s-alpha").addEventListener("input", () => {
  $("s-alpha-value").textContent = Number($("s-alpha").value).toFixed(1);
  updateRerunNote();
});
$("s-seg").addEventListener("change", updateRerunNote);

$("s-rerun").addEventListener(
  "submit",
  guard(async (e) => {
    e.preventDefault();
    const body = {
      segType: Number($("s-seg").value),
      alpha: Number($("s-alpha").value),
      k: Number($("s-k").value),
      besides: state.synapses.run ?? undefined,
    };
    const job = await (await postJson("synapses/run", body)).json();
    onJob(job);
  }),
);

async function afterSynapseRun(job) {
  state.catalogue = await getJson("catalogue");
  if (job.state === "done" && job.result) {
    state.synapses.run = job.result;
    state.synapses.selected = null;
    hideSynapse();
  }
  if (showSynapseRuns()) await loadSynapseMap();
}

// ---------------------------------------------------------------- synapses: detail

function hideSynapse() {
  $("s-empty").hidden = false;
  $("s-content").hidden = true;
}

async function selectSynapse(id) {
  const s = state.synapses;
  s.selected = id;
  drawSynapseMap();
  const info = await getJson("synapses/synapse", { run: s.run, id });
  if (s.selected !== id) return;
  $("s-empty").hidden = true;
  $("s-content").hidden = false;
  $("s-id").textContent = id;
  $("s-cluster").textContent = `cluster ${info.cluster}`;
  $("s-notes").replaceChildren(...info.notes.map((t) => el("li", {}, t)));
  $("s-warnings").replaceChildren(
    ...(info.warnings.length ? info.warnings.map((w) => el("li", {}, w)) : [el("li", { class: "none" }, "No warnings for this synapse.")]),
  );
  $("s-row").replaceChildren(...info.row.map((r) => el("tr", {}, el("td", {}, r.name), el("td", {}, r.value))));
  const gif = $("s-gif");
  $("s-gif-figure").hidden = !info.gif;
  if (info.gif) gif.src = `api/synapses/gif?${query({ run: s.run, id })}`;
  s.slices = info.slices;
  const z = $("s-z");
  if (info.slices) {
    z.max = String(info.slices.count - 1);
    z.value = String(Math.floor(info.slices.count / 2));
    await loadStrip();
  } else {
    s.strip = null;
    const c = $("s-slice").getContext("2d");
    c.clearRect(0, 0, c.canvas.width, c.canvas.height);
    $("s-z-value").textContent = "";
  }
}

/** All z slices in one tall PNG: one request, then the slider only redraws. */
async function loadStrip() {
  const s = state.synapses;
  const img = new Image();
  img.src = `api/synapses/slices.png?${query({ run: s.run, id: s.selected, overlay: $("s-overlay").checked ? 1 : 0 })}`;
  await img.decode();
  s.strip = img;
  drawSlice();
}

function drawSlice() {
  const s = state.synapses;
  if (!s.strip || !s.slices) return;
  const z = Number($("s-z").value);
  const size = s.slices.size;
  const canvas = $("s-slice");
  canvas.width = size;
  canvas.height = size;
  const c = canvas.getContext("2d");
  c.imageSmoothingEnabled = false;
  c.drawImage(s.strip, 0, z * size, size, size, 0, 0, size, size);
  canvas.dataset.z = String(z);
  $("s-z-value").textContent = `${z + 1} / ${s.slices.count}`;
}

$("s-z").addEventListener("input", drawSlice);
$("s-overlay").addEventListener("change", guard(loadStrip));

// ---------------------------------------------------------------- tabs and start

function showTab(name) {
  for (const b of document.querySelectorAll("nav button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const t of document.querySelectorAll(".tab")) t.classList.toggle("active", t.id === name);
  history.replaceState(null, "", `#${name}`);
  // Plots drawn while their tab was hidden have no size yet.
  for (const p of document.querySelectorAll(`#${name} .js-plotly-plot`)) Plotly.Plots.resize(p);
}

for (const b of document.querySelectorAll("nav button")) b.addEventListener("click", () => showTab(b.dataset.tab));

async function start() {
  state.catalogue = await getJson("catalogue");
  const c = state.catalogue;
  $("results").textContent = c.results;
  $("results").title = `results: ${c.results}${c.dataset ? `\ndataset: ${c.dataset.dir} (${c.dataset.neurons} neurons)` : "\nno dataset"}`;
  for (const j of c.jobs) state.jobs.set(j.id, j);
  listenToJobs();
  if (location.hash === "#synapses") showTab("synapses");
  const loads = [];
  if (showNeuronSources()) loads.push(loadNeuronMap());
  if (showSynapseRuns()) loads.push(loadSynapseMap());
  await Promise.all(loads);
  document.body.dataset.ready = "1";
}

guard(start)();
