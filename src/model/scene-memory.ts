/**
 * The memory of the user's own hard negatives: the frames mined from their cameras (and those they confirmed as
 * negatives), kept as basis coordinates. An image within `radius` of one of them is that same scene again (the
 * doormat, the swaying plant), and its score is lowered by up to `depthLogit`, fully at distance 0, linearly less
 * towards the radius. Global head weights are chosen for photos from everywhere, so they rarely move for a few
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
  readonly radius: number;
  readonly depthLogit: number;
}

export interface SceneMemoryJson {
  readonly format: 'catwatch-memory/v1';
  readonly dim: number;
  readonly coords: PackedFloat32;
  readonly radius: number;
  readonly depthLogit: number;
}

/** The (negative or zero) change of the logit for an image at `coords`. */
export function memoryOffset(memory: SceneMemory, coords: Float32Array): number {
  const r2 = memory.radius * memory.radius;
  const best = nearestSquaredDistance(memory.coords, memory.count, memory.dim, coords, r2);
  if (best >= r2) return 0;
  return -memory.depthLogit * (1 - Math.sqrt(best) / memory.radius);
}

export function memoryToJSON(m: SceneMemory): SceneMemoryJson {
  return { format: 'catwatch-memory/v1', dim: m.dim, coords: packFloat32(m.coords), radius: m.radius, depthLogit: m.depthLogit };
}

export function memoryFromJSON(json: SceneMemoryJson): SceneMemory {
  if (json?.format !== 'catwatch-memory/v1') throw new TypeError('unknown scene memory format');
  const coords = unpackFloat32(json.coords, 'memory.coords');
  if (coords.length % json.dim !== 0) throw new RangeError('memory coordinates do not match its dim');
  if (!(json.radius >= 0 && json.depthLogit >= 0)) throw new RangeError('memory radius and depth must be >= 0');
  return { dim: json.dim, count: coords.length / json.dim, coords, radius: json.radius, depthLogit: json.depthLogit };
}
