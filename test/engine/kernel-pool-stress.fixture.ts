// Runs many small kernel calls back to back and checks every result: a pool
// whose workers can finish a job twice, or whose calls can return before the
// workers are done, hangs or returns wrong values here (used by threads.test.ts).
import { kernelPool } from "../../lib/engine/threads";

const pool = kernelPool();
const jobs = Number(process.argv[2]);
const rows = 64;
const channels = 8;
for (let j = 0; j < jobs; j++) {
  pool.reset();
  const x = pool.alloc(rows * channels);
  const scale = pool.alloc(channels);
  const shift = pool.alloc(channels);
  const out = pool.alloc(rows * channels);
  const work = pool.counter(rows, 4);
  pool.f32(x, rows * channels).fill(j % 7);
  pool.f32(scale, channels).fill(1);
  pool.f32(shift, channels).fill(1);
  pool.run("bn_affine", [x, scale, shift, out, rows, channels, 0, ...work]);
  const o = pool.f32(out, rows * channels);
  for (let i = 0; i < o.length; i++) {
    if (o[i] !== (j % 7) + 1) {
      console.log(`job ${j}: element ${i} is ${o[i]}, expected ${(j % 7) + 1}`);
      process.exit(1);
    }
  }
}
console.log(`${jobs} jobs on ${pool.threads} threads`);
