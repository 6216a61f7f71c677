/** The fields of T given a value. */
export type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/**
 * The fields of `o` that hold a value: a field given as `undefined` (a CLI
 * flag not passed, a notebook's `{ batchSize: maybeUndefined }`) is left out,
 * so spreading the result over defaults keeps those defaults.
 */
export function definedFields<T extends object>(o: T): Defined<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Defined<T>;
}

/** Options over defaults, where an option given as `undefined` keeps the default (a plain spread would overwrite it). */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O): D & O {
  return { ...defaults, ...definedFields(options) } as D & O;
}
