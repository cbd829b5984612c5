/**
 * The memory of the user's own hard negatives: the frames mined from their cameras (and those they confirmed as
 * negatives), kept as basis coordinates. An image within `radius` of one of them is that same scene again (the
 * doormat, the swaying plant), and its score is lowered by up to `depthLogit`, fully at distance 0, linearly less
 * towards the radius. Each remembered frame has its own radius (a share of its distance to the nearest known photo
 * of the target), so a frame far from every cat covers the scene's frame-to-frame jitter while one close to a cat
 * covers little; models from before per-frame radii have one radius for all. Global head weights are chosen for photos from everywhere, so they rarely move for a few
 * frames of one camera; this is what makes a camera's repeated false alarm go away after a retraining. It can only
 * lower scores, and training keeps the radius well below the distance of any known photo of the target.
 */
import { nearestSquaredDistance } from './nearest-row.js';
import { packFloat32, unpackFloat32, type PackedFloat32 } from './packed-array.js';

export interface SceneMemory {
  readonly dim: number;
  readonly count: number;
  /** count x dim, row-major. */
  readonly coords: Float32Array;
  /** The largest radius (the only one of older models). */
  readonly radius: number;
  /** One radius per remembered frame; absent: `radius` for all. */
  readonly radii?: Float32Array;
  readonly depthLogit: number;
}

export interface SceneMemoryJson {
  readonly format: 'catwatch-memory/v1';
  readonly dim: number;
  readonly coords: PackedFloat32;
  readonly radius: number;
  readonly radii?: PackedFloat32;
  readonly depthLogit: number;
}

/** The (negative or zero) change of the logit for an image at `coords`. */
export function memoryOffset(memory: SceneMemory, coords: Float32Array): number {
  if (memory.radii) {
    const cover = deepestCover(memory, memory.radii, coords);
    return cover > 0 ? -memory.depthLogit * cover : 0;
  }
  const r2 = memory.radius * memory.radius;
  const best = nearestSquaredDistance(memory.coords, memory.count, memory.dim, coords, r2);
  if (best >= r2) return 0;
  return -memory.depthLogit * (1 - Math.sqrt(best) / memory.radius);
}

/** max over remembered frames of (1 - distance / its radius), 0 when no frame covers `coords`. */
function deepestCover(memory: SceneMemory, radii: Float32Array, coords: Float32Array): number {
  let best = 0;
  for (let r = 0; r < memory.count; r++) {
    const radius = radii[r];
    // Only distances below radius * (1 - best) can beat the best so far: stop summing beyond that.
    const limit = radius * (1 - best);
    const limitSq = limit * limit;
    let s = 0;
    const base = r * memory.dim;
    for (let i = 0; i < memory.dim && s < limitSq; i++) {
      const d = coords[i] - memory.coords[base + i];
      s += d * d;
    }
    if (s < limitSq) best = 1 - Math.sqrt(s) / radius;
  }
  return best;
}

export function memoryToJSON(m: SceneMemory): SceneMemoryJson {
  return { format: 'catwatch-memory/v1', dim: m.dim, coords: packFloat32(m.coords), radius: m.radius, ...(m.radii ? { radii: packFloat32(m.radii) } : {}), depthLogit: m.depthLogit };
}

export function memoryFromJSON(json: SceneMemoryJson): SceneMemory {
  if (json?.format !== 'catwatch-memory/v1') throw new TypeError('unknown scene memory format');
  const coords = unpackFloat32(json.coords, 'memory.coords');
  if (coords.length % json.dim !== 0) throw new RangeError('memory coordinates do not match its dim');
  if (!(json.radius >= 0 && json.depthLogit >= 0)) throw new RangeError('memory radius and depth must be >= 0');
  const count = coords.length / json.dim;
  const radii = json.radii === undefined ? undefined : unpackFloat32(json.radii, 'memory.radii');
  if (radii && (radii.length !== count || radii.some((r) => !(r >= 0)))) throw new RangeError('memory radii must be one per frame, each >= 0');
  return { dim: json.dim, count, coords, radius: json.radius, ...(radii ? { radii } : {}), depthLogit: json.depthLogit };
}
