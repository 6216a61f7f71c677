/**
 * Every command of bin/workbench.ts, found by walking its tree (a command
 * added there is checked without touching this file): --help describes every
 * declared option, --version answers, and usage errors are one line on stderr
 * with exit code 2. The checks run in process through runCommand, with every
 * command's work replaced so that nothing can run. Each process through the
 * bin costs seconds on a busy machine, so a fixed few show that the installed
 * forms (the bin, an npm script) behave the same, however many commands there are.
 */
import { mock, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { EXIT, flagName, PROGRAM, runCommand } from "../../lib/cli";
import type { AnyCommand, Command, OptionSpec } from "../../lib/cli";
import { workbench } from "../../bin/workbench";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "neuro-workbench.js");
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
  scripts: Record<string, string>;
};
const VERSION_LINE = `${PACKAGE.name} ${PACKAGE.version}\n`;
/** What a disarmed command returns instead of doing its work. */
const RAN = 99;

interface Node {
  /** As typed after the program name ("" for the program itself). */
  path: string;
  cmd: AnyCommand;
}

function walk(cmd: AnyCommand, at: string): Node[] {
  if (cmd.kind === "command") return [{ path: at, cmd }];
  return [{ path: at, cmd }, ...cmd.commands.flatMap((c) => walk(c, at === "" ? c.name : `${at} ${c.name}`))];
}

/** The same tree with every run replaced, so a check that parses further than expected cannot start real work. */
function disarmed(cmd: AnyCommand): AnyCommand {
  if (cmd.kind === "command") return { ...cmd, run: () => RAN };
  return { ...cmd, commands: cmd.commands.map(disarmed), default: cmd.default && (disarmed(cmd.default) as Command) };
}

const NODES = walk(workbench, "");
const TREE = disarmed(workbench);

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the program in process on `argv`. The layer writes help and errors
 * before its first await, so the streams are restored before awaiting: the
 * test runner's own output (on stdout too) is never captured, and output that
 * came later would be missing and fail the check rather than pass unseen.
 */
async function inProcess(argv: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => (chunk: string | Uint8Array) => into.push(String(chunk)) > 0;
  const captured = [mock.method(process.stdout, "write", sink(out)), mock.method(process.stderr, "write", sink(err))];
  let pending: Promise<number>;
  try {
    pending = runCommand(TREE, argv, "");
  } finally {
    for (const m of captured) m.mock.restore();
  }
  return { code: await pending, stdout: out.join(""), stderr: err.join("") };
}

function spawned(file: string, args: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }),
    );
  });
}

/** Each process compiles the commands through tsx (seconds on a busy machine): two at a time. */
async function twoAtATime<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i]!);
    }
  };
  await Promise.all([lane(), lane()]);
  return results;
}

const argvOf = (node: Node, ...rest: string[]): string[] => [...(node.path === "" ? [] : node.path.split(" ")), ...rest];
const shownName = (node: Node): string => node.path || PROGRAM;
/** The command whose options the node's flags go to: itself, or a group's default. */
const optionsOf = (node: Node): Command | undefined => (node.cmd.kind === "command" ? node.cmd : node.cmd.default);
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A value the option accepts, for giving every required option but one. */
function acceptedValue(spec: OptionSpec): string[] {
  if (spec.type === "boolean") return [];
  if (spec.choices) return [spec.choices[0]!];
  if (spec.type === "string" || spec.type === "strings") return ["x"];
  return [String(spec.min ?? 1)];
}

