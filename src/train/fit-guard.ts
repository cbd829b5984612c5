/**
 * Fits the out-of-distribution guard (src/score/feature-guard.ts): prototypes are k-means++ seeds over the training
 * coordinates (spread over the data, both classes, no iterations needed for a coverage measure); `nearDistance` is a
 * high quantile of the training items' own distances to the nearest other prototype, `farDistance` a multiple of it.
 */
import type { FeatureGuard } from '../model/feature-guard.js';
import { nearestPrototypeDistance } from '../model/feature-guard.js';
import { createRng } from '../util/rng.js';

export interface FitGuardOptions {
  readonly prototypes?: number; // default 256
  /** Quantile of training distances where trust starts to fall. Default 0.99. */
  readonly nearQuantile?: number;
  /** farDistance = nearDistance * farFactor. Default 2. */
  readonly farFactor?: number;
  readonly seed?: number;
}

export function fitFeatureGuard(coords: readonly Float32Array[], options: FitGuardOptions = {}): FeatureGuard {
  if (coords.length < 2) throw new RangeError('the guard needs at least 2 training items');
  const dim = coords[0].length;
  const count = Math.min(options.prototypes ?? 256, coords.length);
  const rng = createRng(options.seed ?? 1);
  const chosen: number[] = [rng.int(coords.length)];
  const nearestSq = coords.map((c) => squaredDistance(c, coords[chosen[0]]));
  while (chosen.length < count) {
    const total = nearestSq.reduce((a, b) => a + b, 0);
    if (total === 0) break;
    let target = rng.next() * total;
    let pick = 0;
    while (pick < coords.length - 1 && target >= nearestSq[pick]) target -= nearestSq[pick++];
    chosen.push(pick);
    for (let i = 0; i < coords.length; i++) nearestSq[i] = Math.min(nearestSq[i], squaredDistance(coords[i], coords[pick]));
  }
  const prototypes = new Float32Array(chosen.length * dim);
  chosen.forEach((idx, p) => prototypes.set(coords[idx], p * dim));
  const guard: FeatureGuard = { dim, prototypeCount: chosen.length, prototypes, nearDistance: 0, farDistance: 1 };
  // A prototype's distance to itself is 0, so measure the items that are not prototypes.
  const isPrototype = new Set(chosen);
  const distances = coords.filter((_, i) => !isPrototype.has(i)).map((c) => nearestPrototypeDistance(guard, c)).sort((a, b) => a - b);
  const near = distances.length ? distances[Math.min(distances.length - 1, Math.floor((options.nearQuantile ?? 0.99) * distances.length))] : 1;
  const nearDistance = near > 0 ? near : 1;
  return { ...guard, nearDistance, farDistance: nearDistance * (options.farFactor ?? 2) };
}

function squaredDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s;
}
