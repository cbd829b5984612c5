/**
 * Per-sample losses on logits for the one-class head, each with its derivative with respect to the logit.
 * Everything is computed from log-sigmoids of the logit, never from a probability that has already rounded to 0 or 1,
 * so losses and gradients stay finite for logits of any size.
 */
import { sigmoid } from '../util/sigmoid.js';

export interface LossValue {
  readonly loss: number;
  /** dLoss / dLogit. */
  readonly dLogit: number;
}

export type LossFn = (logit: number, label: 0 | 1) => LossValue;

export type LossSpec =
  /** Focal loss (Lin et al. 2017). alpha weights positives, 1 - alpha negatives; gamma = 0 is alpha-weighted BCE. */
  | { readonly kind: 'focal'; readonly alpha: number; readonly gamma: number }
  /** BCE with per-class weights; see classBalanceWeights for how the weights are chosen. */
  | { readonly kind: 'balanced-bce'; readonly positiveWeight: number; readonly negativeWeight: number };

/** log(1 + e^x) without overflow for large x or loss of precision for very negative x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** log(sigmoid(x)) = -softplus(-x). */
export function logSigmoid(x: number): number {
  return -softplus(-x);
}


/**
 * Focal loss: -alpha_t * (1 - p_t)^gamma * log(p_t), with p_t the probability given to the true class.
 * Written in terms of s = +logit (positive) or -logit (negative), so p_t = sigmoid(s) and 1 - p_t = sigmoid(-s):
 *   dL/ds = alpha_t * (1 - p_t)^gamma * (gamma * p_t * log(p_t) - (1 - p_t)).
 * This form has no (1 - p_t)^(gamma - 1) term, so it stays finite for gamma < 1 when p_t reaches 1.
 */
export function focalLoss(logit: number, label: 0 | 1, alpha: number, gamma: number): LossValue {
  const s = label === 1 ? logit : -logit;
  const alphaT = label === 1 ? alpha : 1 - alpha;
  const logPt = logSigmoid(s);
  const logQ = logSigmoid(-s); // log(1 - p_t)
  const pt = Math.exp(logPt);
  const q = Math.exp(logQ);
  const modulator = gamma === 0 ? 1 : Math.exp(gamma * logQ);
  const loss = -alphaT * modulator * logPt;
  const dS = alphaT * modulator * (gamma * pt * logPt - q);
  return { loss, dLogit: label === 1 ? dS : -dS };
}

/** Weighted binary cross-entropy: -w_y * log p_y; dL/dlogit = w_y * (sigmoid(logit) - y). */
export function weightedBce(logit: number, label: 0 | 1, positiveWeight: number, negativeWeight: number): LossValue {
  if (label === 1) return { loss: positiveWeight * softplus(-logit), dLogit: positiveWeight * (sigmoid(logit) - 1) };
  return { loss: negativeWeight * softplus(logit), dLogit: negativeWeight * sigmoid(logit) };
}

/**
 * Class weights that make both classes contribute equally on average: w_c = N / (2 * n_c), so the mean weight over
 * the data is 1. With `beta` (0 < beta < 1) the "effective number of samples" (1 - beta^n) / (1 - beta) of Cui et
 * al. 2019 replaces n_c, which softens the correction when one class is very large. Counts must be > 0.
 */
export function classBalanceWeights(
  positives: number,
  negatives: number,
  beta?: number,
): { positiveWeight: number; negativeWeight: number } {
  if (!(positives > 0) || !(negatives > 0)) throw new RangeError(`class weights need both classes, got ${positives} positives, ${negatives} negatives`);
  const effective = (n: number) => (beta === undefined ? n : (1 - Math.pow(beta, n)) / (1 - beta));
  const ePos = effective(positives);
  const eNeg = effective(negatives);
  const total = positives + negatives;
  // Normalise so that sum over samples of the weights equals the sample count.
  const scale = total / (positives / ePos + negatives / eNeg);
  return { positiveWeight: scale / ePos, negativeWeight: scale / eNeg };
}

export function createLoss(spec: LossSpec): LossFn {
  switch (spec.kind) {
    case 'focal': {
      const { alpha, gamma } = spec;
      if (!(alpha > 0 && alpha < 1)) throw new RangeError(`focal alpha must be in (0, 1), got ${alpha}`);
      if (!(gamma >= 0)) throw new RangeError(`focal gamma must be >= 0, got ${gamma}`);
      return (logit, label) => focalLoss(logit, label, alpha, gamma);
    }
    case 'balanced-bce': {
      const { positiveWeight, negativeWeight } = spec;
      if (!(positiveWeight > 0) || !(negativeWeight > 0)) throw new RangeError('balanced-bce weights must be > 0');
      return (logit, label) => weightedBce(logit, label, positiveWeight, negativeWeight);
    }
  }
}
