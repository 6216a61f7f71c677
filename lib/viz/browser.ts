import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MissingDependencyError, WorkbenchError } from "../core";

/** The environment variable naming a Chromium or Chrome executable to use. */
export const BROWSER_ENV = "WORKBENCH_CHROMIUM";

const CANDIDATES = [
  "chromium",
  "chromium-browser",
  "google-chrome",
  "google-chrome-stable",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

function onPath(name: string): string | null {
  if (name.includes("/")) return fs.existsSync(name) ? name : null;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const full = path.join(dir, name);
    try {
      fs.accessSync(full, fs.constants.X_OK);
      return full;
    } catch {
      // Not in this directory, or not executable: try the next one.
    }
  }
  return null;
}

/** Finds a headless-capable Chromium, or says exactly what to install. */
export function findBrowser(): string {
  const forced = process.env[BROWSER_ENV];
  if (forced) {
    if (!onPath(forced)) throw new MissingDependencyError(`${BROWSER_ENV}=${forced} but no executable is there`);
    return onPath(forced)!;
  }
  for (const c of CANDIDATES) {
    const found = onPath(c);
    if (found) return found;
  }
  throw new MissingDependencyError(
    `no Chromium or Chrome found for static figure export (looked for ${CANDIDATES.slice(0, 4).join(", ")} on PATH). ` +
      `Install one (Debian/Ubuntu: apt-get install chromium; macOS: Google Chrome) or set ${BROWSER_ENV}=/path/to/chrome`,
  );
}

/** Flags for a quiet, offline, throw-away headless browser (no network, no profile left behind). */
function flags(profile: string): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--allow-file-access-from-files",
    `--user-data-dir=${profile}`,
  ];
}

function runBrowser(extra: string[], what: string, timeoutSeconds: number): string {
  const browser = findBrowser();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "workbench-chromium-"));
  try {
    const r = spawnSync(browser, [...flags(profile), ...extra], {
      encoding: "utf8",
      maxBuffer: 1 << 30,
      timeout: timeoutSeconds * 1000,
    });
    if (r.error) throw new WorkbenchError(`${what}: ${browser} could not run: ${r.error.message}`, { cause: r.error });
    if (r.status !== 0) throw new WorkbenchError(`${what}: ${browser} exited with ${r.status}: ${r.stderr.slice(-2000)}`);
    return r.stdout;
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** Loads a local HTML file, lets its scripts run, and returns the resulting DOM. */
export function dumpDom(htmlFile: string, options: { timeoutSeconds?: number; budgetMs?: number } = {}): string {
  return runBrowser(
    [`--virtual-time-budget=${options.budgetMs ?? 60000}`, "--dump-dom", `file://${path.resolve(htmlFile)}`],
    `rendering ${htmlFile}`,
    options.timeoutSeconds ?? 300,
  );
}

/** Takes a PNG screenshot of a local HTML file (for report checks). */
export function screenshot(htmlFile: string, pngFile: string, options: { width?: number; height?: number; budgetMs?: number } = {}): void {
  runBrowser(
    [
      `--virtual-time-budget=${options.budgetMs ?? 20000}`,
      `--window-size=${options.width ?? 1200},${options.height ?? 1600}`,
      `--screenshot=${path.resolve(pngFile)}`,
      `file://${path.resolve(htmlFile)}`,
    ],
    `screenshot of ${htmlFile}`,
    300,
  );
  if (!fs.existsSync(pngFile)) throw new WorkbenchError(`screenshot of ${htmlFile}: the browser wrote no ${pngFile}`);
}
