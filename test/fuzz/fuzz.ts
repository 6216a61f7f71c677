/**
 * `npm run fuzz`: a longer fuzz run than CI's, for developers. Each format's
 * batch runs in its own child process with a time limit; escapes are listed
 * with the command that reruns exactly that mutant, and --save keeps their
 * bytes for a regression fixture.
 */
import { WorkbenchError } from "../../lib/core";
import { command, listenForStop, main } from "../../lib/cli";
import { FORMATS } from "./formats";
import { escapeLines, runInChild, summaryLine } from "./harness";

export const fuzzCommand = command({
  name: "fuzz",
  summary: "feed seeded mutants of the test fixtures to every reader and report escapes",
  description:
    "Mutates the valid files under test/fixtures (bit flips, truncation, inserted and zeroed runs, lying length and count\n" +
    "fields) and reads each mutant. A mutant must load or be refused with a workbench error naming the file; any other\n" +
    "error, a hang, a slow call or a large allocation is an escape. The exit code is 1 when there is one.",
  options: {
    iterations: { type: "integer", description: "mutants per format", default: 2000, min: 1 },
    format: { type: "strings", description: "formats to fuzz (default all)", choices: FORMATS.map((f) => f.name) },
    seed: { type: "integer", description: "run seed: the same seed makes the same mutants", default: 1, min: 0 },
    first: { type: "integer", description: "number of the first mutant (to rerun one: --first N --iterations 1)", default: 0, min: 0 },
    slowMs: { type: "integer", description: "a read slower than this many milliseconds is an escape", default: 2000, min: 1 },
    save: { type: "string", placeholder: "dir", description: "write the bytes of each escaping mutant into this directory" },
  },
  examples: [
    "npm run fuzz -- --iterations 20000",
    "npm run fuzz -- --format tiff,tiff-file --seed 7",
    "npm run fuzz -- --format npy --first 123 --iterations 1",
  ],
  async run({ values }) {
    const names = values.format ?? FORMATS.map((f) => f.name);
    const stop = listenForStop("fuzz", "the formats not yet fuzzed");
    const escapes: string[] = [];
    try {
      for (const name of names) {
        if (stop.requested) break;
        // About 20 ms a mutant on a slow machine, plus the child's start.
        const timeoutMs = 30_000 + values.iterations * 50;
        const report = await runInChild(
          name,
          { iterations: values.iterations, seed: values.seed, first: values.first, slowMs: values.slowMs, saveDir: values.save },
          timeoutMs,
        );
        process.stdout.write(`${summaryLine(report)}\n`);
        const lines = escapeLines(report, values.seed);
        if (lines.length) process.stdout.write(`${lines.join("\n")}\n`);
        escapes.push(...lines);
      }
    } finally {
      stop.release();
    }
    if (escapes.length > 0) throw new WorkbenchError(`${escapes.length} escapes (listed above)`);
    return stop.requested ? 3 : undefined;
  },
});

if (require.main === module) main(fuzzCommand);
