/**
 * Every reader against a few hundred seeded mutants of its valid fixtures
 * (test/fuzz/formats.ts): each mutant must load or be refused with a
 * workbench error naming the file, within the time and memory limits. Each
 * format runs in its own child process, two at a time, and the count of
 * mutants per format is printed. `npm run fuzz -- --iterations N` runs longer.
 */
import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { FORMATS } from "./formats";
import { escapeLines, runInChild, summaryLine } from "./harness";

const ITERATIONS = 300;
const SEED = 1;

describe("fuzzed readers", { concurrency: 2 }, () => {
  for (const format of FORMATS) {
    test(`fuzz ${format.name}: ${ITERATIONS} mutants load or are refused naming the file`, { timeout: 120_000 }, async () => {
      const report = await runInChild(format.name, { iterations: ITERATIONS, seed: SEED }, 60_000);
      console.log(summaryLine(report));
      assert.equal(report.mutants, ITERATIONS, summaryLine(report));
      assert.deepEqual(escapeLines(report, SEED), []);
    });
  }
});
