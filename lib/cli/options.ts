import { parseArgs } from "node:util";
import { ConfigError } from "../core";

/**
 * A command's options, declared once: the parser, the typed values, the
 * checks and the --help text all come from this declaration.
 */
export type OptionType = "string" | "boolean" | "integer" | "number" | "strings" | "integers" | "numbers";

interface ValueOfType {
  string: string;
  boolean: boolean;
  integer: number;
  number: number;
  strings: string[];
  integers: number[];
  numbers: number[];
}

export interface OptionSpec<T extends OptionType = OptionType> {
  type: T;
  /** One line for --help: what the option does. */
  description: string;
  /** Shown in --help as `--name <placeholder>` (default: the type). */
  placeholder?: string;
  default?: ValueOfType[T] | Readonly<ValueOfType[T]>;
  required?: boolean;
  /** The allowed values of a string option (or of each item of a list). */
  choices?: readonly string[];
  /** Smallest allowed number (integer, number and their lists). */
  min?: number;
  /** One-letter alias. */
  short?: string;
  /**
   * The flag may be given several times (`--sweep a=1,2 --sweep b=3`); the
   * value is the list of what was given, in order, and the empty list when
   * the flag is absent (so such an option takes no default).
   */
  multiple?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed value of each option: present when it has a default or is required; a list for a repeatable option. */
export type OptionValues<O extends OptionSpecs> = {
  -readonly [K in keyof O]: O[K] extends { multiple: true }
    ? Array<ValueOfType[O[K]["type"]]>
    : O[K] extends { required: true } | { default: unknown }
      ? ValueOfType[O[K]["type"]]
      : ValueOfType[O[K]["type"]] | undefined;
};

/** Positional arguments of a command, e.g. the input files of `dataset create`. */
export interface PositionalSpec {
  name: string;
  description: string;
  /** Fewest allowed (default 0). */
  min?: number;
  /** Most allowed (default unlimited). */
  max?: number;
}

/** A command line the command cannot take: exit code 2. */
export class UsageError extends ConfigError {}

/** `maxLr` → `max-lr`: options are declared in camelCase and written in kebab-case. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function convertOne(flag: string, spec: OptionSpec, raw: string): string | number {
  if (spec.type === "string" || spec.type === "strings") {
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new UsageError(`--${flag}: expected one of ${spec.choices.join(", ")}; found ${JSON.stringify(raw)}`);
    }
    return raw;
  }
  const integer = spec.type === "integer" || spec.type === "integers";
  const n = raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag}: expected ${integer ? "an integer" : "a number"}; found ${JSON.stringify(raw)}`);
  }
  if (spec.min !== undefined && n < spec.min) throw new UsageError(`--${flag}: expected at least ${spec.min}; found ${raw}`);
  return n;
}

function convert(flag: string, spec: OptionSpec, raw: string | boolean): unknown {
  if (spec.type === "boolean") return raw;
  const text = raw as string;
  if (spec.type === "strings" || spec.type === "integers" || spec.type === "numbers") {
    const items = text
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (items.length === 0) throw new UsageError(`--${flag}: expected a comma-separated list; found ${JSON.stringify(text)}`);
    return items.map((s) => convertOne(flag, spec, s));
  }
  return convertOne(flag, spec, text);
}

/** Node's own parse errors, turned into one line that names the flag. */
function usageErrorFrom(e: unknown): UsageError {
  const err = e as { code?: string; message?: string };
  const message = String(err.message ?? e);
  const flag = /'(-[^' ]+)/.exec(message)?.[1];
  if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return new UsageError(`unknown option ${flag ?? message}`);
  if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL")
    return new UsageError(`unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? message}`);
  if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (message.includes("ambiguous")) return new UsageError(`${flag}: a value starting with '-' is written ${flag}=<value>`);
    if (message.includes("does not take an argument")) return new UsageError(`${flag} takes no value`);
    return new UsageError(`${flag ?? message} needs a value`);
  }
  return new UsageError(message.split("\n")[0]!);
}

export interface ParsedArguments<O extends OptionSpecs> {
  values: OptionValues<O>;
  positionals: string[];
  help: boolean;
  version: boolean;
}

/**
 * Parses `argv` against the declaration. Throws a UsageError (exit code 2)
 * for an unknown flag, a missing value, a value of the wrong type or outside
 * its choices, a missing required option, or the wrong number of positionals.
 * --help and --version are reported, not acted on, and skip the checks.
 */
export function parseOptions<O extends OptionSpecs>(argv: readonly string[], options: O, positionals?: PositionalSpec): ParsedArguments<O> {
  const config: NonNullable<Parameters<typeof parseArgs>[0]>["options"] = {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean" },
  };
  for (const [key, spec] of Object.entries(options)) {
    config[flagName(key)] = {
      type: spec.type === "boolean" ? "boolean" : "string",
      multiple: spec.multiple === true,
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals: positionals !== undefined, strict: true });
  } catch (e) {
    throw usageErrorFrom(e);
  }
  const raw = parsed.values as Record<string, string | boolean | Array<string | boolean> | undefined>;
  const help = raw.help === true;
  const version = raw.version === true;
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(options)) {
    const flag = flagName(key);
    const given = raw[flag];
    if (Array.isArray(given)) values[key] = given.map((g) => convert(flag, spec, g));
    else if (given !== undefined) values[key] = convert(flag, spec, given);
    else if (spec.multiple && !spec.required) values[key] = [];
    else if (spec.default !== undefined) values[key] = Array.isArray(spec.default) ? [...(spec.default as unknown[])] : spec.default;
    else if (spec.required && !help && !version) throw new UsageError(`--${flag} is required (${spec.description})`);
  }
  const rest = parsed.positionals;
  if (positionals && !help && !version) {
    const min = positionals.min ?? 0;
    if (rest.length < min)
      throw new UsageError(`expected ${min === 1 ? "a" : `at least ${min}`} <${positionals.name}> (${positionals.description})`);
    if (positionals.max !== undefined && rest.length > positionals.max)
      throw new UsageError(`unexpected argument ${JSON.stringify(rest[positionals.max])}`);
  }
  return { values: values as OptionValues<O>, positionals: rest, help, version };
}
