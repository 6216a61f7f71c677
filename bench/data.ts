/**
 * Data-pipeline benchmark (`npm run bench:data`):
 * 1. reading one upstream-layout neuron (.npz, 100,000 float16 points) and
 *    voxelising it to 128³, on one core (target: at least 50 neurons/s);
 * 2. building the dataset cache (64³ and 128³ per neuron) with 2 worker
 *    threads on a few thousand neurons, extrapolated to the 41,476 training
 *    neurons of the upstream data (target: under 15 minutes on 2 cores).
 * Options: --neurons N (cache rows, default 2000) --distinct K (distinct
 * synthetic clouds the rows cycle through, default 64) --workers W (default 2).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readNeuronNpzFile } from "../lib/io";
import { neuronGrid } from "../lib/voxel";
import { synthNeurons } from "../lib/synthetic";
import { createDataset, buildCache, openDataset } from "../lib/dataset";

const UPSTREAM_TRAIN = 41_476;

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

function arg(name: string, d: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
}

async function main(): Promise<void> {
  const neurons = arg("neurons", 2000);
  const distinct = arg("distinct", 64);
  const workers = arg("workers", 2);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-data-"));
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}, load ${os.loadavg()[0]!.toFixed(2)}`,
  );

  const src = path.join(tmp, "synthetic");
  let t = Date.now();
  const synth = await synthNeurons({ out: src, count: distinct, seed: 1996, points: 100_000 });
  console.log(
    `setup: ${distinct} synthetic neurons with 100,000 surface points each in ${((Date.now() - t) / 1000).toFixed(1)} s (not part of the measurements)`,
  );
  const files = synth.rows.map((r) => path.join(src, r.source));

  // 1. Read + voxelise to 128³ on this thread.
  const out = new Uint8Array(128 ** 3);
  for (let i = 0; i < 5; i++)
    neuronGrid({ ...readNeuronNpzFile(files[i % files.length]!), soma: synth.rows[i % files.length]!.soma! }, { size: 128, out });
  const reps = Math.max(200, 2 * distinct);
  t = performance.now();
  let cpu = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const k = i % files.length;
    const cloud = readNeuronNpzFile(files[k]!);
    cloud.soma = synth.rows[k]!.soma!;
    neuronGrid(cloud, { size: 128, out });
  }
  const perSecond = reps / ((performance.now() - t) / 1000);
  const perCpuSecond = reps / cpuSeconds(cpu);
  // On a shared machine wall time includes waiting for a core; CPU time is what the work costs.
  console.log(
    `read .npz (100k float16 points) + centre + normalise + voxelise 128³, one thread: ${perSecond.toFixed(1)} neurons/s wall clock, ` +
      `${perCpuSecond.toFixed(1)} neurons per CPU-second (${reps} neurons; target ≥ 50) ${perCpuSecond >= 50 ? "PASS" : "FAIL"}`,
  );

  // 2. Cache build, rows cycling through the distinct clouds.
  const dsDir = path.join(tmp, "dataset");
  createDataset(
    dsDir,
    Array.from({ length: neurons }, (_, i) => {
      const r = synth.rows[i % distinct]!;
      return { id: `n${i}`, source: path.join(src, r.source), split: "train", soma: r.soma, labels: {} };
    }),
  );
  t = Date.now();
  cpu = process.cpuUsage();
  const res = await buildCache(dsDir, { sizes: [64, 128], workers });
  const seconds = (Date.now() - t) / 1000;
  const rate = res.built / seconds;
  const cpuRate = res.built / cpuSeconds(cpu);
  const minutes = UPSTREAM_TRAIN / rate / 60;
  // With 2 cores to itself the build runs at up to 2 × the per-CPU-second rate.
  const minutesIdle = UPSTREAM_TRAIN / (Math.min(workers, os.cpus().length) * cpuRate) / 60;
  let bytes = 0;
  for (const s of [64, 128])
    for (const f of fs.readdirSync(path.join(dsDir, "cache", String(s))))
      bytes += fs.statSync(path.join(dsDir, "cache", String(s), f)).size;
  console.log(
    `cache build (64³ + 128³ per neuron, ${workers} workers): ${res.built} neurons in ${seconds.toFixed(1)} s = ${rate.toFixed(1)} neurons/s, ${res.failed.length} failed`,
  );
  console.log(`  CPU cost: ${cpuRate.toFixed(1)} neurons per CPU-second (all threads)`);
  console.log(
    `extrapolated to ${UPSTREAM_TRAIN.toLocaleString("en")} neurons: ${minutes.toFixed(1)} min at the measured wall-clock rate, ` +
      `${minutesIdle.toFixed(1)} min with ${Math.min(workers, os.cpus().length)} idle cores at the CPU-time rate (target < 15 min) ${minutesIdle < 15 ? "PASS" : "FAIL"}; cache size ${(bytes / res.built / 1024).toFixed(1)} KiB per neuron → ${(((bytes / res.built) * UPSTREAM_TRAIN) / 2 ** 30).toFixed(2)} GiB (extrapolated)`,
  );

  // Reading back: an epoch never touches the point clouds.
  const ds = openDataset(dsDir);
  const ids = ds.ids("train").slice(0, 500);
  t = performance.now();
  cpu = process.cpuUsage();
  for (const id of ids) ds.grid(id, 128);
  console.log(
    `cache read (read + inflate + unpack 128³), one thread: ${(ids.length / ((performance.now() - t) / 1000)).toFixed(0)} grids/s wall clock, ${(ids.length / cpuSeconds(cpu)).toFixed(0)} grids per CPU-second`,
  );
  console.log(`load average at the end: ${os.loadavg()[0]!.toFixed(2)} (2 cores shared with other work)`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
