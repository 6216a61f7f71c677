/**
 * `explore`: a local web page over a results folder. Click a point of a
 * neuron map to see the neuron (shape, voxels, reconstruction, nearest
 * neighbours), a point of a synapse map to see its crop slice by slice, and
 * run the synapse pipeline again with other settings from the page.
 */
import { spawn } from "node:child_process";
import { command, EXIT, listenForStop, main } from "../lib/cli";
import { initEngine } from "../lib/engine";
import { startExplorer } from "../lib/explore";

/** The system's own "open this URL" program. */
function openBrowser(url: string): void {
  const [cmd, ...args] =
    process.platform === "darwin" ? ["open"] : process.platform === "win32" ? ["cmd", "/c", "start", ""] : ["xdg-open"];
  const child = spawn(cmd, [...args, url], { stdio: "ignore", detached: true });
  child.on("error", (e) => {
    console.error(`could not open a browser (${e.message}); open the URL above yourself`);
  });
  child.unref();
}

export const exploreCommand = command({
  name: "explore",
  summary: "an interactive page over a results folder: neuron and synapse maps, the neuron or synapse behind a point, new synapse runs",
  description:
    "Serves a page on 127.0.0.1 only, at a URL with an unguessable token (printed on stdout; other hosts, other origins and requests\n" +
    "without the token are refused). It reads what the CLIs, the demo and the notebooks wrote under --results: embedding tables and\n" +
    "map files (t-SNE/UMAP maps are computed on request when none is written), training runs, the dataset, synapse runs and their EM\n" +
    "data. Synapse runs started from the page write where `npm run synapse` would, reusing features already computed. Works offline.\n" +
    "Ctrl-C stops it (a running job stops at its next safe point; what it did is kept).",
  options: {
    results: { type: "string", placeholder: "dir", description: "the results folder to explore", default: "results" },
    data: {
      type: "string",
      placeholder: "dataset dir",
      description: "the neuron dataset (default: the one under --results, e.g. data/neurons)",
    },
    synapses: {
      type: "string",
      placeholder: "EM dir",
      description: "the EM data of the synapses (default: the one under --results, e.g. data/synapses)",
    },
    port: { type: "integer", description: "port on 127.0.0.1 (0: any free port)", default: 0, min: 0 },
    weights: {
      type: "string",
      placeholder: "vgg3d.pth",
      description: "pretrained VGG3D for synapse runs started from the page (default: random weights, said on the page)",
    },
    open: { type: "boolean", description: "open the page in the default browser" },
  },
  examples: [
    "npm run explore",
    "npm run explore -- --results quick --open",
    "npm run explore -- --results results --synapses /data/em --weights vgg3d.pth --port 8765",
  ],
  async run({ values, name }) {
    const engine = await initEngine({ quiet: true });
    console.error(engine.message);
    const explorer = await startExplorer({
      results: values.results,
      data: values.data,
      synapses: values.synapses,
      port: values.port,
      weights: values.weights,
    });
    console.log(explorer.url);
    console.error(`${name}: serving ${values.results} on 127.0.0.1:${explorer.port}; Ctrl-C stops`);
    if (values.open) openBrowser(explorer.url);
    const stop = listenForStop(name, "the server (a running job stops at its next safe point)");
    try {
      while (!stop.requested) await new Promise((r) => setTimeout(r, 200));
      await explorer.close();
    } finally {
      stop.release();
    }
    return explorer.interruptedWork ? EXIT.stopped : EXIT.done;
  },
});

if (require.main === module) main(exploreCommand);
