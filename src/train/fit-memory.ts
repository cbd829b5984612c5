/**
 * Builds the scene memory (src/score/scene-memory.ts) from the user's mined and confirmed negatives in the training
 * split: the newest MAX_ITEMS of them, with a radius of a third of the distance from any known photo of the target
 * (training or calibration) to its nearest memory item, and never more than the guard's own notion of "near".
 */
import { nearestSquaredDistance } from '../model/nearest-row.js';
import type { SceneMemory } from '../model/scene-memory.js';
import type { CoordSample } from './coord-sample.js';

const MAX_ITEMS = 1000;
const DEPTH_LOGIT = 4;
const RADIUS_SHARE = 1 / 3;

export function isMemorySource(s: CoordSample): boolean {
  return s.label === 0 && (s.source === 'mined' || s.source === 'confirmed');
}

export function fitSceneMemory(negatives: readonly CoordSample[], positives: readonly CoordSample[], maxRadius: number): SceneMemory | undefined {
  const items = negatives.slice(-MAX_ITEMS);
  if (items.length === 0 || positives.length === 0) return undefined;
  const dim = items[0].coords.length;
  const coords = new Float32Array(items.length * dim);
  items.forEach((s, i) => coords.set(s.coords, i * dim));
  let closest = Infinity;
  for (const p of positives) closest = nearestSquaredDistance(coords, items.length, dim, p.coords, closest);
  const radius = Math.min(maxRadius, RADIUS_SHARE * Math.sqrt(closest));
  return radius > 0 ? { dim, count: items.length, coords, radius, depthLogit: DEPTH_LOGIT } : undefined;
}
