/**
 * Chooses the decision threshold from a target false-positive rate on validation scores, instead of a fixed 0.5.
 * Rule everywhere in catwatch: a score is positive when score >= threshold (compare in float64).
 *
 * The threshold returned is the smallest t with FPR(t) <= target. FPR(t) only drops just above a negative's score,
 * so t is the next float64 above the highest negative score that must be rejected. Ties: negatives with equal scores
 * are accepted or rejected together (one threshold cannot split them), so when a tie straddles the budget all of
 * them are rejected and the FPR reached is below the target rather than above it. Positives tied with a rejected
 * negative are rejected as well.
 */
import { sortedIndices } from './metrics.js';

export interface ThresholdChoice {
  readonly threshold: number;
  readonly targetFpr: number;
  /** FPR and TPR on the validation data at `threshold`. */
  readonly fpr: number;
  readonly tpr: number;
  readonly positives: number;
  readonly negatives: number;
}

export function thresholdForFpr(scores: ArrayLike<number>, labels: ArrayLike<number>, targetFpr: number): ThresholdChoice {
  if (scores.length !== labels.length) throw new RangeError(`${scores.length} scores but ${labels.length} labels`);
  if (!(targetFpr >= 0 && targetFpr <= 1)) throw new RangeError(`targetFpr must be in [0, 1], got ${targetFpr}`);
  const order = sortedIndices(scores, 'descending');
  const negativeScores: number[] = [];
  for (const i of order) if (labels[i] !== 1) negativeScores.push(scores[i]);
  const negatives = negativeScores.length;
  const positives = scores.length - negatives;
  if (negatives === 0) throw new RangeError('thresholdForFpr needs negative samples');

  // How many negatives may pass; the epsilon stops 0.05 * 100 from flooring to 4.
  const allowed = Math.floor(targetFpr * negatives + 1e-9);
  const threshold =
    allowed >= negatives
      ? scores[order[order.length - 1]] // every sample may pass: the lowest score
      : nextUp(negativeScores[allowed]);

  let fp = 0;
  let tp = 0;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] < threshold) continue;
    if (labels[i] === 1) tp++;
    else fp++;
  }
  return { threshold, targetFpr, fpr: fp / negatives, tpr: positives ? tp / positives : NaN, positives, negatives };
}

/** The smallest float64 greater than x (x finite). */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}
