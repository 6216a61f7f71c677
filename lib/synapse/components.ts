/**
 * The connected component (26-connectivity) of a binary volume whose voxels
 * come nearest to a point. Volumes are `[z][y][x]` with x fastest, as crops are.
 * Ties between components go to the one met first in scan order, so results
 * never depend on anything but the data.
 */
export function closestComponent(
  mask: Uint8Array,
  dims: { width: number; height: number; depth: number },
  point: [number, number, number],
): { mask: Uint8Array; distance: number; components: number } {
  const { width: w, height: h, depth: d } = dims;
  const labels = new Int32Array(mask.length);
  const queue = new Int32Array(mask.length);
  const [px, py, pz] = point;
  let components = 0;
  let best = 0;
  let bestDist = Infinity;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const label = ++components;
    labels[start] = label;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    let nearest = Infinity;
    while (head < tail) {
      const i = queue[head++]!;
      const x = i % w;
      const y = Math.floor(i / w) % h;
      const z = Math.floor(i / (w * h));
      const dist = (x - px) ** 2 + (y - py) ** 2 + (z - pz) ** 2;
      if (dist < nearest) nearest = dist;
      for (let dz = -1; dz <= 1; dz++) {
        const zz = z + dz;
        if (zz < 0 || zz >= d) continue;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= h) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= w) continue;
            const j = (zz * h + yy) * w + xx;
            if (mask[j] && !labels[j]) {
              labels[j] = label;
              queue[tail++] = j;
            }
          }
        }
      }
    }
    if (nearest < bestDist) {
      bestDist = nearest;
      best = label;
    }
  }
  const out = new Uint8Array(mask.length);
  if (best > 0) for (let i = 0; i < out.length; i++) out[i] = labels[i] === best ? 1 : 0;
  return { mask: out, distance: Math.sqrt(bestDist), components };
}
