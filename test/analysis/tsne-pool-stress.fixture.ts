// Runs many small t-SNE jobs back to back and checks every result: a pool
// whose workers can run a job twice, take another job's message, or whose
// jobs can end before the workers are done hangs or returns wrong values
// here (used by tsne.test.ts). Half the jobs are started, then finished after
// a pause on this thread (as the optimiser's attraction is finished after the
// tree is built), so the workers often take every chunk first.
import { random } from "../../lib/core";
import { sharedArray, TsnePool } from "../../lib/analysis/tsne-pool";

const jobs = Number(process.argv[2]);
const threads = Number(process.argv[3]);
const n = 1024;
const neighbours = 3;
const rng = random(1);
const rowStart = sharedArray(Int32Array, n + 1);
const columns = sharedArray(Int32Array, n * neighbours);
const values = sharedArray(Float32Array, n * neighbours);
for (let i = 0; i < n; i++) {
  rowStart[i + 1] = (i + 1) * neighbours;
  for (let t = 0; t < neighbours; t++) {
    columns[i * neighbours + t] = (i + 1 + rng.int(n - 1)) % n;
    values[i * neighbours + t] = rng.uniform(0.1, 1) / (n * neighbours);
  }
}
// Seven maps, so a result left over from the previous job is wrong for this one.
const maps = Array.from({ length: 7 }, (_, m) => {
  const y = sharedArray(Float64Array, 2 * n);
  for (let t = 0; t < y.length; t++) y[t] = (m + 1) * rng.normal(0, 1);
  return y;
});
const attractive = sharedArray(Float64Array, 2 * n);
const kl = sharedArray(Float64Array, n);
const job = (y: Float64Array) => ({
  kind: "attraction" as const,
  n,
  dims: 2,
  y,
  rowStart,
  columns,
  values,
  withError: true,
  attractive,
  kl,
});

const alone = new TsnePool(1);
const expected = maps.map((y) => {
  alone.run(job(y));
  return [Float64Array.from(attractive), Float64Array.from(kl)];
});

const pool = new TsnePool(threads);
const pause = new Int32Array(new SharedArrayBuffer(4));
for (let j = 0; j < jobs; j++) {
  const m = j % maps.length;
  attractive.fill(Number.NaN);
  kl.fill(Number.NaN);
  if (j % 2 === 0) pool.run(job(maps[m]!));
  else {
    const started = pool.start(job(maps[m]!));
    Atomics.wait(pause, 0, 0, 0.05);
    pool.finish(started);
  }
  const [a, e] = expected[m]!;
  for (let i = 0; i < a!.length; i++) {
    if (!Object.is(attractive[i], a![i])) {
      console.log(`job ${j}: attraction ${i} is ${attractive[i]}, expected ${a![i]}`);
      process.exit(1);
    }
  }
  for (let i = 0; i < n; i++) {
    if (!Object.is(kl[i], e![i])) {
      console.log(`job ${j}: KL term ${i} is ${kl[i]}, expected ${e![i]}`);
      process.exit(1);
    }
  }
}
console.log(`${jobs} jobs on ${pool.threads} threads`);
