/**
 * Non-fatal problems are warnings: each distinct message is reported once and
 * counted, so a notebook can show how many were raised without flooding.
 */
const counts = new Map<string, number>();
let sink: (message: string) => void = (m) => console.warn(`warning: ${m}`);

export function warnOnce(message: string): void {
  const n = counts.get(message) ?? 0;
  counts.set(message, n + 1);
  if (n === 0) sink(message);
}

/** Every distinct warning so far with how often it was raised. */
export function warningCounts(): ReadonlyMap<string, number> {
  return counts;
}

/** Forgets the warnings seen so far (the start of a notebook section, a test). */
export function resetWarnings(): void {
  counts.clear();
}

/** Sends new warnings somewhere else (a notebook display, a log file). */
export function setWarningSink(fn: (message: string) => void): void {
  sink = fn;
}
