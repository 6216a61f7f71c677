/**
 * A one-node Slurm cluster on localhost for the tests: its own munged,
 * slurmctld and slurmd with their own slurm.conf, key, state, spool and log
 * files in a temporary directory and free ports, so it touches nothing of
 * the machine's. Jobs see SLURM_CONF and run as root.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { MissingDependencyError } from "../../lib/core";

const DAEMONS = ["munged", "munge", "unmunge", "slurmctld", "slurmd"];
const CLIENTS = ["sbatch", "squeue", "scancel", "scontrol", "sinfo"];

function onPath(program: string): boolean {
  return (
    (process.env.PATH ?? "").split(path.delimiter).some((d) => d !== "" && fs.existsSync(path.join(d, program))) ||
    fs.existsSync(path.join("/usr/sbin", program))
  );
}

/** Throws a MissingDependencyError unless Slurm's daemons and commands are installed and the tests run as root. */
export function checkSlurm(): void {
  const missing = [...DAEMONS, ...CLIENTS].filter((p) => !onPath(p));
  if (missing.length)
    throw new MissingDependencyError(
      `Slurm is not installed (no ${missing.join(", ")}): apt-get install slurmctld slurmd munge slurm-client`,
    );
  if (process.getuid?.() !== 0)
    throw new MissingDependencyError("the test Slurm cluster runs its daemons as root (SlurmUser=root); run the tests as root");
}

/** A job's last record in the completion log (accounting is off; jobcomp/filetxt writes one line per job end). */
export interface FinishedJob {
  jobId: string;
  name: string;
  state: string;
  /** "exit:signal", e.g. "0:0". */
  exitCode: string;
  arrayJobId?: string;
  arrayTaskId?: string;
}

