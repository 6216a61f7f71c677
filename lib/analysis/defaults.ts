/**
 * Options over defaults, where an option given as `undefined` keeps the
 * default (a plain spread would overwrite it, and CLIs and notebooks often
 * pass `{ batchSize: maybeUndefined }`).
 */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O): D & O {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v;
  return out as D & O;
}
