/**
 * The child process of runInChild: runs one format's mutants and writes one
 * JSON line per mutant before reading it ({"start": i}), then the report.
 * Lines go straight to file descriptor 1 so the last one is out even if the
 * next read never returns.
 */
import * as fs from "node:fs";
import { formatNamed } from "./formats";
import { runMutants } from "./harness";
import type { RunOptions } from "./harness";

const args = JSON.parse(process.argv[2] ?? "{}") as RunOptions & { format: string };
const line = (v: unknown): void => {
  fs.writeSync(1, `${JSON.stringify(v)}\n`);
};

runMutants(formatNamed(args.format), { ...args, onStart: (start) => line({ start }) }).then(
  (report) => {
    line({ report });
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
