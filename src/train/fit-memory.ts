/**
 * Builds the scene memory (src/score/scene-memory.ts) from the user's mined and confirmed negatives in the training
 * split: the newest MAX_ITEMS of them, each with a radius of half its distance to the nearest known photo of the
 * target (training or calibration), and never more than the guard's own notion of "near". Half: a known photo of
 * the target is never lowered, and a frame midway between both is lowered by nothing either. (One radius for all,
 * a third of the smallest such distance, left a camera's false alarm in place after it was labelled: frames of one
 * scene 0.4 s apart lie further apart than that radius — measured on the dog clip of the mining-rounds benchmark.)
 */
import type { SceneMemory } from '../model/scene-memory.js';
import type { CoordSample } from './coord-sample.js';

const MAX_ITEMS = 1000;
const DEPTH_LOGIT = 4;
const RADIUS_SHARE = 1 / 2;

export function isMemorySource(s: CoordSample): boolean {
  return s.label === 0 && (s.source === 'mined' || s.source === 'confirmed');
}

export function fitSceneMemory(negatives: readonly CoordSample[], positives: readonly CoordSample[], maxRadius: number): SceneMemory | undefined {
  const items = negatives.slice(-MAX_ITEMS);
  if (items.length === 0 || positives.length === 0) return undefined;
  const dim = items[0].coords.length;
  const coords = new Float32Array(items.length * dim);
  items.forEach((s, i) => coords.set(s.coords, i * dim));
  const radii = new Float32Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const own = items[i].coords;
    let closest = Infinity;
    for (const p of positives) {
      let s = 0;
      for (let k = 0; k < dim && s < closest; k++) s += (own[k] - p.coords[k]) ** 2;
      closest = Math.min(closest, s);
    }
    radii[i] = Math.min(maxRadius, RADIUS_SHARE * Math.sqrt(closest));
  }
  const radius = Math.max(...radii);
  return radius > 0 ? { dim, count: items.length, coords, radius, radii, depthLogit: DEPTH_LOGIT } : undefined;
}
