import { test } from "node:test";
import assert from "node:assert/strict";
import { cliProgress } from "../../lib/core";

function recorder(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s.trim()) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

test("one callback over tasks run one after another: each task's rate and elapsed time start where the last one ended", () => {
  let t = 0;
  const { stream, lines } = recorder();
  const progress = cliProgress({ stream, everySeconds: 0, clock: () => t });
  t = 100_000; // the first task starts 100 s after the callback was made
  progress({ done: 0, total: 10, label: "train" });
  t = 110_000;
  progress({ done: 10, total: 10, label: "train" });
  t = 112_000;
  progress({ done: 4, total: 8, label: "embed" });
  t = 114_000;
  progress({ done: 8, total: 8, label: "embed" });
  // The first task counts from its own first event at 0 done, not from when the callback was made.
  assert.match(lines[1]!, /^train \[#+\] 10\/10 1\.00\/s elapsed 10s/);
  // The second task counts from the first one's last event (110 s), not from the start.
  assert.match(lines[2]!, /^embed \[#+\.+\] 4\/8 2\.00\/s elapsed 2s eta 2s/);
  assert.match(lines[3]!, /^embed \[#+\] 8\/8 2\.00\/s elapsed 4s eta 0s/);
});

test("lines to a file are spaced by everySeconds, and a finished task is always printed", () => {
  let t = 0;
  const { stream, lines } = recorder();
  const progress = cliProgress({ stream, everySeconds: 10, clock: () => t });
  for (let i = 1; i <= 30; i++) {
    t = i * 1000;
    progress({ done: i, total: 30 });
  }
  assert.deepEqual(
    lines.map((l) => l.match(/\] (\d+)\//)![1]),
    ["1", "11", "21", "30"],
  );
});