export interface TestCluster {
  dir: string;
  /** The environment for Slurm's commands and for the workbench commands that call them. */
  env: NodeJS.ProcessEnv;
  /** Runs one of Slurm's commands on this cluster; throws with its stderr when it fails. */
  run(program: string, args: string[]): string;
  /** Waits until squeue lists no job (pending, running or completing). */
  waitForEmptyQueue(timeoutMs: number): Promise<void>;
  /** Each finished job's last completion record, by job id. */
  finishedJobs(): Map<string, FinishedJob>;
  /** The end of slurmctld's and slurmd's logs, for a failing test's message. */
  daemonLogs(): string;
  /** Cancels what is left and stops the daemons (by their pid files). */
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidIn(file: string): number | null {
  const pid = fs.existsSync(file) ? Number(fs.readFileSync(file, "utf8").trim()) : NaN;
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Blocks for `ms` without an event loop (stop runs from an exit handler too). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Starts the cluster and waits until its node is idle. Call stop() at the end (an exit handler does too). */
export async function startSlurm(): Promise<TestCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slurm-"));
  for (const d of ["state", "spool", "log", "munge"]) fs.mkdirSync(path.join(dir, d));
  const f = (...p: string[]) => path.join(dir, ...p);
  const key = f("munge", "munge.key");
  fs.writeFileSync(key, randomBytes(1024), { mode: 0o600 });
  const socket = f("munge", "munge.socket");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLURM_CONF: f("slurm.conf"),
    PATH: [path.dirname(process.execPath), process.env.PATH ?? "", "/usr/sbin"].join(path.delimiter),
  };
  const pidFiles = { slurmd: f("slurmd.pid"), slurmctld: f("slurmctld.pid"), munged: f("munge", "munged.pid") };
  const host = os.hostname().split(".")[0]!;
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const cpus = Math.min(2, os.availableParallelism());
  const memory = Math.min(8000, Math.floor((os.totalmem() / 2 ** 20) * 0.8));
  fs.writeFileSync(
    f("slurm.conf"),
    [
      "ClusterName=workbench-test",
      `SlurmctldHost=${host}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      "AuthType=auth/munge",
      "CredType=cred/munge",
      // A requeued job may start again once its credential has expired: 10 s instead of 120.
      `AuthInfo=socket=${socket},cred_expire=10`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "JobCompType=jobcomp/filetxt",
      `JobCompLoc=${f("log", "jobcomp.txt")}`,
      "MpiDefault=none",
      "MailProg=/bin/true",
      "ReturnToService=2",
      // SIGKILL 5 s after the SIGTERM of a cancel or requeue (default 30).
      "KillWait=5",
      `StateSaveLocation=${f("state")}`,
      `SlurmdSpoolDir=${f("spool")}`,
      `SlurmctldPidFile=${pidFiles.slurmctld}`,
      `SlurmdPidFile=${pidFiles.slurmd}`,
      `SlurmctldLogFile=${f("log", "slurmctld.log")}`,
      `SlurmdLogFile=${f("log", "slurmd.log")}`,
      `NodeName=${host} CPUs=${cpus} RealMemory=${memory} State=UNKNOWN`,
      `PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n"),
  );
  const run = (program: string, args: string[]): string => {
    const r = spawnSync(program, args, { env, encoding: "utf8" });
    if (r.error || r.status !== 0)
      throw new Error(`${program} ${args.join(" ")}: ${r.error?.message ?? (r.stderr.trim() || `exit code ${r.status}`)}`);
    return r.stdout;
  };
  /** What a program printed, or "" when it could not start (spawnSync's stdout is then null, whatever its type says). */
  const output = (program: string, args: string[]): string => {
    const r = spawnSync(program, args, { env, encoding: "utf8" });
    return r.error ? "" : r.stdout;
  };
  const daemonLogs = () =>
    ["slurmctld.log", "slurmd.log"]
      .map((l) => f("log", l))
      .filter((l) => fs.existsSync(l))
      .map((l) => `${path.basename(l)}:\n${fs.readFileSync(l, "utf8").split("\n").slice(-15).join("\n")}`)
      .join("\n");
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    process.off("exit", stop);
    const ctld = pidIn(pidFiles.slurmctld);
    const queued = () =>
      output("squeue", ["-h", "-o", "%i"])
        .split("\n")
        .filter((l) => l.trim() !== "");
    if (ctld !== null && alive(ctld) && queued().length > 0) {
      // Jobs left by a failed test: cancel them so that no job's processes outlive the cluster.
      spawnSync("scancel", ["--quiet", ...queued()], { env });
      for (let i = 0; i < 60 && queued().length > 0; i++) pause(250);
    }
    for (const which of ["slurmd", "slurmctld", "munged"] as const) {
      const pid = pidIn(pidFiles[which]);
      if (pid === null || !alive(pid)) continue;
      process.kill(pid, "SIGTERM");
      for (let i = 0; i < 40 && alive(pid); i++) pause(250);
      if (alive(pid)) process.kill(pid, "SIGKILL");
    }
  };
  process.on("exit", stop);
  try {
    run("munged", [
      "--force",
      `--socket=${socket}`,
      `--key-file=${key}`,
      `--log-file=${f("log", "munged.log")}`,
      `--pid-file=${pidFiles.munged}`,
      `--seed-file=${f("munge", "seed")}`,
    ]);
    const credential = run("munge", ["-n", `--socket=${socket}`]);
    const check = spawnSync("unmunge", [`--socket=${socket}`], { input: credential, encoding: "utf8" });
    if (check.status !== 0) throw new Error(`munge does not decode its own credential: ${check.stderr}`);
    run("slurmctld", ["-f", f("slurm.conf")]);
    run("slurmd", ["-f", f("slurm.conf")]);
    for (let i = 0; ; i++) {
      const state = output("sinfo", ["-h", "-o", "%T"]).trim();
      if (state === "idle") break;
      if (i >= 120) throw new Error(`the test node is not idle after 30 s (sinfo: ${state})\n${daemonLogs()}`);
      await sleep(250);
    }
  } catch (e) {
    stop();
    throw e;
  }
  return {
    dir,
    env,
    run,
    async waitForEmptyQueue(timeoutMs) {
      const end = Date.now() + timeoutMs;
      while (run("squeue", ["-h", "-o", "%i %T"]).trim() !== "") {
        if (Date.now() > end) throw new Error(`jobs still queued after ${timeoutMs / 1000} s:\n${run("squeue", [])}`);
        await sleep(1000);
      }
    },
    finishedJobs() {
      const file = f("log", "jobcomp.txt");
      const jobs = new Map<string, FinishedJob>();
      if (!fs.existsSync(file)) return jobs;
      for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const field = (k: string) => new RegExp(`(?:^| )${k}=(\\S*)`).exec(line)?.[1];
        const jobId = field("JobId");
        if (!jobId) continue;
        const arrayJobId = field("ArrayJobId");
        const arrayTaskId = field("ArrayTaskId");
        jobs.set(jobId, {
          jobId,
          name: field("Name") ?? "",
          state: field("JobState") ?? "",
          exitCode: field("ExitCode") ?? "",
          ...(arrayJobId ? { arrayJobId, arrayTaskId } : {}),
        });
      }
      return jobs;
    },
    daemonLogs,
    stop,
  };
}
