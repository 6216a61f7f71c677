import { ConfigError, WorkbenchError, requireSupportedNode } from "../core";
import { projectVersion } from "./version";
import { flagName, parseOptions, UsageError } from "./options";
import type { OptionSpec, OptionSpecs, OptionValues, PositionalSpec } from "./options";

/**
 * Exit codes, the same for every command:
 *   0  done
 *   1  the work failed (a file could not be read, a run could not finish, …)
 *   2  usage error (unknown flag, missing or malformed value)
 *   3  stopped on request (Ctrl-C, SIGTERM, SIGUSR1): what was done is saved,
 *      the same command continues it
 */
export const EXIT = { done: 0, failed: 1, usage: 2, stopped: 3 } as const;

export const EXIT_CODES_HELP =
  "exit codes: 0 done, 1 the work failed, 2 usage error, 3 stopped on request (what was done is saved; run the same command again to continue)";

/** The parsed command line handed to a command's run. */
export interface Invocation<O extends OptionSpecs> {
  values: OptionValues<O>;
  positionals: string[];
  /** The command's full name for messages, e.g. "dataset create". */
  name: string;
}

/** What run may return: an exit code, or nothing for "done". */
export type RunResult = number | void;

export interface Command<O extends OptionSpecs = OptionSpecs> {
  kind: "command";
  /** As typed after the program name, e.g. "train" or "create". */
  name: string;
  /** One line for the list of commands. */
  summary: string;
  /** A paragraph or two for --help: what the command does, what it writes. */
  description?: string;
  options: O;
  positionals?: PositionalSpec;
  /** Example command lines for --help. */
  examples?: string[];
  run(invocation: Invocation<O>): Promise<RunResult> | RunResult;
}

export interface CommandGroup {
  kind: "group";
  name: string;
  summary: string;
  description?: string;
  commands: Array<Command | CommandGroup>;
  /** Run when the first argument names none of the commands (e.g. `embed …` without `merge`). */
  default?: Command;
}

export type AnyCommand = Command | CommandGroup;

/** Declares a command; the identity function that lets TypeScript infer the option types for run. */
export function command<O extends OptionSpecs>(spec: Omit<Command<O>, "kind">): Command<O> {
  return { kind: "command", ...spec };
}

export function commandGroup(spec: Omit<CommandGroup, "kind">): CommandGroup {
  return { kind: "group", ...spec };
}

function optionLine(key: string, spec: OptionSpec): [string, string] {
  const flag = `--${flagName(key)}`;
  const short = spec.short ? `-${spec.short}, ` : "";
  const value =
    spec.type === "boolean"
      ? ""
      : ` <${spec.placeholder ?? (spec.choices ? spec.choices.join("|") : spec.type.endsWith("s") ? `${spec.type.slice(0, -1)},…` : spec.type)}>`;
  const notes: string[] = [];
  if (spec.required) notes.push("required");
  if (spec.multiple) notes.push("repeatable");
  if (spec.default !== undefined && spec.type !== "boolean")
    notes.push(`default ${Array.isArray(spec.default) ? spec.default.join(",") : String(spec.default)}`);
  return [`${short}${flag}${value}`, `${spec.description}${notes.length ? ` (${notes.join("; ")})` : ""}`];
}

function table(rows: Array<[string, string]>): string[] {
  const width = Math.min(34, Math.max(...rows.map(([a]) => a.length)) + 2);
  return rows.map(([a, b]) => (a.length + 2 > width ? `  ${a}\n  ${" ".repeat(width)}${b}` : `  ${a.padEnd(width)}${b}`));
}

/** The program the commands are installed as (package.json "bin"). */
export const PROGRAM = "neuro-workbench";

/** `dataset create` → `npm run dataset -- create`: how the command is typed through its npm script. */
function npmForm(path: string): string {
  const [script, ...rest] = path.split(" ");
  return `npm run ${script} --${rest.length ? ` ${rest.join(" ")}` : ""}`;
}

