import { plotlyVersion, THEME } from "../viz";

/**
 * The explorer's one page. Everything it loads comes from the server that
 * served it (relative URLs, so the token in the path comes along): plotly.js
 * from the workbench's own node_modules and explore.js, the module that
 * drives the page; the page works with no network at all.
 */
const STYLE = `
:root{--accent:${THEME.categorical[0]};--accent-soft:#e6f1f8;--ink:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f5f7fa;--card:#fff;--warn:#b44d12;--warn-soft:#fff4e5;--ok:${THEME.categorical[2]}}
*{box-sizing:border-box}
[hidden]{display:none!important}
html,body{margin:0;height:100%}
body{font:14px/1.45 ${THEME.font.family};color:var(--ink);background:var(--bg);display:flex;flex-direction:column}
header{display:flex;align-items:center;gap:20px;padding:0 20px;height:52px;background:#1f2933;color:#fff;flex:none}
header h1{font-size:16px;font-weight:600;margin:0;white-space:nowrap}
header h1 span{font-weight:400;color:#9aa5b1}
nav{display:flex;gap:4px}
nav button{background:none;border:0;color:#cbd2d9;font:inherit;padding:6px 14px;border-radius:6px;cursor:pointer}
nav button:hover{background:#323f4b;color:#fff}
nav button.active{background:var(--accent);color:#fff}
#results{margin-left:auto;color:#9aa5b1;font-size:12px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;max-width:40vw}
#job{display:flex;align-items:center;gap:10px;min-width:0}
#job[hidden]{display:none}
#job-title{font-size:12px;color:#e4e7eb;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:30vw}
#job-count{font-size:12px;color:#fff;font-variant-numeric:tabular-nums;white-space:nowrap}
#job progress{width:160px;height:8px;accent-color:var(--accent)}
#job button{font-size:12px;padding:3px 10px}
main{flex:1;min-height:0;padding:14px;overflow:hidden}
.tab{display:none;gap:14px;grid-template-columns:minmax(420px,1.15fr) minmax(380px,1fr);height:100%}
.tab.active{display:grid}
/* Each panel scrolls on its own, so the map stays in view while the detail is read. */
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;min-width:0;min-height:0;display:flex;flex-direction:column;overflow:auto}
.controls{display:flex;flex-wrap:wrap;gap:10px 14px;align-items:flex-end;margin-bottom:8px}
.controls label,.rerun label{display:flex;flex-direction:column;font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);gap:3px}
select,input,button{font:inherit;font-size:13px}
select,input[type=search],input[type=number]{border:1px solid #cbd2d9;border-radius:6px;padding:5px 8px;background:#fff;color:var(--ink);max-width:440px}
select:focus,input:focus{outline:2px solid var(--accent-soft);border-color:var(--accent)}
button{border:1px solid #cbd2d9;background:#fff;border-radius:6px;padding:5px 12px;cursor:pointer;color:var(--ink)}
button:hover:not(:disabled){border-color:var(--accent);color:var(--accent)}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
button.primary:hover:not(:disabled){filter:brightness(1.1);color:#fff}
button:disabled{opacity:.45;cursor:default}
.plot{flex:1;min-height:420px;position:relative}
.plot.detail{min-height:440px;flex:none;height:460px}
.plot .placeholder{position:absolute;inset:0;display:flex;align-items:center;justify-content:center;color:var(--muted);text-align:center;padding:20px}
.note{color:var(--muted);font-size:12px;margin:6px 0 0}
.hint{color:var(--muted);font-size:12px}
.empty{flex:1;display:flex;align-items:center;justify-content:center;color:var(--muted);text-align:center;padding:40px;font-size:15px}
.detail-head{display:flex;align-items:baseline;gap:12px;flex-wrap:wrap}
.detail-head h2{margin:0;font-size:20px;font-weight:600;word-break:break-all}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0 10px}
.chip{background:var(--accent-soft);color:#0b4f7c;border-radius:999px;padding:2px 10px;font-size:12px;white-space:nowrap}
.chip b{font-weight:600;margin-right:4px;color:#486581}
.segmented{display:inline-flex;border:1px solid #cbd2d9;border-radius:7px;overflow:hidden}
.segmented button{border:0;border-radius:0;border-right:1px solid #cbd2d9}
.segmented button:last-child{border-right:0}
.segmented button.active{background:var(--accent);color:#fff}
.view-bar{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:center;margin:4px 0 6px;min-height:34px}
.scores{display:flex;gap:14px;font-variant-numeric:tabular-nums}
.scores b{font-size:16px}
input[type=range]{accent-color:var(--accent);vertical-align:middle}
h3{font-size:13px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:16px 0 6px}
ol.neighbours{margin:0;padding:0;list-style:none;display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:6px}
ol.neighbours li button{width:100%;text-align:left;display:grid;grid-template-columns:18px 1fr auto;column-gap:6px;padding:5px 10px}
ol.neighbours .rank{color:var(--muted);font-size:11px;grid-row:span 2;align-self:center}
ol.neighbours .nid{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
ol.neighbours .dist{color:var(--muted);font-size:11px;font-variant-numeric:tabular-nums}
ol.neighbours .meta{grid-column:2/4;color:var(--muted);font-size:11px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
ul.notes{margin:10px 0 0;padding-left:18px;color:var(--muted);font-size:12px}
ul.warnings{margin:0;padding:0;list-style:none}
ul.warnings li{background:var(--warn-soft);color:var(--warn);border-radius:6px;padding:5px 10px;margin-bottom:4px;font-size:12px}
ul.warnings li.none{background:#effcf6;color:#1d6f42}
table.row{border-collapse:collapse;width:100%;font-size:12px;font-variant-numeric:tabular-nums}
table.row td{border-bottom:1px solid var(--line);padding:3px 8px}
table.row td:first-child{color:var(--muted);width:45%}
.synapse-views{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
.synapse-views figure{margin:0}
.synapse-views figcaption{font-size:12px;color:var(--muted);margin-top:4px}
canvas#s-slice{width:320px;height:320px;image-rendering:pixelated;border-radius:6px;background:#000;display:block}
img#s-gif{width:160px;height:160px;image-rendering:pixelated;border-radius:6px;background:#000;display:block}
.slice-bar{display:flex;gap:14px;align-items:center;margin-top:6px;font-size:12px}
.rerun{margin-top:12px;border-top:1px solid var(--line);padding-top:10px;display:flex;flex-wrap:wrap;gap:10px 14px;align-items:flex-end}
.rerun h3{width:100%;margin:0}
.rerun .warning{width:100%;margin:0;color:var(--warn);font-size:12px}
.rerun .note{width:100%}
.symbol{text-transform:none}
output{font-variant-numeric:tabular-nums;font-size:13px;color:var(--ink);text-transform:none;letter-spacing:0}
#toast{position:fixed;bottom:18px;left:50%;transform:translateX(-50%);background:#8a1c1c;color:#fff;padding:9px 16px;border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.2);max-width:80vw;font-size:13px}
#toast[hidden]{display:none}
@media (max-width:980px){main{overflow:auto}.tab.active{display:flex;flex-direction:column;height:auto}.panel{overflow:visible}}
`;

