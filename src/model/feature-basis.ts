/**
 * The fixed linear map from a backbone's embedding to the head's input: standardise every dimension, then project
 * onto the top principal components of the training embeddings. Three reasons: a head on ~100 directions instead of
 * 1,300 generalises better from a few hundred photos; the shipped training set fits in the package as projected
 * coordinates (see src/train/shipped-dataset.ts); and distances in this space are what the out-of-distribution
 * guard measures, because they are exactly what the head sees.
 */
import { createHash } from 'node:crypto';
import { packFloat32, packInt8Columns, unpackFloat32, unpackInt8Columns, type PackedFloat32, type PackedInt8Columns } from './packed-array.js';

export interface FeatureBasis {
  /** Content hash: models and shipped coordinates made with different bases are never compared. */
  readonly id: string;
  readonly inputDim: number;
  readonly dim: number;
  readonly mean: Float32Array;
  readonly invStd: Float32Array;
  /** dim x inputDim, row-major, orthonormal rows. */
  readonly components: Float32Array;
}

export interface FeatureBasisJson {
  readonly format: 'catwatch-basis/v1';
  readonly inputDim: number;
  readonly dim: number;
  readonly mean: PackedFloat32;
  readonly invStd: PackedFloat32;
  /** int8 per input column: a projection does not need float32 loadings, and the file is 4x smaller. */
  readonly components: PackedInt8Columns;
}

/** A basis from fitted arrays: the components are quantised here, so the basis in use is the one saved. */
export function createFeatureBasis(mean: Float32Array, invStd: Float32Array, components: Float32Array, dim: number): FeatureBasis {
  return basisFromJSON({ format: 'catwatch-basis/v1', inputDim: mean.length, dim, mean: packFloat32(mean), invStd: packFloat32(invStd), components: packInt8Columns(components, dim, mean.length) });
}

const packedBases = new WeakMap<FeatureBasis, FeatureBasisJson>();

/** Coordinates of one embedding, written into `out` (length dim). */
export function projectEmbedding(basis: FeatureBasis, embedding: Float32Array, out: Float32Array = new Float32Array(basis.dim)): Float32Array {
  const d = basis.inputDim;
  if (embedding.length !== d) throw new RangeError(`embedding has ${embedding.length} dims, the basis expects ${d}`);
  const z = new Float32Array(d);
  for (let i = 0; i < d; i++) z[i] = (embedding[i] - basis.mean[i]) * basis.invStd[i];
  for (let k = 0; k < basis.dim; k++) {
    let s = 0;
    const row = k * d;
    for (let i = 0; i < d; i++) s += basis.components[row + i] * z[i];
    out[k] = s;
  }
  return out;
}

export function basisToJSON(b: FeatureBasis): FeatureBasisJson {
  const json = packedBases.get(b);
  if (!json) throw new TypeError('basis was not made by createFeatureBasis or basisFromJSON');
  return json;
}

/** The id hashes the stored form, so a saved and reloaded basis keeps its id. */
export function basisFromJSON(json: FeatureBasisJson): FeatureBasis {
  if (json?.format !== 'catwatch-basis/v1') throw new TypeError('unknown feature basis format');
  const mean = unpackFloat32(json.mean, 'basis.mean');
  const invStd = unpackFloat32(json.invStd, 'basis.invStd');
  const components = unpackInt8Columns(json.components, 'basis.components');
  if (invStd.length !== json.inputDim || mean.length !== json.inputDim || components.length !== json.dim * json.inputDim) throw new RangeError(`basis arrays do not match ${json.dim}x${json.inputDim}`);
  const id = createHash('sha256').update(json.mean.base64).update(json.invStd.base64).update(json.components.base64).update(JSON.stringify(json.components.scale)).digest('hex').slice(0, 16);
  const basis: FeatureBasis = { id, inputDim: json.inputDim, dim: json.dim, mean, invStd, components };
  packedBases.set(basis, json);
  return basis;
}
