/**
 * A quadtree (2D) or octree (3D) over the map points, rebuilt every t-SNE
 * iteration, holding each cell's point count and centre of mass so that a far
 * group of points acts on a point as one (Barnes-Hut; the forces are in
 * tsne-kernels.ts). Nodes live in flat typed arrays that grow by doubling and
 * are reused between iterations; `pack` copies the non-empty ones into the
 * one shared array the worker threads read.
 */
export class SpaceTree {
  readonly dims: 2 | 3;
  private readonly fan: number;
  /** Cell centre per node (dims values each). */
  centre = new Float64Array(0);
  /** Half the side of each cell. */
  half = new Float64Array(0);
  /** Sum, then mean, of the positions in each cell (dims values each). */
  mass = new Float64Array(0);
  count = new Int32Array(0);
  /** First child (children are consecutive), or −1 for a leaf. */
  child = new Int32Array(0);
  /** The point held by a leaf, −1 when empty. */
  point = new Int32Array(0);
  size = 0;
  /**
   * The non-empty nodes after `pack`, `dims + 5` values each: centre of mass
   * (dims), squared side, count, first child, number of children (0 for a
   * leaf), the leaf's point (−1 otherwise). Siblings are consecutive and a
   * node's descendants follow it closely (depth first), so a traversal reads
   * nearby memory.
   */
  packed = new Float64Array(new SharedArrayBuffer(0));
  /** The points in the depth-first order of their leaves, after `pack`: nearby points in a row. */
  order = new Int32Array(new SharedArrayBuffer(0));
  private stack = new Int32Array(0);
  private seen = new Uint8Array(0);

  constructor(dims: 2 | 3) {
    this.dims = dims;
    this.fan = dims === 2 ? 4 : 8;
  }

  private grow(need: number): void {
    if (need <= this.count.length) return;
    const cap = Math.max(need, this.count.length * 2, 1024);
    const d = this.dims;
    const re = <T extends Float64Array | Int32Array>(a: T, per: number): T => {
      const b = new (a.constructor as { new (n: number): T })(cap * per);
      b.set(a);
      return b;
    };
    this.centre = re(this.centre, d);
    this.half = re(this.half, 1);
    this.mass = re(this.mass, d);
    this.count = re(this.count, 1);
    this.child = re(this.child, 1);
    this.point = re(this.point, 1);
  }

  private newNode(centre: ArrayLike<number>, half: number): number {
    this.grow(this.size + 1);
    const id = this.size++;
    const d = this.dims;
    for (let a = 0; a < d; a++) {
      this.centre[id * d + a] = centre[a]!;
      this.mass[id * d + a] = 0;
    }
    this.half[id] = half;
    this.count[id] = 0;
    this.child[id] = -1;
    this.point[id] = -1;
    return id;
  }

  private quadrant(node: number, y: Float64Array, i: number): number {
    const d = this.dims;
    let q = 0;
    for (let a = 0; a < d; a++) if (y[i * d + a]! > this.centre[node * d + a]!) q |= 1 << a;
    return q;
  }

  private split(node: number): void {
    const d = this.dims;
    const h = this.half[node]! / 2;
    const first = this.size;
    const c = new Float64Array(d);
    for (let q = 0; q < this.fan; q++) {
      for (let a = 0; a < d; a++) c[a] = this.centre[node * d + a]! + ((q >> a) & 1 ? h : -h);
      this.newNode(c, h);
    }
    this.child[node] = first;
  }

