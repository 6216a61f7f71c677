import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { formatSweepSummary, parseSweep, readSweepRecord, summarizeSweep, writeSweepRecord, writeSweepSummary } from "../../lib/cluster";
import { parseCsv } from "../../lib/io";
import type { LogRecord } from "../../lib/train";

const train = (iteration: number): LogRecord => ({
  kind: "train",
  iteration,
  epoch: 0,
  loss: 0.1,
  f1: 0.2,
  iou: 0.1,
  lr: 1e-3,
  seconds: 1,
});
const validation = (iteration: number, f1: number, iou: number, saved: Array<"best-f1" | "best-iou">): LogRecord => ({
  kind: "validation",
  iteration,
  loss: 0.1,
  f1,
  iou,
  neurons: 2,
  seconds: 1,
  saved,
});

function run(dir: string, iterations: number, log: LogRecord[]): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ iterations }));
  fs.writeFileSync(path.join(dir, "log.jsonl"), log.map((r) => `${JSON.stringify(r)}\n`).join(""));
}

test("the summary reads each run's best from the validations that saved best-f1 / best-iou, and says which runs are not done", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sweep-"));
  writeSweepRecord(dir, parseSweep(["mode=dense,nlat", "seed=1,2"], ["mode", "seed"]));
  assert.deepEqual(readSweepRecord(dir).runs[2], { name: "mode-nlat_seed-1", values: { mode: "nlat", seed: "1" } });
  run(path.join(dir, "mode-dense_seed-1"), 4, [
    validation(0, 0.1, 0.05, ["best-f1", "best-iou"]),
    train(1),
    train(2),
    validation(2, 0.5, 0.3, ["best-f1", "best-iou"]),
    train(3),
    train(4),
    validation(4, 0.45, 0.31, ["best-iou"]),
  ]);
  // nLat's first half is not eligible for best: its higher early score was not saved and does not count.
  run(path.join(dir, "mode-nlat_seed-1"), 4, [
    validation(0, 0.7, 0.6, []),
    train(1),
    train(2),
    validation(2, 0.4, 0.2, ["best-f1", "best-iou"]),
  ]);
  run(path.join(dir, "mode-dense_seed-2"), 4, []);
  const s = summarizeSweep(dir);
  assert.deepEqual(s.keys, ["mode", "seed"]);
  assert.deepEqual(
    s.runs.map((r) => [r.name, r.status, r.iteration, r.total, r.bestF1, r.bestIou]),
    [
      ["mode-dense_seed-1", "finished", 4, 4, { value: 0.5, iteration: 2 }, { value: 0.31, iteration: 4 }],
      ["mode-dense_seed-2", "unfinished", 0, 4, null, null],
      ["mode-nlat_seed-1", "unfinished", 2, 4, { value: 0.4, iteration: 2 }, { value: 0.2, iteration: 2 }],
      ["mode-nlat_seed-2", "not started", 0, 0, null, null],
    ],
  );
  assert.equal(
    formatSweepSummary(s),
    [
      "run                mode   seed  status       iterations  best_f1  best_f1_iteration  best_iou  best_iou_iteration",
      "mode-dense_seed-1  dense  1     finished     4/4         0.5000   2                  0.3100    4",
      "mode-dense_seed-2  dense  2     unfinished   0/4",
      "mode-nlat_seed-1   nlat   1     unfinished   2/4         0.4000   2                  0.2000    2",
      "mode-nlat_seed-2   nlat   2     not started  0/0",
      "best validation F1: 0.5000, mode-dense_seed-1 (iteration 2)",
      "best validation IoU: 0.3100, mode-dense_seed-1 (iteration 4)",
    ].join("\n"),
  );
  const csv = parseCsv(fs.readFileSync(writeSweepSummary(s), "utf8"));
  assert.deepEqual(csv.rows[0], ["mode-dense_seed-1", "dense", "1", "finished", "4/4", "0.5", "2", "0.31", "4"]);
  assert.deepEqual(csv.rows[3], ["mode-nlat_seed-2", "nlat", "2", "not started", "0/0", "", "", "", ""]);
  assert.throws(
    () => summarizeSweep(path.join(dir, "mode-dense_seed-1")),
    /mode-dense_seed-1: not a sweep directory \(no sweep\.json; `slurm train --sweep …` writes one\)/,
  );
  fs.writeFileSync(path.join(dir, "mode-dense_seed-2", "log.jsonl"), "{not json\n");
  assert.throws(() => summarizeSweep(dir), /mode-dense_seed-2\/log\.jsonl:1: not a JSON record/);
});
