/**
 * A quadtree (2D) or octree (3D) over the map points, rebuilt every t-SNE
 * iteration, holding each cell's point count and centre of mass so that a far
 * group of points acts on a point as one (Barnes-Hut). Nodes live in flat
 * typed arrays that grow by doubling and are reused between iterations.
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
}

/**
 * Repulsive forces of t-SNE by Barnes-Hut: for every point i, Σ_j w_ij² (y_i − y_j)
 * with w = 1 / (1 + d²), written into `force`, and the normaliser Z = Σ_{i≠j} w_ij
 * returned. A cell whose side over distance is below `theta` counts as one.
 * Points [from, to) only, so the work can be split.
 */
export function repulsion(tree: SpaceTree, y: Float64Array, from: number, to: number, theta: number, force: Float64Array, stack: Int32Array): number {
  return tree.dims === 2 ? repulsion2(tree, y, from, to, theta, force, stack) : repulsion3(tree, y, from, to, theta, force, stack);
}

function repulsion2(tree: SpaceTree, y: Float64Array, from: number, to: number, theta: number, force: Float64Array, stack: Int32Array): number {
  const { mass, count, child, point, half } = tree;
  const t2 = theta * theta;
  let z = 0;
  for (let i = from; i < to; i++) {
    const yx = y[2 * i]!;
    const yy = y[2 * i + 1]!;
    let fx = 0;
    let fy = 0;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top]!;
      const c = count[node]!;
      if (c === 0) continue;
      const dx = yx - mass[2 * node]!;
      const dy = yy - mass[2 * node + 1]!;
      const d2 = dx * dx + dy * dy;
      const first = child[node]!;
      if (first < 0) {
        // The point's own leaf: only its duplicates (at distance 0) repel it.
        const n = point[node] === i ? c - 1 : c;
        if (n === 0) continue;
        const w = 1 / (1 + d2);
        z += n * w;
        const m = n * w * w;
        fx += m * dx;
        fy += m * dy;
      } else {
        const side = 2 * half[node]!;
        if (side * side < t2 * d2) {
          const w = 1 / (1 + d2);
          z += c * w;
          const m = c * w * w;
          fx += m * dx;
          fy += m * dy;
        } else {
          stack[top++] = first;
          stack[top++] = first + 1;
          stack[top++] = first + 2;
          stack[top++] = first + 3;
        }
      }
    }
    force[2 * i] = fx;
    force[2 * i + 1] = fy;
  }
  return z;
}

function repulsion3(tree: SpaceTree, y: Float64Array, from: number, to: number, theta: number, force: Float64Array, stack: Int32Array): number {
  const { mass, count, child, point, half } = tree;
  const t2 = theta * theta;
  let z = 0;
  for (let i = from; i < to; i++) {
    const yx = y[3 * i]!;
    const yy = y[3 * i + 1]!;
    const yz = y[3 * i + 2]!;
    let fx = 0;
    let fy = 0;
    let fz = 0;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top]!;
      const c = count[node]!;
      if (c === 0) continue;
      const dx = yx - mass[3 * node]!;
      const dy = yy - mass[3 * node + 1]!;
      const dz = yz - mass[3 * node + 2]!;
      const d2 = dx * dx + dy * dy + dz * dz;
      const first = child[node]!;
      if (first < 0) {
        const n = point[node] === i ? c - 1 : c;
        if (n === 0) continue;
        const w = 1 / (1 + d2);
        z += n * w;
        const m = n * w * w;
        fx += m * dx;
        fy += m * dy;
        fz += m * dz;
      } else {
        const side = 2 * half[node]!;
        if (side * side < t2 * d2) {
          const w = 1 / (1 + d2);
          z += c * w;
          const m = c * w * w;
          fx += m * dx;
          fy += m * dy;
          fz += m * dz;
        } else {
          for (let q = 0; q < 8; q++) stack[top++] = first + q;
        }
      }
    }
    force[3 * i] = fx;
    force[3 * i + 1] = fy;
    force[3 * i + 2] = fz;
  }
  return z;
}
