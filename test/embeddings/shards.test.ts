import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ConfigError } from "../../lib/core";
import { parseShard, slurmShard } from "../../lib/embeddings";

test("slurmShard numbers the tasks of a job array from 0, with or without SLURM_ARRAY_TASK_COUNT", () => {
  // sbatch --array=0-7, task 3, as Slurm 22 sets it
  assert.deepEqual(
    slurmShard({
      SLURM_ARRAY_TASK_ID: "3",
      SLURM_ARRAY_TASK_COUNT: "8",
      SLURM_ARRAY_TASK_MIN: "0",
      SLURM_ARRAY_TASK_MAX: "7",
      SLURM_ARRAY_TASK_STEP: "1",
    }),
    { index: 3, count: 8 },
  );
  // --array=1-8 starts at 1: the last task is shard 7 of 8
  assert.deepEqual(
    slurmShard({ SLURM_ARRAY_TASK_ID: "8", SLURM_ARRAY_TASK_COUNT: "8", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "8" }),
    { index: 7, count: 8 },
  );
  // only ID and COUNT
  assert.deepEqual(slurmShard({ SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "1" }), { index: 0, count: 1 });
  // COUNT absent: N = MAX − MIN + 1
  assert.deepEqual(slurmShard({ SLURM_ARRAY_TASK_ID: "12", SLURM_ARRAY_TASK_MIN: "10", SLURM_ARRAY_TASK_MAX: "13" }), {
    index: 2,
    count: 4,
  });
  // --array=0-15:4 runs tasks 0, 4, 8, 12
  assert.deepEqual(
    slurmShard({ SLURM_ARRAY_TASK_ID: "8", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "12", SLURM_ARRAY_TASK_STEP: "4" }),
    { index: 2, count: 4 },
  );
  assert.deepEqual(
    slurmShard({
      SLURM_ARRAY_TASK_ID: "12",
      SLURM_ARRAY_TASK_COUNT: "4",
      SLURM_ARRAY_TASK_MIN: "0",
      SLURM_ARRAY_TASK_MAX: "12",
      SLURM_ARRAY_TASK_STEP: "4",
    }),
    { index: 3, count: 4 },
  );
});

test("slurmShard explains what is missing or does not fit", () => {
  const refused: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [
      {},
      /^--shard slurm: SLURM_ARRAY_TASK_ID is not set, so this is not a task of a Slurm job array \(sbatch --array=0-7 …\); give --shard i\/N instead$/,
    ],
    [{ SLURM_ARRAY_TASK_ID: "" }, /SLURM_ARRAY_TASK_ID is not set/],
    [
      { SLURM_ARRAY_TASK_ID: "2" },
      /^--shard slurm: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_MAX; give --shard i\/N instead$/,
    ],
    [{ SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_MIN: "0" }, /neither SLURM_ARRAY_TASK_COUNT nor/],
    [
      { SLURM_ARRAY_TASK_ID: "two", SLURM_ARRAY_TASK_COUNT: "4" },
      /^--shard slurm: SLURM_ARRAY_TASK_ID should be a whole number; found "two"$/,
    ],
    [{ SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "-4" }, /SLURM_ARRAY_TASK_COUNT should be a whole number; found "-4"/],
    [
      { SLURM_ARRAY_TASK_ID: "4", SLURM_ARRAY_TASK_COUNT: "4" },
      /task SLURM_ARRAY_TASK_ID 4 is not one of the 4 tasks numbered from 0 in steps of 1 \(an array given as a list/,
    ],
    [{ SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "0" }, /SLURM_ARRAY_TASK_COUNT should be at least 1; found 0/],
    // --array=1,5,9: no range to number the tasks by
    [
      { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "3", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "9" },
      /SLURM_ARRAY_TASK_ID 5 is not one of the 3 tasks numbered from 1 .*use a range such as --array=0-2, or --shard i\/N/,
    ],
    [
      { SLURM_ARRAY_TASK_ID: "6", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_MAX: "12", SLURM_ARRAY_TASK_STEP: "4" },
      /6 is not one of the 4 tasks numbered from 0 in steps of 4/,
    ],
    [
      { SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_MIN: "5", SLURM_ARRAY_TASK_MAX: "2" },
      /SLURM_ARRAY_TASK_MAX 2 is below SLURM_ARRAY_TASK_MIN 5/,
    ],
    [
      { SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "4", SLURM_ARRAY_TASK_STEP: "0" },
      /SLURM_ARRAY_TASK_STEP should be at least 1; found 0/,
    ],
  ];
  for (const [env, message] of refused)
    assert.throws(
      () => slurmShard(env),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
      JSON.stringify(env),
    );
});

test("parseShard takes i/N or slurm", () => {
  assert.deepEqual(parseShard("2/5", {}), { index: 2, count: 5 });
  assert.deepEqual(parseShard("slurm", { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "3" }), { index: 1, count: 3 });
  assert.throws(() => parseShard("slurm", {}), /SLURM_ARRAY_TASK_ID is not set/);
  assert.throws(
    () => parseShard("auto", {}),
    /^ConfigError: --shard: expected i\/N with 0 <= i < N \(e\.g\. 3\/8\) or slurm; found "auto"$/,
  );
});
