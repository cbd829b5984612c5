/**
 * One Adam step (Kingma & Ba) with decoupled weight decay (AdamW, Loshchilov & Hutter): the decay shrinks weights
 * directly instead of entering the gradient, so it is not rescaled by Adam's per-parameter step sizes.
 */

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

export interface AdamStep {
  readonly params: Float64Array;
  /** Gradient, multiplied by gradScale before use (e.g. 1 / batch size for a summed gradient). */
  readonly grad: Float64Array;
  /** First and second moment estimates, zero-initialised, same length as params; updated in place. */
  readonly m: Float64Array;
  readonly v: Float64Array;
  /** 1-based step count, for the bias correction. */
  readonly step: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  /** [start, end) spans of params that take weight decay (weights, not biases). */
  readonly decayRanges: ReadonlyArray<readonly [number, number]>;
  readonly gradScale: number;
}

export function adamStep(a: AdamStep): void {
  const { params: P, grad, m, v, learningRate: lr, gradScale } = a;
  const c1 = 1 / (1 - Math.pow(BETA1, a.step));
  const c2 = 1 / (1 - Math.pow(BETA2, a.step));
  for (let i = 0; i < P.length; i++) {
    const g = grad[i] * gradScale;
    m[i] = BETA1 * m[i] + (1 - BETA1) * g;
    v[i] = BETA2 * v[i] + (1 - BETA2) * g * g;
    P[i] -= (lr * m[i] * c1) / (Math.sqrt(v[i] * c2) + EPSILON);
  }
  if (a.weightDecay === 0) return;
  const shrink = 1 - lr * a.weightDecay;
  for (const [from, to] of a.decayRanges) for (let i = from; i < to; i++) P[i] *= shrink;
}
