/**
 * A quadtree (2D) or octree (3D) over the map points, rebuilt every t-SNE
 * iteration, holding each cell's point count and centre of mass so that a far
 * group of points acts on a point as one (Barnes-Hut; the forces are in
 * tsne-kernels.ts). It is built by splitting ranges of a point permutation
 * (like a quicksort) straight into one flat array in shared memory that the
 * worker threads read; the arrays are reused between iterations.
 */
export class SpaceTree {
  readonly dims: 2 | 3;
  /**
   * The nodes, `dims + 5` values each: centre of mass (dims), squared side,
   * count, first child, number of children (0 for a leaf), and where the
   * node's points start in `order`. Siblings are consecutive and a node's
   * descendants follow it closely (depth first), so a traversal reads nearby
   * memory. Empty cells are left out.
   */
  packed = new Float64Array(new SharedArrayBuffer(0));
  /** The points in the depth-first order of the tree: each node's points are consecutive. */
  order = new Int32Array(new SharedArrayBuffer(0));
  /** Nodes in `packed`. */
  size = 0;
  private readonly fan: number;
  private scratch = new Int32Array(0);
  private quadrant = new Uint8Array(0);
  /** Pending nodes: [first, end, id] and [centre (dims), half] per entry; depth ≤ 42 (see minHalf). */
  private readonly ranges = new Int32Array(3 * 512);
  private readonly cells = new Float64Array(4 * 512);

  constructor(dims: 2 | 3) {
    this.dims = dims;
    this.fan = dims === 2 ? 4 : 8;
  }

  private reserve(nodes: number): void {
    const S = this.dims + 5;
    if (nodes * S <= this.packed.length) return;
    const grown = new Float64Array(new SharedArrayBuffer(Math.max(nodes, (2 * this.packed.length) / S) * S * 8));
    grown.set(this.packed.subarray(0, this.size * S));
    this.packed = grown;
  }

  /** Rebuilds the tree over the n points of y (n × dims, row-major). */
  build(y: Float64Array, n: number): void {
    const d = this.dims;
    const S = d + 5;
    const fan = this.fan;
    if (this.order.length < n) {
      this.order = new Int32Array(new SharedArrayBuffer(n * 4));
      this.scratch = new Int32Array(n);
      this.quadrant = new Uint8Array(n);
    }
    this.reserve(2 * n + 1);
    const { order, scratch, quadrant, ranges, cells } = this;
    for (let i = 0; i < n; i++) order[i] = i;
    let half = 0;
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < d; a++) {
        const v = y[i * d + a]!;
        if (v < lo[a]!) lo[a] = v;
        if (v > hi[a]!) hi[a] = v;
      }
    }
    for (let a = 0; a < d; a++) half = Math.max(half, (hi[a]! - lo[a]!) / 2);
    half = half * (1 + 1e-5) + 1e-10;
    // Below this a cell is not split: its points are duplicates up to rounding.
    const minHalf = half * 1e-12;
    const counts = new Int32Array(8);
    const start = new Int32Array(8);
    const fill = new Int32Array(8);
    const mass = new Float64Array(3);
    const parent = new Float64Array(3);
    ranges[0] = 0;
    ranges[1] = n;
    ranges[2] = 0;
    for (let a = 0; a < d; a++) cells[a] = (lo[a]! + hi[a]!) / 2;
    cells[3] = half;
    let top = 1;
    let next = 1;
    while (top > 0) {
      top--;
      const first = ranges[3 * top]!;
      const end = ranges[3 * top + 1]!;
      const id = ranges[3 * top + 2]!;
      const h = cells[4 * top + 3]!;
      const o = id * S;
      const count = end - first;
      counts.fill(0);
      mass.fill(0);
      for (let t = first; t < end; t++) {
        const i = order[t]!;
        let q = 0;
        for (let a = 0; a < d; a++) {
          const v = y[i * d + a]!;
          mass[a]! += v;
          if (v > cells[4 * top + a]!) q |= 1 << a;
        }
        quadrant[t] = q;
        counts[q]++;
      }
      for (let a = 0; a < d; a++) this.packed[o + a] = mass[a]! / count;
      this.packed[o + d] = 4 * h * h;
      this.packed[o + d + 1] = count;
      this.packed[o + d + 4] = first;
      if (count === 1 || h < minHalf) {
        this.packed[o + d + 2] = 0;
        this.packed[o + d + 3] = 0;
        continue;
      }
      // Stable scatter of the range by quadrant.
      let at = first;
      for (let q = 0; q < fan; q++) {
        start[q] = at;
        fill[q] = at;
        at += counts[q]!;
      }
      for (let t = first; t < end; t++) scratch[fill[quadrant[t]!]!++] = order[t]!;
      for (let t = first; t < end; t++) order[t] = scratch[t]!;
      let children = 0;
      for (let q = 0; q < fan; q++) if (counts[q]! > 0) children++;
      this.reserve(next + children);
      this.packed[id * S + d + 2] = next;
      this.packed[id * S + d + 3] = children;
      // Pushed last child first, so the first child's subtree is written next.
      const centre = top;
      let child = next + children;
      next = child;
      for (let a = 0; a < d; a++) parent[a] = cells[4 * centre + a]!;
      for (let q = fan - 1; q >= 0; q--) {
        if (counts[q] === 0) continue;
        ranges[3 * top] = start[q]!;
        ranges[3 * top + 1] = start[q]! + counts[q]!;
        ranges[3 * top + 2] = --child;
        for (let a = 0; a < d; a++) cells[4 * top + a] = parent[a]! + ((q >> a) & 1 ? h / 2 : -h / 2);
        cells[4 * top + 3] = h / 2;
        top++;
      }
    }
    this.size = next;
  }
}
