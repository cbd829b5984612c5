/** Nearest-neighbour search over a small row-major matrix (guard prototypes, remembered scenes). */

/**
 * The smallest squared Euclidean distance from `point` to a row of `rows` (count x dim), searched only below
 * `limitSq` (each row's sum stops as soon as it passes the best so far). `limitSq` when no row is closer.
 */
export function nearestSquaredDistance(rows: Float32Array, count: number, dim: number, point: Float32Array, limitSq = Infinity): number {
  let best = limitSq;
  for (let r = 0; r < count; r++) {
    let s = 0;
    const base = r * dim;
    for (let i = 0; i < dim && s < best; i++) {
      const d = point[i] - rows[base + i];
      s += d * d;
    }
    if (s < best) best = s;
  }
  return best;
}
