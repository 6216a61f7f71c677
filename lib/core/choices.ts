import { ConfigError } from "./errors";

/**
 * Checks that `value` is one of `allowed` and narrows its type. Every set of
 * allowed strings in the workbench (backends, presets, formats…) goes through
 * here so the error always lists the valid values.
 */
export function checkChoice<T extends string>(what: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) {
    return value as T;
  }
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  throw new ConfigError(`${what}: expected one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}; found ${shown}`);
}
