/**
 * The out-of-distribution guard of the learned part. The head is a function of the basis coordinates only, so it is
 * trustworthy where training covered that space and an extrapolation elsewhere (a close-up face far from every
 * training photo can land anywhere on a linear head). Trust is 1 within `nearDistance` of the nearest training
 * prototype, falls linearly to 0 at `farDistance`, and scales the head's contribution: far from the training data,
 * the combined score falls back to the backbone's own prior.
 */
import { nearestSquaredDistance } from './nearest-row.js';
import { packFloat32, unpackFloat32, type PackedFloat32 } from './packed-array.js';

export interface FeatureGuard {
  readonly dim: number;
  readonly prototypeCount: number;
  /** prototypeCount x dim, row-major. */
  readonly prototypes: Float32Array;
  readonly nearDistance: number;
  readonly farDistance: number;
}

export interface FeatureGuardJson {
  readonly format: 'catwatch-guard/v1';
  readonly dim: number;
  readonly prototypes: PackedFloat32;
  readonly nearDistance: number;
  readonly farDistance: number;
}

/** Euclidean distance from `coords` to the nearest prototype. */
export function nearestPrototypeDistance(guard: FeatureGuard, coords: Float32Array): number {
  return Math.sqrt(nearestSquaredDistance(guard.prototypes, guard.prototypeCount, guard.dim, coords));
}

export function trustAt(guard: FeatureGuard, distance: number): number {
  if (distance <= guard.nearDistance) return 1;
  if (distance >= guard.farDistance) return 0;
  return (guard.farDistance - distance) / (guard.farDistance - guard.nearDistance);
}

/** Trust (0..1) of the image at `coords`. */
export function guardTrust(guard: FeatureGuard, coords: Float32Array): number {
  return trustAt(guard, nearestPrototypeDistance(guard, coords));
}

export function guardToJSON(g: FeatureGuard): FeatureGuardJson {
  return { format: 'catwatch-guard/v1', dim: g.dim, prototypes: packFloat32(g.prototypes), nearDistance: g.nearDistance, farDistance: g.farDistance };
}

export function guardFromJSON(json: FeatureGuardJson): FeatureGuard {
  if (json?.format !== 'catwatch-guard/v1') throw new TypeError('unknown feature guard format');
  const prototypes = unpackFloat32(json.prototypes, 'guard.prototypes');
  if (prototypes.length % json.dim !== 0) throw new RangeError('guard prototypes do not match its dim');
  if (!(json.nearDistance >= 0 && json.farDistance > json.nearDistance)) throw new RangeError('guard distances must satisfy 0 <= near < far');
  return { dim: json.dim, prototypeCount: prototypes.length / json.dim, prototypes, nearDistance: json.nearDistance, farDistance: json.farDistance };
}
