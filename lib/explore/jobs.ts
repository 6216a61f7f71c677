import { WorkbenchError, type ProgressEvent } from "../core";

/** What the page is told about a job, in every event and in the job list. */
export interface JobStatus {
  id: number;
  /** What the job is for, so the page knows what to reload: "synapse-run", "neuron-map". */
  kind: string;
  /** One line for the progress bar, e.g. "features and clusters: seg 10, α 0.5, k 10". */
  title: string;
  state: "queued" | "running" | "done" | "failed" | "stopped";
  progress: { done: number; total: number; label: string } | null;
  /** Done: what came out (for the page); failed: the error; stopped: what was kept. */
  message: string;
  /** A key the page can look the result up by (the synapse run's tag, the map's key). */
  result: string | null;
}

/** Asks a running job to stop; checked by its onProgress. */
export class JobStopped extends WorkbenchError {}

export interface JobContext {
  /** Pass as (or inside) the work's onProgress: returns false once a stop is asked for. */
  onProgress: (e: ProgressEvent) => boolean;
  readonly stopRequested: boolean;
}

type Work = (ctx: JobContext) => Promise<{ message: string; result: string | null }>;

interface Job {
  status: JobStatus;
  work: Work;
  stop: boolean;
  /** The same job asked for again (the same map twice) joins this one. */
  key: string;
  finished: Promise<void>;
  settle: () => void;
}

/**
 * Long work started from the page (features and clusters, maps), one job at
 * a time: the machine's cores are better spent on one job than shared by
 * two. Every change is sent to the listeners (the page's event stream), at
 * most every `intervalMs` for progress.
 */
export class JobRunner {
  private jobs: Job[] = [];
  private nextId = 1;
  private running = false;
  private listeners = new Set<(s: JobStatus) => void>();
  private lastSent = new Map<number, number>();

  constructor(
    /** Where a job's unexpected error (a bug, not bad input) is reported with its stack. */
    private readonly onBug: (job: JobStatus, error: unknown) => void = () => {},
    private readonly intervalMs = 150,
  ) {}

  /** Queues `work` unless a job with the same key is queued or running; returns that job's status. */
  start(key: string, kind: string, title: string, work: Work): JobStatus {
    const same = this.jobs.find((j) => j.key === key && (j.status.state === "queued" || j.status.state === "running"));
    if (same) return same.status;
    let settle = () => {};
    const finished = new Promise<void>((resolve) => (settle = resolve));
    const job: Job = {
      status: { id: this.nextId++, kind, title, state: "queued", progress: null, message: "", result: null },
      work,
      stop: false,
      key,
      finished,
      settle,
    };
    this.jobs.push(job);
    this.emit(job, true);
    void this.pump();
    return job.status;
  }

  list(): JobStatus[] {
    return this.jobs.map((j) => j.status);
  }

  get(id: number): JobStatus | undefined {
    return this.jobs.find((j) => j.status.id === id)?.status;
  }

  /** Asks a job to stop (a queued job is dropped at once). */
  stop(id: number): JobStatus | undefined {
    const job = this.jobs.find((j) => j.status.id === id);
    if (!job) return undefined;
    job.stop = true;
    if (job.status.state === "queued") this.finish(job, "stopped", "stopped before it began", null);
    return job.status;
  }

  /** Stops every job and waits for the running one to reach a safe point. */
  async stopAll(): Promise<void> {
    for (const j of this.jobs) this.stop(j.status.id);
    await Promise.all(this.jobs.map((j) => j.finished));
  }

  /** True while a job runs or waits. */
  get busy(): boolean {
    return this.jobs.some((j) => j.status.state === "queued" || j.status.state === "running");
  }

  /** Whether any job ended because a stop was asked for. */
  get anyStopped(): boolean {
    return this.jobs.some((j) => j.status.state === "stopped");
  }

  subscribe(listener: (s: JobStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(job: Job, force: boolean): void {
    const now = Date.now();
    if (!force && now - (this.lastSent.get(job.status.id) ?? 0) < this.intervalMs) return;
    this.lastSent.set(job.status.id, now);
    for (const l of this.listeners) l({ ...job.status });
  }

  private finish(job: Job, state: JobStatus["state"], message: string, result: string | null): void {
    job.status.state = state;
    job.status.message = message;
    job.status.result = result;
    this.emit(job, true);
    job.settle();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.jobs.find((j) => j.status.state === "queued"); job; job = this.jobs.find((j) => j.status.state === "queued")) {
        const current = job;
        current.status.state = "running";
        this.emit(current, true);
        const ctx: JobContext = {
          onProgress: (e) => {
            current.status.progress = { done: e.done, total: e.total, label: e.label ?? "" };
            this.emit(current, false);
            return !current.stop;
          },
          get stopRequested() {
            return current.stop;
          },
        };
        try {
          const r = await current.work(ctx);
          if (current.stop) this.finish(current, "stopped", r.message, r.result);
          else this.finish(current, "done", r.message, r.result);
        } catch (e) {
          if (e instanceof JobStopped) this.finish(current, "stopped", e.message, null);
          else {
            if (!(e instanceof WorkbenchError)) this.onBug(current.status, e);
            this.finish(current, "failed", e instanceof Error ? e.message : String(e), null);
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}