/** The --help text of a command, generated from its declaration; `path` is e.g. "dataset create". */
export function commandHelp(cmd: AnyCommand, path: string): string {
  const lines: string[] = [];
  const forms = (tail: string): string[] => [
    `usage: ${npmForm(path)} ${tail}`,
    `   or: npx ${[PROGRAM, path].filter((p) => p !== "").join(" ")} ${tail}`,
  ];
  if (cmd.kind === "group" && path === "") {
    lines.push(`usage: npx ${PROGRAM} <command> [options]`, "   or: npm run <command> -- [options]");
  } else if (cmd.kind === "group") {
    lines.push(...forms("<command> [options]"));
  }
  if (cmd.kind === "group") {
    if (cmd.default) lines.push(...forms(`[options]   (${cmd.default.summary})`).map((l) => l.replace(/^usage:/, "   or:")));
    lines.push("", cmd.summary);
    if (cmd.description) lines.push("", cmd.description);
    lines.push("", "commands:", ...table(cmd.commands.map((c) => [c.name, c.summary])));
    if (cmd.default) {
      lines.push(
        "",
        `options of \`${path}\` without a command:`,
        ...table(Object.entries(cmd.default.options).map(([k, s]) => optionLine(k, s))),
      );
    }
    lines.push("", `\`${path === "" ? PROGRAM : path} <command> --help\` describes each command.`);
  } else {
    const pos = cmd.positionals ? `<${cmd.positionals.name}>${cmd.positionals.max === 1 ? "" : "…"} ` : "";
    lines.push(...forms(`${pos}[options]`), "", cmd.summary);
    if (cmd.description) lines.push("", cmd.description);
    const rows = Object.entries(cmd.options).map(([k, s]) => optionLine(k, s));
    if (cmd.positionals) rows.unshift([`<${cmd.positionals.name}>`, cmd.positionals.description]);
    rows.push(["-h, --help", "show this help"], ["--version", "print the workbench's version"]);
    lines.push("", "options:", ...table(rows));
    if (cmd.examples?.length) lines.push("", "examples:", ...cmd.examples.map((e) => `  ${e}`));
  }
  lines.push("", EXIT_CODES_HELP);
  return lines.join("\n");
}

/** Writes the one-line message for an error and returns its exit code; only bugs get a stack trace. */
export function reportError(name: string, e: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  // A value the command cannot take is a usage error wherever it is found:
  // while parsing the flags or deeper, e.g. a preset's option out of range.
  if (e instanceof ConfigError) {
    stderr.write(`${name}: ${e.message}${e instanceof UsageError ? ` (see ${name} --help)` : ""}\n`);
    return EXIT.usage;
  }
  if (e instanceof WorkbenchError) {
    stderr.write(`${name}: ${e.message}\n`);
    return EXIT.failed;
  }
  stderr.write(`${name}: internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT.failed;
}

/**
 * Runs a command (or a group's subcommand) on `argv` and returns the exit
 * code. `path` is how the user called it, e.g. "neuro-workbench dataset",
 * used in help and messages.
 */
export async function runCommand(cmd: AnyCommand, argv: readonly string[], path: string = cmd.name): Promise<number> {
  try {
    if (cmd.kind === "group") {
      const [first, ...rest] = argv;
      const sub = cmd.commands.find((c) => c.name === first);
      if (sub) return await runCommand(sub, rest, path === "" ? sub.name : `${path} ${sub.name}`);
      if (first === "--version") return printVersion();
      const wantsHelp = first === undefined ? !cmd.default : first === "--help" || first === "-h";
      if (wantsHelp) {
        process.stdout.write(`${commandHelp(cmd, path)}\n`);
        return EXIT.done;
      }
      if (cmd.default && (first === undefined || first.startsWith("-"))) return await runCommand(cmd.default, argv, path);
      throw new UsageError(`unknown command ${JSON.stringify(first)}; expected one of ${cmd.commands.map((c) => c.name).join(", ")}`);
    }
    const parsed = parseOptions(argv, cmd.options, cmd.positionals);
    if (parsed.help) {
      process.stdout.write(`${commandHelp(cmd, path)}\n`);
      return EXIT.done;
    }
    if (parsed.version) return printVersion();
    const code = await cmd.run({ values: parsed.values, positionals: parsed.positionals, name: path });
    return code ?? EXIT.done;
  } catch (e) {
    return reportError(path || PROGRAM, e);
  }
}

function printVersion(): number {
  process.stdout.write(`${projectVersion()}\n`);
  return EXIT.done;
}

/** The entry point of a command file: runs it on the process's arguments and exits with its code. */
export function main(cmd: AnyCommand, path: string = cmd.name): void {
  try {
    requireSupportedNode();
  } catch (e) {
    process.exit(reportError(path || PROGRAM, e));
  }
  runCommand(cmd, process.argv.slice(2), path).then(
    (code) => process.exit(code),
    (e: unknown) => process.exit(reportError(path || PROGRAM, e)),
  );
}
