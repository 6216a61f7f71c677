import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { ConfigError, WorkbenchError } from "../core";
import { INFO, MANIFEST, openDataset, type Dataset } from "../dataset";
import type { FeatureNetwork } from "../synapse";
import { SEGMENTATION_TYPES } from "../synapse";
import { plotlyScript } from "../viz";
import { filesVersion } from "./cache";
import { readCatalogue, type Catalogue } from "./catalogue";
import { JobRunner, type JobStatus } from "./jobs";
import { NeuronDetail, selectionCsv } from "./neuron-detail";
import { NeuronMaps } from "./neuron-maps";
import { explorerPage } from "./page";
import { checkRequest, newToken, SECURITY_HEADERS } from "./security";
import { SynapseViews } from "./synapses";

/** Options for startExplorer; every field optional. */
export interface ExploreOptions {
  /** The results folder to explore (default "results"). */
  results?: string;
  /** The neuron dataset (default: the one found under the results, e.g. data/neurons). */
  data?: string;
  /** The EM data of the synapses (default: the one found under the results, e.g. data/synapses). */
  synapses?: string;
  /** Port on 127.0.0.1 (default 0: a free one chosen by the system). */
  port?: number;
  /** Pretrained VGG3D checkpoint for synapse runs started from the page (default: random weights, said on the page). */
  weights?: string;
  /** The feature network itself (tests pass a small stand-in); wins over `weights`. */
  network?: FeatureNetwork;
  /** Where job and error lines go (default stderr). */
  log?: (line: string) => void;
}

export interface Explorer {
  /** The address to open, token included. */
  url: string;
  port: number;
  /** Stops the jobs at their next safe point, closes every connection and frees the models. */
  close(): Promise<void>;
  /** True when a job was stopped before it finished (the CLI's exit code says so). */
  readonly interruptedWork: boolean;
}

type Reply = { type: string; body: string | Uint8Array; filename?: string } | { json: unknown; status?: number };

class HttpError extends WorkbenchError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const PAGE_SCRIPT = path.join(__dirname, "page", "explore.js");
const MAX_BODY = 1 << 20;
const CATALOGUE_SECONDS = 3;

function param(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (v === null || v === "") throw new ConfigError(`missing query parameter "${name}"`);
  return v;
}

function numberParam(q: URLSearchParams, name: string): number {
  const v = Number(param(q, name));
  if (!Number.isFinite(v)) throw new ConfigError(`query parameter "${name}": expected a number; found ${JSON.stringify(q.get(name))}`);
  return v;
}