  /** Rebuilds the tree over the n points of y (n × dims, row-major). */
  build(y: Float64Array, n: number): void {
    const d = this.dims;
    this.size = 0;
    const lo = new Float64Array(d).fill(Infinity);
    const hi = new Float64Array(d).fill(-Infinity);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < d; a++) {
        const v = y[i * d + a]!;
        if (v < lo[a]!) lo[a] = v;
        if (v > hi[a]!) hi[a] = v;
      }
    }
    let half = 0;
    const c = new Float64Array(d);
    for (let a = 0; a < d; a++) {
      c[a] = (lo[a]! + hi[a]!) / 2;
      half = Math.max(half, (hi[a]! - lo[a]!) / 2);
    }
    half = half * (1 + 1e-5) + 1e-10;
    this.grow(2 * n + 1);
    this.newNode(c, half);
    const minHalf = half * 1e-12;
    for (let i = 0; i < n; i++) {
      let node = 0;
      for (;;) {
        if (this.child[node]! < 0) {
          if (this.count[node] === 0) {
            this.point[node] = i;
            this.count[node] = 1;
            for (let a = 0; a < d; a++) this.mass[node * d + a] = y[i * d + a]!;
            break;
          }
          const p = this.point[node]!;
          let same = true;
          for (let a = 0; a < d; a++) if (y[p * d + a] !== y[i * d + a]) same = false;
          if (same || this.half[node]! < minHalf) {
            // Duplicates (or points closer than rounding) share a leaf.
            this.count[node]!++;
            for (let a = 0; a < d; a++) this.mass[node * d + a] += y[i * d + a]!;
            break;
          }
          this.split(node);
          const into = this.child[node]! + this.quadrant(node, y, p);
          this.point[into] = p;
          this.count[into] = this.count[node]!;
          for (let a = 0; a < d; a++) this.mass[into * d + a] = this.mass[node * d + a]!;
        }
        this.count[node]!++;
        for (let a = 0; a < d; a++) this.mass[node * d + a] += y[i * d + a]!;
        node = this.child[node]! + this.quadrant(node, y, i);
      }
    }
    for (let t = 0; t < this.size; t++) {
      const k = this.count[t]!;
      if (k > 0) for (let a = 0; a < d; a++) this.mass[t * d + a] /= k;
    }
  }

  /** Fills `packed` and `order` from the tree built over n points. */
  pack(n: number): void {
    const d = this.dims;
    const S = d + 5;
    if (this.packed.length < this.size * S) this.packed = new Float64Array(new SharedArrayBuffer(this.size * S * 8 * 2));
    if (this.order.length < n) this.order = new Int32Array(new SharedArrayBuffer(n * 4));
    if (this.stack.length < 2 * this.size) this.stack = new Int32Array(4 * this.size);
    if (this.seen.length < n) this.seen = new Uint8Array(n);
    const { packed, order, stack, seen, mass, half, count, child, point } = this;
    seen.fill(0, 0, n);
    let ordered = 0;
    let next = 1;
    let top = 0;
    // (node, packed id) pairs; a node's children get their ids when it is written.
    stack[top++] = 0;
    stack[top++] = 0;
    while (top > 0) {
      const id = stack[--top]!;
      const node = stack[--top]!;
      const o = id * S;
      for (let a = 0; a < d; a++) packed[o + a] = mass[node * d + a]!;
      packed[o + d] = 4 * half[node]! * half[node]!;
      packed[o + d + 1] = count[node]!;
      const first = child[node]!;
      if (first < 0) {
        const p = point[node]!;
        packed[o + d + 2] = 0;
        packed[o + d + 3] = 0;
        packed[o + d + 4] = p;
        if (p >= 0 && seen[p] === 0) {
          seen[p] = 1;
          order[ordered++] = p;
        }
        continue;
      }
      const start = next;
      for (let q = 0; q < this.fan; q++) if (count[first + q]! > 0) next++;
      packed[o + d + 2] = start;
      packed[o + d + 3] = next - start;
      packed[o + d + 4] = -1;
      // Pushed last child first, so the first child's subtree is written next.
      let at = next;
      for (let q = this.fan - 1; q >= 0; q--) {
        if (count[first + q]! > 0) {
          stack[top++] = first + q;
          stack[top++] = --at;
        }
      }
    }
    // Duplicates share a leaf that names only one of them.
    for (let i = 0; i < n; i++) if (seen[i] === 0) order[ordered++] = i;
  }
}
