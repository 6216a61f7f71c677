import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { command, commandGroup, commandHelp, EXIT, parseOptions, reportError, UsageError } from "../../lib/cli";
import { ConfigError, ParseError } from "../../lib/core";

const OPTIONS = {
  out: { type: "string", description: "where to write", required: true },
  grids: { type: "integers", description: "grid sizes", default: [64], min: 8 },
  split: { type: "string", description: "which split", choices: ["train", "val"] },
  rate: { type: "number", description: "a rate" },
  dryRun: { type: "boolean", description: "write nothing" },
} as const;

test("options are typed, checked and defaulted from one declaration", () => {
  const a = parseOptions(["--out", "x", "--grids", "64,128", "--rate=-0.5", "--dry-run", "in1", "in2"], OPTIONS, {
    name: "inputs",
    description: "files",
    min: 1,
  });
  assert.deepEqual(a.values, { out: "x", grids: [64, 128], rate: -0.5, dryRun: true });
  assert.deepEqual(a.positionals, ["in1", "in2"]);
  assert.deepEqual(parseOptions(["--out", "x"], OPTIONS).values.grids, [64]);
  const bad: Array<[string[], RegExp]> = [
    [["--grids", "64"], /^--out is required \(where to write\)$/],
    [["--out", "x", "--grids", "4"], /^--grids: expected at least 8; found 4$/],
    [["--out", "x", "--grids", "64,big"], /^--grids: expected an integer; found "big"$/],
    [["--out", "x", "--split", "test"], /^--split: expected one of train, val; found "test"$/],
    [["--out", "x", "--rate", "-1"], /^--rate: a value starting with '-' is written --rate=<value>$/],
    [["--out"], /^--out needs a value$/],
    [["--out", "x", "--dry-run=yes"], /^--dry-run takes no value$/],
    [["--out", "x", "--colour", "red"], /^unknown option --colour$/],
    [["--out", "x", "stray"], /^unexpected argument stray$/],
  ];
  for (const [argv, message] of bad)
    assert.throws(
      () => parseOptions(argv, OPTIONS),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
      argv.join(" "),
    );
  assert.throws(
    () => parseOptions(["--out", "x"], OPTIONS, { name: "inputs", description: "files", min: 1 }),
    /expected a <inputs> \(files\)/,
  );
  assert.equal(parseOptions(["--help"], OPTIONS).help, true, "--help skips the required-option check");
});

test("a repeatable option collects every occurrence in order, each item checked; absent, it is the empty list", () => {
  const options = {
    sweep: { type: "string", description: "one axis", multiple: true },
    grid: { type: "integers", description: "grid sizes", multiple: true, min: 8 },
    tag: { type: "string", description: "a tag", multiple: true, required: true },
  } as const;
  const a = parseOptions(["--sweep", "max-lr=1e-3,3e-3", "--tag", "x", "--grid", "16,32", "--sweep=batch-size=8", "--grid", "64"], options);
  assert.deepEqual(a.values, { sweep: ["max-lr=1e-3,3e-3", "batch-size=8"], grid: [[16, 32], [64]], tag: ["x"] });
  assert.deepEqual(parseOptions(["--tag", "x"], options).values, { sweep: [], grid: [], tag: ["x"] });
  assert.throws(
    () => parseOptions(["--tag", "x", "--grid", "16", "--grid", "4"], options),
    /^UsageError: --grid: expected at least 8; found 4$/,
  );
  assert.throws(() => parseOptions(["--sweep", "a=1"], options), /^UsageError: --tag is required \(a tag\)$/);
  const help = commandHelp(command({ name: "make", summary: "makes things", options, run: () => undefined }), "make");
  assert.match(help, /--sweep <string> +one axis \(repeatable\)/);
  assert.match(help, /--tag <string> +a tag \(required; repeatable\)/);
});

test("--help is generated from the declaration: every flag with its description, default and the exit codes", () => {
  const cmd = command({ name: "make", summary: "makes things", options: OPTIONS, run: () => undefined });
  const help = commandHelp(cmd, "make");
  assert.match(help, /usage: npm run make -- \[options\]\n   or: npx neuro-workbench make \[options\]/);
  assert.match(help, /--out <string> +where to write \(required\)/);
  assert.match(help, /--grids <integer,…> +grid sizes \(default 64\)/);
  assert.match(help, /--split <train\|val> +which split/);
  assert.match(help, /--dry-run +write nothing/);
  assert.match(help, /exit codes: 0 done, 1 the work failed, 2 usage error, 3 stopped on request/);
  const group = commandGroup({ name: "data", summary: "data things", commands: [cmd] });
  assert.match(commandHelp(group, "data"), /usage: npm run data -- <command> \[options\][\s\S]*commands:\n  make +makes things/);
});

test("an error is one line on stderr; its class decides the exit code and only bugs show a stack", () => {
  const lines: string[] = [];
  const sink = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
  assert.equal(reportError("make", new UsageError("--x needs a value"), sink), EXIT.usage);
  assert.equal(reportError("make", new ConfigError("alpha: expected a number in [0, 1]"), sink), EXIT.usage);
  assert.equal(reportError("make", new ParseError("a.swc", { line: 3 }, "parent 9 not found"), sink), EXIT.failed);
  assert.deepEqual(lines, [
    "make: --x needs a value (see make --help)\n",
    "make: alpha: expected a number in [0, 1]\n",
    "make: a.swc:3: parent 9 not found\n",
  ]);
  assert.equal(reportError("make", new TypeError("x is undefined"), sink), EXIT.failed);
  assert.match(lines[3]!, /^make: internal error \(please report it\): TypeError: x is undefined\n    at /);
});

test("the program lists its commands and answers --version", () => {
  const bin = path.resolve(__dirname, "../../bin/neuro-workbench.js");
  const list = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /commands:\n  demo [\s\S]*\n  train /);
  const version = spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8" });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^neuro-shape-workbench \d+\.\d+\.\d+\n$/);
  const unknown = spawnSync(process.execPath, [bin, "trian"], { encoding: "utf8" });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^neuro-workbench: unknown command "trian"; expected one of .* \(see neuro-workbench --help\)\n$/);
});
