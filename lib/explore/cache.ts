import * as fs from "node:fs";

/**
 * The most recently used `capacity` values by key; `onEvict` releases what
 * a value holds (a model's tensors).
 */
export class LruCache<V> {
  private map = new Map<string, V>();

  constructor(
    private readonly capacity: number,
    private readonly onEvict: (value: V) => void = () => {},
  ) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    const old = this.map.get(key);
    if (old !== undefined && old !== value) this.onEvict(old);
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const [k, v] = this.map.entries().next().value as [string, V];
      this.map.delete(k);
      this.onEvict(v);
    }
  }

  /** The cached value, or `make()`'s, kept. */
  getOr(key: string, make: () => V): V {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const v = make();
    this.set(key, v);
    return v;
  }

  clear(): void {
    for (const v of this.map.values()) this.onEvict(v);
    this.map.clear();
  }
}

/** A key that changes when any of the files is rewritten (size and modification time). */
export function filesVersion(...files: string[]): string {
  return files
    .map((f) => {
      try {
        const s = fs.statSync(f);
        return `${f}@${s.size}:${s.mtimeMs}`;
      } catch {
        return `${f}@missing`;
      }
    })
    .join("|");
}
