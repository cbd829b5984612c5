/**
 * Fits the feature basis (src/score/feature-basis.ts): per-dimension standardisation, then the top principal
 * components by subspace iteration on the covariance matrix (at most MAX_SAMPLES rows go into it: the leading
 * directions of a few thousand embeddings are already stable, and the covariance costs n·d²/2).
 */
import { createFeatureBasis, type FeatureBasis } from '../model/feature-basis.js';
import { createRng } from '../util/rng.js';

const MAX_SAMPLES = 4000;
const ITERATIONS = 15;

export function fitFeatureBasis(embeddings: readonly Float32Array[], dim: number, seed = 1): FeatureBasis {
  if (embeddings.length < 2) throw new RangeError('a feature basis needs at least 2 embeddings');
  const d = embeddings[0].length;
  const k = Math.min(dim, d, embeddings.length - 1);
  const rng = createRng(seed);
  const rows = embeddings.length > MAX_SAMPLES ? Array.from(rng.shuffle(Uint32Array.from(embeddings.keys())).subarray(0, MAX_SAMPLES), (i) => embeddings[i]) : [...embeddings];
  const { mean, invStd } = columnStats(rows, d);
  const cov = covariance(rows, mean, invStd);
  const components = topEigenvectors(cov, d, k, rng);
  return createFeatureBasis(mean, invStd, components, k);
}

function columnStats(rows: readonly Float32Array[], d: number): { mean: Float32Array; invStd: Float32Array } {
  const sum = new Float64Array(d);
  const sumSq = new Float64Array(d);
  for (const r of rows) {
    if (r.length !== d) throw new RangeError(`embeddings differ in length: ${r.length} vs ${d}`);
    for (let i = 0; i < d; i++) {
      sum[i] += r[i];
      sumSq[i] += r[i] * r[i];
    }
  }
  const mean = new Float32Array(d);
  const invStd = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    mean[i] = sum[i] / rows.length;
    const variance = Math.max(0, sumSq[i] / rows.length - mean[i] * mean[i]);
    invStd[i] = variance > 1e-12 ? 1 / Math.sqrt(variance) : 0; // a constant dimension carries nothing
  }
  return { mean, invStd };
}

/** Covariance of the standardised rows (d x d, full symmetric matrix). */
function covariance(rows: readonly Float32Array[], mean: Float32Array, invStd: Float32Array): Float64Array {
  const d = mean.length;
  const cov = new Float64Array(d * d);
  const z = new Float64Array(d);
  for (const r of rows) {
    for (let i = 0; i < d; i++) z[i] = (r[i] - mean[i]) * invStd[i];
    for (let i = 0; i < d; i++) {
      const zi = z[i];
      if (zi === 0) continue;
      const row = i * d;
      for (let j = i; j < d; j++) cov[row + j] += zi * z[j];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = cov[i * d + j] / rows.length;
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  }
  return cov;
}

/** k leading eigenvectors of a symmetric d x d matrix as k x d rows, by orthogonal (subspace) iteration. */
function topEigenvectors(matrix: Float64Array, d: number, k: number, rng: ReturnType<typeof createRng>): Float32Array {
  const q = new Float64Array(k * d);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  orthonormaliseRows(q, k, d);
  const next = new Float64Array(k * d);
  for (let iter = 0; iter < ITERATIONS; iter++) {
    next.fill(0);
    for (let r = 0; r < k; r++) {
      const out = r * d;
      for (let i = 0; i < d; i++) {
        const qi = q[out + i];
        if (qi === 0) continue;
        const row = i * d;
        for (let j = 0; j < d; j++) next[out + j] += matrix[row + j] * qi;
      }
    }
    orthonormaliseRows(next, k, d);
    q.set(next);
  }
  return Float32Array.from(q);
}

/** Modified Gram-Schmidt over the rows, in order (so row 0 keeps the dominant direction). */
function orthonormaliseRows(m: Float64Array, rows: number, d: number): void {
  for (let r = 0; r < rows; r++) {
    const a = r * d;
    for (let p = 0; p < r; p++) {
      const b = p * d;
      let dot = 0;
      for (let i = 0; i < d; i++) dot += m[a + i] * m[b + i];
      for (let i = 0; i < d; i++) m[a + i] -= dot * m[b + i];
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += m[a + i] * m[a + i];
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < d; i++) m[a + i] /= norm;
  }
}
