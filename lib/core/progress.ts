/**
 * Progress reporting for long work. Long-running functions take an optional
 * `onProgress` callback; returning `false` from it asks the work to stop at the
 * next safe point (after saving what is done), which is how notebooks and
 * CLIs interrupt cleanly.
 */
export interface ProgressEvent {
  /** Units finished so far. */
  done: number;
  /** Units in all (NaN when unknown). */
  total: number;
  /** What is being done, e.g. "voxelising" or "epoch 3". */
  label?: string;
  /** Extra numbers to show, e.g. { loss: 0.12 }. */
  values?: Record<string, number>;
}

export type OnProgress = (event: ProgressEvent) => void | boolean;

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** One line of text: `label [#####.....] 50/100 12.3/s eta 4s loss=0.12`. */
export function formatProgress(e: ProgressEvent, elapsedSeconds: number, width = 24): string {
  const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
  const filled = Math.round(frac * width);
  const rate = elapsedSeconds > 0 ? e.done / elapsedSeconds : 0;
  const eta = rate > 0 && e.total > 0 ? (e.total - e.done) / rate : NaN;
  const values = Object.entries(e.values ?? {})
    .map(([k, v]) => `${k}=${Math.abs(v) >= 1000 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toFixed(4)}`)
    .join(" ");
  const total = Number.isFinite(e.total) ? `/${e.total}` : "";
  return `${e.label ?? ""} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${e.done}${total} ${rate.toFixed(rate < 10 ? 2 : 1)}/s elapsed ${formatSeconds(elapsedSeconds)} eta ${formatSeconds(eta)} ${values}`.trim();
}

/**
 * A progress callback for command-line tools: redraws one line on a terminal,
 * prints a line every `everySeconds` when output goes to a file or pipe. One
 * callback can serve tasks run one after another (a pipeline's steps): when
 * `done` goes back or `total` changes, a new task has begun and its rate and
 * elapsed time count from its first event at 0 done, else from the previous
 * task's last event. `clock` (ms) is for tests.
 */
export function cliProgress(options: { everySeconds?: number; stream?: NodeJS.WriteStream; clock?: () => number } = {}): OnProgress {
  const stream = options.stream ?? process.stderr;
  const every = options.everySeconds ?? (stream.isTTY ? 0.2 : 10);
  const clock = options.clock ?? Date.now;
  let start = clock();
  let last = -Infinity;
  let previous: { done: number; total: number; at: number } | null = null;
  return (e) => {
    const now = clock();
    // An event at 0 done marks when a task began; for one that first reports
    // later, the previous task's end (or the callback's creation) is the best guess.
    const newTask = previous === null || e.done < previous.done || !Object.is(e.total, previous.total);
    if (newTask) {
      start = e.done === 0 ? now : (previous?.at ?? start);
      last = -Infinity;
    }
    previous = { done: e.done, total: e.total, at: now };
    const finished = e.total > 0 && e.done >= e.total;
    if (now - last < every * 1000 && !finished) return;
    last = now;
    const line = formatProgress(e, (now - start) / 1000);
    if (stream.isTTY) stream.write(`\r\x1b[K${line}${finished ? "\n" : ""}`);
    else stream.write(`${line}\n`);
  };
}