const BODY = `
<header>
  <h1>Neuro workbench <span>explorer</span></h1>
  <nav><button data-tab="neurons" class="active">Neurons</button><button data-tab="synapses">Synapses</button></nav>
  <div id="job" hidden><span id="job-title"></span><span id="job-count"></span><progress id="job-progress" max="1" value="0"></progress><button id="job-stop" type="button">Stop</button></div>
  <div id="results"></div>
</header>
<main>
<section id="neurons" class="tab active">
  <div class="panel">
    <div class="controls">
      <label>Embedding<select id="n-source"></select></label>
      <label>Map<select id="n-map"></select></label>
      <label>Colour by<select id="n-colour"></select></label>
      <form id="n-search"><label>Find a neuron<input id="n-search-input" type="search" list="n-ids" placeholder="id…" autocomplete="off"></label><datalist id="n-ids"></datalist></form>
      <button id="n-export" type="button" disabled>Export selection</button>
    </div>
    <div id="n-map-plot" class="plot"><div class="placeholder">Loading…</div></div>
    <p id="n-map-note" class="note"></p>
  </div>
  <div class="panel" id="n-detail">
    <div class="empty" id="n-empty">Click a point on the map, or find a neuron by its id.</div>
    <div id="n-content" hidden>
      <div class="detail-head"><h2 id="n-id"></h2></div>
      <div id="n-labels" class="chips"></div>
      <div class="view-bar">
        <div class="segmented" id="n-views"><button data-view="shape">3-D shape</button><button data-view="voxels">Voxels</button><button data-view="reconstruction">Reconstruction</button></div>
        <span id="n-view-controls"></span>
      </div>
      <div id="n-view-plot" class="plot detail"></div>
      <h3>Nearest neighbours in embedding space</h3>
      <ol id="n-neighbours" class="neighbours"></ol>
      <ul id="n-notes" class="notes"></ul>
    </div>
  </div>
</section>
<section id="synapses" class="tab">
  <div class="panel">
    <div class="controls">
      <label>Run<select id="s-run"></select></label>
      <label>Colour by<select id="s-colour"></select></label>
    </div>
    <div id="s-map-plot" class="plot"><div class="placeholder">Loading…</div></div>
    <p id="s-map-note" class="note"></p>
    <form id="s-rerun" class="rerun">
      <h3>Run the pipeline with other settings</h3>
      <label>Segmentation type<select id="s-seg"></select></label>
      <label><span>Blending <span class="symbol">α</span></span><span><input id="s-alpha" type="range" min="0" max="1" step="0.1" value="1"> <output id="s-alpha-value">1.0</output></span></label>
      <label><span>Clusters <span class="symbol">k</span></span><input id="s-k" type="number" min="2" max="50" step="1" value="10"></label>
      <button id="s-rerun-go" class="primary" type="submit">Compute features and clusters</button>
      <p class="note" id="s-rerun-note"></p>
      <p class="warning" id="s-network-warning"></p>
    </form>
  </div>
  <div class="panel" id="s-detail">
    <div class="empty" id="s-empty">Click a synapse on the map.</div>
    <div id="s-content" hidden>
      <div class="detail-head"><h2 id="s-id"></h2><span id="s-cluster" class="chip"></span></div>
      <div class="synapse-views">
        <figure>
          <canvas id="s-slice" width="80" height="80"></canvas>
          <div class="slice-bar"><label>z <input id="s-z" type="range" min="0" max="0" value="0"> <output id="s-z-value"></output></label><label><input id="s-overlay" type="checkbox" checked> segmentation overlay</label></div>
        </figure>
        <figure id="s-gif-figure"><img id="s-gif" alt="GIF of the network input"><figcaption>The network input, slice by slice (the pipeline's GIF)</figcaption></figure>
      </div>
      <ul id="s-notes" class="notes"></ul>
      <h3>Warnings</h3>
      <ul id="s-warnings" class="warnings"></ul>
      <h3>Table row</h3>
      <table id="s-row" class="row"></table>
    </div>
  </div>
</section>
</main>
<div id="toast" hidden></div>
`;

export function explorerPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Workbench explorer</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
<script src="plotly.js" data-version="${plotlyVersion()}"></script>
<script type="module" src="explore.js"></script>
</head><body>${BODY}</body></html>
`;
}
