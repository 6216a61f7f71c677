import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkChoice, ConfigError, MissingDependencyError } from "../core";
import { FAST_KERNELS_ENV, installFastKernels } from "./fast-kernels";
import { kernelPool } from "./threads";

/** The compute backends the workbench can run on, fastest first. */
export const BACKENDS = ["tfjs-node-gpu", "tfjs-node", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** The environment variable that forces one backend. */
const BACKEND_ENV = "WORKBENCH_BACKEND";

export interface EngineInfo {
  /** Which of BACKENDS is in use. */
  backend: BackendName;
  /** tf.getBackend() after initialisation ("tensorflow", "wasm", "cpu"). */
  tfBackend: string;
  /** Where the numbers are computed, e.g. "CUDA GPU", "CPU (WebAssembly SIMD, 1 thread)". */
  device: string;
  /** Whether the choice came from the environment variable. */
  forced: boolean;
  /** One line for logs and the first output of every notebook. */
  message: string;
  /** Why faster backends were not used (one entry per skipped backend). */
  skipped: string[];
  /** Whether the workbench's own 3-D convolution kernels replace tfjs' (wasm and cpu backends). */
  fastKernels: boolean;
}

const PACKAGE: Record<BackendName, string> = {
  "tfjs-node-gpu": "@tensorflow/tfjs-node-gpu",
  "tfjs-node": "@tensorflow/tfjs-node",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: "@tensorflow/tfjs",
};

/**
 * Whether `pkg` is really installed. danfojs-node's dependency on tfjs-node is
 * redirected to plain @tensorflow/tfjs (see package.json overrides), so the
 * name can resolve to a package that is not tfjs-node at all.
 */
export function packageInstalled(pkg: string): boolean {
  try {
    const manifest = JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), "utf8")) as { name?: string };
    return manifest.name === pkg;
  } catch {
    return false;
  }
}

function why(name: BackendName): string {
  switch (name) {
    case "tfjs-node-gpu":
      return "@tensorflow/tfjs-node-gpu is not installed (on a CUDA 11.2 / cuDNN 8.1 machine: npm install @tensorflow/tfjs-node-gpu@4.22.0)";
    case "tfjs-node":
      return "@tensorflow/tfjs-node is not installed (it needs libtensorflow, downloaded at install time; see README, 'Backends')";
    default:
      return `${PACKAGE[name]} is not installed (run npm ci)`;
  }
}

function isAvailable(name: BackendName): boolean {
  return name === "cpu" ? true : packageInstalled(PACKAGE[name]);
}

async function activate(name: BackendName): Promise<{ tfBackend: string; device: string }> {
  switch (name) {
    case "tfjs-node-gpu":
    case "tfjs-node": {
      // Loading the package registers its "tensorflow" backend.
      if (name === "tfjs-node-gpu") require("@tensorflow/tfjs-node-gpu");
      else require("@tensorflow/tfjs-node");
      await tf.setBackend("tensorflow");
      await tf.ready();
      return { tfBackend: "tensorflow", device: name === "tfjs-node-gpu" ? "CUDA GPU (libtensorflow)" : "CPU (libtensorflow)" };
    }
    case "wasm": {
      const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
      // In Node the backend must be told where its .wasm binaries are.
      const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
      wasm.setWasmPaths(dist + path.sep);
      if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') returned false");
      await tf.ready();
      const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
      return { tfBackend: "wasm", device: `CPU (WebAssembly${simd ? " SIMD" : ""}, 1 thread)` };
    }
    case "cpu": {
      await tf.setBackend("cpu");
      await tf.ready();
      return { tfBackend: "cpu", device: "CPU (JavaScript)" };
    }
  }
}

let current: EngineInfo | null = null;

/**
 * Picks and initialises the compute backend: the one named by
 * WORKBENCH_BACKEND (or `options.backend`) if set, otherwise the fastest one
 * present. Calling it again returns the same engine unless another backend is
 * asked for.
 */
export async function initEngine(options: { backend?: BackendName; quiet?: boolean } = {}): Promise<EngineInfo> {
  const fromEnv = process.env[BACKEND_ENV];
  const requested =
    options.backend ??
    (fromEnv !== undefined && fromEnv !== "" ? checkChoice(`environment variable ${BACKEND_ENV}`, fromEnv, BACKENDS) : undefined);
  if (current && (requested === undefined || requested === current.backend)) return current;

  const skipped: string[] = [];
  let chosen: BackendName | undefined;
  let active: { tfBackend: string; device: string } | undefined;
  if (requested !== undefined) {
    if (!isAvailable(requested)) {
      throw new MissingDependencyError(
        `backend ${requested} was asked for (${fromEnv ? BACKEND_ENV : "options.backend"}) but ${why(requested)}. Available here: ${BACKENDS.filter(isAvailable).join(", ")}`,
      );
    }
    try {
      active = await activate(requested);
    } catch (err) {
      throw new ConfigError(`backend ${requested} is installed but failed to start: ${(err as Error).message}`, { cause: err });
    }
    chosen = requested;
  } else {
    for (const name of BACKENDS) {
      if (!isAvailable(name)) {
        skipped.push(`${name}: ${why(name)}`);
        continue;
      }
      try {
        active = await activate(name);
        chosen = name;
        break;
      } catch (err) {
        skipped.push(`${name}: failed to start (${(err as Error).message})`);
      }
    }
  }
  if (!chosen || !active) throw new ConfigError(`no backend could start:\n  ${skipped.join("\n  ")}`);
  const forced = requested !== undefined;
  // The 3-D convolutions of tfjs' CPU backends run at under 1 GFLOP/s; ours are
  // SIMD on every core. WORKBENCH_FAST_KERNELS=0 keeps tfjs' own for comparison.
  const fastKernels = process.env[FAST_KERNELS_ENV] !== "0" && installFastKernels(active.tfBackend);
  const device = fastKernels
    ? `${active.device}; 3-D convolutions: ${kernelPool().instructionSet}, ${kernelPool().threads} threads`
    : active.device;
  const message = `Engine: ${chosen} on ${device}${forced ? ` (forced by ${fromEnv ? BACKEND_ENV : "options"})` : ""}, tfjs ${tf.version.tfjs}`;
  current = { backend: chosen, tfBackend: active.tfBackend, device, forced, message, skipped, fastKernels };
  if (!options.quiet) console.log(message);
  return current;
}