async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  // A JSON content type also makes a browser ask before any cross-origin POST (which checkRequest refuses).
  if (!(req.headers["content-type"] ?? "").startsWith("application/json"))
    throw new HttpError(415, "expected a JSON body (Content-Type: application/json)");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `request body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new ConfigError("the request body is not valid JSON");
  }
}

/**
 * Serves the explorer page and its JSON API on 127.0.0.1 (see security.ts
 * for who may use it) until close() is called.
 */
export async function startExplorer(options: ExploreOptions = {}): Promise<Explorer> {
  const results = path.resolve(options.results ?? "results");
  if (!fs.existsSync(results))
    throw new ConfigError(`--results ${options.results ?? "results"}: no such folder (run \`npm run demo\` to make one)`);
  for (const [flag, dir] of [
    ["--data", options.data],
    ["--synapses", options.synapses],
  ] as const) {
    if (dir !== undefined && !fs.existsSync(dir)) throw new ConfigError(`${flag} ${dir}: no such folder`);
  }
  if (options.data !== undefined && !fs.existsSync(path.join(options.data, MANIFEST)))
    throw new ConfigError(`--data ${options.data}: not a dataset (no ${MANIFEST})`);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const token = newToken();
  const jobs = new JobRunner((job, e) => {
    log(`job ${job.id} (${job.title}): internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  });
  const maps = new NeuronMaps(jobs);
  const detail = new NeuronDetail();
  const synapses = new SynapseViews(jobs, { network: options.network, weights: options.weights, log });
  // The folder is looked through again at most every few seconds (a slider
  // asks many times a second) and whenever a job has written to it.
  let scanned: { at: number; catalogue: Catalogue } | null = null;
  const catalogue = (): Catalogue => {
    if (!scanned || Date.now() - scanned.at > CATALOGUE_SECONDS * 1000)
      scanned = { at: Date.now(), catalogue: readCatalogue(results, { data: options.data, synapses: options.synapses }) };
    return scanned.catalogue;
  };
  jobs.subscribe((s) => {
    if (s.state === "done" || s.state === "failed" || s.state === "stopped") {
      scanned = null;
      log(`job ${s.id} ${s.state}: ${s.title}${s.message ? `: ${s.message}` : ""}`);
    } else if (s.state === "running" && s.progress === null) log(`job ${s.id} started: ${s.title}`);
  });

  let opened: { version: string; dataset: Dataset } | null = null;
  const dataset = (cat: Catalogue): Dataset | null => {
    const dir = cat.datasets[0];
    if (!dir) return null;
    const version = filesVersion(path.join(dir, MANIFEST), path.join(dir, INFO));
    if (opened?.version !== version) opened = { version, dataset: openDataset(dir) };
    return opened.dataset;
  };
  const runFor = (cat: Catalogue, key: string) => {
    const run = cat.runs.find((r) => r.dir === key);
    if (!run) throw new ConfigError(`no training run "${key}" in ${cat.results}`);
    return run;
  };

  const api: Record<string, (q: URLSearchParams, body: () => Promise<unknown>) => Promise<Reply> | Reply> = {
    "GET /api/catalogue": () => {
      const cat = catalogue();
      const ds = dataset(cat);
      return {
        json: {
          results: cat.results,
          dataset: ds ? { dir: ds.dir, neurons: ds.rows.length, labelColumns: ds.info.labelColumns } : null,
          neurons: maps.sources(cat),
          runs: cat.runs.map((r) => ({ key: r.dir, name: r.name, grid: r.grid, threshold: r.threshold })),
          synapses: {
            runs: synapses.runs(cat),
            features: synapses.featureFiles(cat),
            emData: cat.emData,
            network: synapses.networkInfo(),
            segmentationTypes: Object.entries(SEGMENTATION_TYPES).map(([value, name]) => ({ value: Number(value), name })),
          },
          jobs: jobs.list(),
        },
      };
    },
    "GET /api/neurons/map": (q) => {
      const cat = catalogue();
      return { json: maps.view(cat, dataset(cat), param(q, "source"), param(q, "map"), q.get("colour") ?? undefined) };
    },
    "GET /api/neurons/neuron": (q) => {
      const cat = catalogue();
      const ds = dataset(cat);
      const { ids, columns, table, source } = maps.resolve(cat, param(q, "source"), ds);
      return { json: detail.info(param(q, "id"), ids, columns, table, ds, cat.runs, source.table ?? source.key) };
    },
    "GET /api/neurons/shape": (q) => {
      const cat = catalogue();
      return { json: detail.shape(dataset(cat), param(q, "id"), param(q, "kind")) };
    },
    "GET /api/neurons/voxels": (q) => {
      const cat = catalogue();
      return { json: detail.voxels(dataset(cat), param(q, "id"), numberParam(q, "grid")) };
    },
    "GET /api/neurons/reconstruction": (q) => {
      const cat = catalogue();
      return { json: detail.reconstruction(dataset(cat), param(q, "id"), runFor(cat, param(q, "run")), numberParam(q, "threshold")) };
    },
    "POST /api/neurons/selection": async (_q, body) => {
      const b = (await body()) as { source?: unknown; ids?: unknown };
      if (typeof b.source !== "string" || !Array.isArray(b.ids) || !b.ids.every((i) => typeof i === "string"))
        throw new ConfigError('expected {"source": "<source key>", "ids": ["<id>", …]}');
      const cat = catalogue();
      const { ids, columns } = maps.resolve(cat, b.source, dataset(cat));
      return {
        type: "text/csv; charset=utf-8",
        body: selectionCsv(b.ids, ids, columns),
        filename: `selection-${b.ids.length}-neurons.csv`,
      };
    },
    "GET /api/synapses/map": (q) => ({ json: synapses.map(catalogue(), param(q, "run"), q.get("colour") ?? undefined) }),
    "GET /api/synapses/synapse": async (q) => ({ json: await synapses.info(catalogue(), param(q, "run"), param(q, "id")) }),
    "GET /api/synapses/slices.png": async (q) => ({
      type: "image/png",
      body: await synapses.slices(catalogue(), param(q, "run"), param(q, "id"), q.get("overlay") !== "0"),
    }),
    "GET /api/synapses/gif": (q) => {
      const file = synapses.gifFile(catalogue(), param(q, "run"), param(q, "id"));
      if (!file) throw new HttpError(404, "the pipeline wrote no GIF for this synapse");
      return { type: "image/gif", body: fs.readFileSync(file) };
    },
    "POST /api/synapses/run": async (_q, body) => {
      const b = (await body()) as { segType?: unknown; alpha?: unknown; k?: unknown; besides?: unknown };
      return {
        json: synapses.rerun(catalogue(), {
          segType: Number(b.segType),
          alpha: Number(b.alpha),
          k: Number(b.k),
          besides: typeof b.besides === "string" ? b.besides : undefined,
        }),
      };
    },
    "POST /api/jobs/stop": async (_q, body) => {
      const b = (await body()) as { id?: unknown };
      const s = jobs.stop(Number(b.id));
      if (!s) throw new HttpError(404, `no job ${String(b.id)}`);
      return { json: s };
    },
  };

  const streams = new Set<http.ServerResponse>();
  const events = (res: http.ServerResponse): void => {
    res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": "text/event-stream", "Cache-Control": "no-store", Connection: "keep-alive" });
    const send = (s: JobStatus) => res.write(`data: ${JSON.stringify(s)}\n\n`);
    for (const s of jobs.list()) send(s);
    const unsubscribe = jobs.subscribe(send);
    // A comment now and then keeps proxies and the browser from dropping an idle stream.
    const beat = setInterval(() => res.write(": idle\n\n"), 15_000);
    streams.add(res);
    res.on("close", () => {
      clearInterval(beat);
      unsubscribe();
      streams.delete(res);
    });
  };

  let port = 0;
  const server = http.createServer((req, res) => {
    const verdict = checkRequest(req, token, port);
    if (!verdict.ok) {
      res.writeHead(verdict.status, { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8" });
      res.end(`${verdict.reason}\n`);
      return;
    }
    const url = new URL(verdict.path, "http://127.0.0.1");
    const route = `${req.method ?? "GET"} ${url.pathname}`;
    const send = (status: number, type: string, body: string | Uint8Array, extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": type, "Cache-Control": "no-store", ...extra });
      res.end(body);
    };
    if (route === "GET /") {
      send(200, "text/html; charset=utf-8", explorerPage());
      return;
    }
    if (route === "GET /explore.js") {
      send(200, "text/javascript; charset=utf-8", fs.readFileSync(PAGE_SCRIPT));
      return;
    }
    if (route === "GET /plotly.js") {
      send(200, "text/javascript; charset=utf-8", plotlyScript(), { "Cache-Control": "private, max-age=86400" });
      return;
    }
    if (route === "GET /api/events") {
      events(res);
      return;
    }
    const handler = api[route];
    if (!handler) {
      send(404, "application/json", JSON.stringify({ error: `no ${route}` }));
      return;
    }
    void (async () => {
      try {
        const reply = await handler(url.searchParams, () => readJsonBody(req));
        if ("json" in reply) send(reply.status ?? 200, "application/json", JSON.stringify(reply.json));
        else send(200, reply.type, reply.body, reply.filename ? { "Content-Disposition": `attachment; filename="${reply.filename}"` } : {});
      } catch (e) {
        const status = e instanceof HttpError ? e.status : e instanceof ConfigError ? 400 : e instanceof WorkbenchError ? 422 : 500;
        if (status === 500) log(`${route}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        if (!res.headersSent) send(status, "application/json", JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
        else res.end();
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      reject(
        e.code === "EADDRINUSE"
          ? new ConfigError(`--port ${options.port}: already in use; pick another or 0 for any free port`, { cause: e })
          : e,
      );
    });
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}/${token}/`,
    port,
    get interruptedWork() {
      return jobs.anyStopped;
    },
    close() {
      closing ??= (async () => {
        await jobs.stopAll();
        for (const s of streams) s.end();
        await new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
          server.closeAllConnections();
        });
        maps.clear();
        detail.clear();
        synapses.clear();
      })();
      return closing;
    },
  };
}