function assertOneLine(r: Outcome, node: Node, naming: string, what: string): void {
  assert.equal(r.code, EXIT.usage, `${what}: exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, "", `${what}: nothing on stdout`);
  assert.match(r.stderr, /^[^\n]+\n$/, `${what}: one line on stderr`);
  assert.ok(r.stderr.startsWith(`${shownName(node)}: `), `${what}: starts with the command's name: ${r.stderr}`);
  assert.ok(r.stderr.includes(naming), `${what}: names ${naming}: ${r.stderr}`);
}

test("the tree has commands, and each command on top has its npm script running the same command", async () => {
  assert.ok(NODES.length > 1);
  for (const node of NODES) if (node.cmd.kind === "group") assert.ok(node.cmd.commands.length > 0, `${shownName(node)} has commands`);
  for (const cmd of workbench.commands) {
    const script = PACKAGE.scripts[cmd.name];
    const file = /^tsx (\S+\.ts)$/.exec(script ?? "")?.[1];
    assert.ok(file, `package.json has "${cmd.name}": "tsx <file>.ts"; found ${JSON.stringify(script)}`);
    const exported = Object.values((await import(path.join(ROOT, file))) as Record<string, unknown>);
    assert.ok(exported.includes(cmd), `${file} exports the command that bin/workbench.ts registers as ${cmd.name}`);
  }
});

test("every command answers --help, --version, an unknown flag and a missing required option", async (t) => {
  for (const node of NODES) {
    await t.test(shownName(node), async () => {
      const help = await inProcess(argvOf(node, "--help"));
      assert.equal(help.code, EXIT.done, help.stderr);
      assert.equal(help.stderr, "");
      assert.match(help.stdout, /^usage: \S/m);
      if (node.cmd.kind === "group") {
        for (const c of node.cmd.commands)
          assert.match(help.stdout, new RegExp(`^  ${escape(c.name)}\\s+${escape(c.summary)}$`, "m"), `lists ${c.name}`);
      }
      const target = optionsOf(node);
      for (const [key, spec] of Object.entries(target?.options ?? {})) {
        const line = new RegExp(`^  (-\\w, )?--${escape(flagName(key))}(\\s[^\\n]*?)?(\\n\\s+)?${escape(spec.description)}`, "m");
        assert.match(help.stdout, line, `describes --${flagName(key)}`);
      }
      if (target?.positionals)
        assert.match(help.stdout, new RegExp(`^  <${escape(target.positionals.name)}>\\s+${escape(target.positionals.description)}`, "m"));

      const version = await inProcess(argvOf(node, "--version"));
      assert.deepEqual(version, { code: EXIT.done, stdout: VERSION_LINE, stderr: "" });

      assertOneLine(await inProcess(argvOf(node, "--no-such-flag", "1")), node, "--no-such-flag", "unknown flag");

      if (!target) return;
      const required = Object.entries(target.options).filter(([, s]) => s.required && s.default === undefined);
      const given = (except?: string): string[] =>
        required.filter(([k]) => k !== except).flatMap(([k, s]) => [`--${flagName(k)}`, ...acceptedValue(s)]);
      for (const [key] of required) {
        assertOneLine(await inProcess(argvOf(node, ...given(key))), node, `--${flagName(key)}`, `without --${flagName(key)}`);
      }
      if ((target.positionals?.min ?? 0) > 0) {
        assertOneLine(
          await inProcess(argvOf(node, ...given())),
          node,
          `<${target.positionals!.name}>`,
          `without <${target.positionals!.name}>`,
        );
      }
    });
  }
});

test("through the bin: the program's help, and a subcommand's help, version and usage errors", { timeout: 5 * 60 * 1000 }, async () => {
  const requiredOf = (cmd: Command): Array<[string, OptionSpec]> =>
    Object.entries(cmd.options).filter(([, s]) => s.required && s.default === undefined);
  const withRequired = NODES.filter((n) => n.cmd.kind === "command" && requiredOf(n.cmd).length > 0);
  // A subcommand, when there is one, so the bin's dispatch through a group is shown too.
  const leaf = withRequired.find((n) => n.path.includes(" ")) ?? withRequired[0]!;
  const [first, ...others] = requiredOf(leaf.cmd as Command);
  const missing = first![0];
  const root = NODES[0]!;
  const expected = { root: await inProcess(argvOf(root, "--help")), leaf: await inProcess(argvOf(leaf, "--help")) };
  const runs: Array<{ args: string[]; check: (r: Outcome) => void }> = [
    { args: argvOf(root, "--help"), check: (r) => assert.deepEqual(r, { ...expected.root, code: EXIT.done }) },
    { args: argvOf(leaf, "--help"), check: (r) => assert.deepEqual(r, { ...expected.leaf, code: EXIT.done }) },
    { args: argvOf(leaf, "--version"), check: (r) => assert.deepEqual(r, { code: EXIT.done, stdout: VERSION_LINE, stderr: "" }) },
    { args: argvOf(leaf, "--no-such-flag", "1"), check: (r) => assertOneLine(r, leaf, "--no-such-flag", "unknown flag through the bin") },
    {
      args: argvOf(leaf, ...others.flatMap(([k, s]) => [`--${flagName(k)}`, ...acceptedValue(s)])),
      check: (r) => assertOneLine(r, leaf, `--${flagName(missing)}`, `without --${flagName(missing)} through the bin`),
    },
  ];
  const outcomes = await twoAtATime(runs, (r) => spawned(process.execPath, [BIN, ...r.args]));
  runs.forEach((r, i) => r.check(outcomes[i]!));
});

test("the npm-script form: npm run -s train -- --help", { timeout: 2 * 60 * 1000 }, async () => {
  const expected = await inProcess(["train", "--help"]);
  const r = await spawned(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "-s", "train", "--", "--help"]);
  assert.deepEqual(r, { code: EXIT.done, stdout: expected.stdout, stderr: "" });
});
