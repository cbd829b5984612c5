/**
 * Evaluation metrics of a scorer on labelled data. Scores are any monotone score (logit or probability); labels are
 * 1 (target) or 0. A sample counts as predicted positive when score >= threshold, everywhere in src/train.
 */

export type Labels = ArrayLike<number>;
export type Scores = ArrayLike<number>;

export interface RocPoint {
  readonly threshold: number;
  readonly fpr: number;
  readonly tpr: number;
}

export interface PrPoint {
  readonly threshold: number;
  readonly recall: number;
  readonly precision: number;
}

export interface ConfusionAt {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  /** tp / (tp + fp); 1 when nothing is predicted positive (no false alarm was raised). */
  readonly precision: number;
  /** tp / (tp + fn); NaN without positives. */
  readonly recall: number;
  /** fp / (fp + tn); NaN without negatives. */
  readonly fpr: number;
}

export interface SubcategoryFpr {
  readonly negatives: number;
  readonly falsePositives: number;
  readonly fpr: number;
}

function checkLengths(scores: Scores, labels: Labels): void {
  if (scores.length !== labels.length) throw new RangeError(`${scores.length} scores but ${labels.length} labels`);
}

function countPositives(labels: Labels): number {
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) n++;
  return n;
}

/**
 * Area under the ROC curve by the Mann-Whitney U statistic with average ranks for ties, i.e. the probability that a
 * random positive scores above a random negative, ties counting one half. NaN unless both classes are present.
 */
export function auroc(scores: Scores, labels: Labels): number {
  checkLengths(scores, labels);
  const n = scores.length;
  const nPos = countPositives(labels);
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  const order = sortedIndices(scores, 'ascending');
  let positiveRankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const averageRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let k = i; k <= j; k++) if (labels[order[k]] === 1) positiveRankSum += averageRank;
    i = j + 1;
  }
  return (positiveRankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** ROC points from (0, 0) at threshold +Infinity down through every distinct score, ending at (1, 1). */
export function rocCurve(scores: Scores, labels: Labels): RocPoint[] {
  checkLengths(scores, labels);
  const nPos = countPositives(labels);
  const nNeg = scores.length - nPos;
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  for (const { threshold, tp, fp } of cumulativeCounts(scores, labels)) {
    points.push({ threshold, fpr: nNeg ? fp / nNeg : NaN, tpr: nPos ? tp / nPos : NaN });
  }
  return points;
}

/** Precision-recall points at every distinct score, from the highest threshold down. */
export function prCurve(scores: Scores, labels: Labels): PrPoint[] {
  checkLengths(scores, labels);
  const nPos = countPositives(labels);
  return cumulativeCounts(scores, labels).map(({ threshold, tp, fp }) => ({
    threshold,
    recall: nPos ? tp / nPos : NaN,
    precision: tp / (tp + fp),
  }));
}

/** The lowest FPR among thresholds whose TPR reaches `targetTpr` (default 0.95). NaN unless both classes exist. */
export function fprAtTpr(scores: Scores, labels: Labels, targetTpr = 0.95): number {
  for (const point of rocCurve(scores, labels)) {
    if (point.tpr >= targetTpr - 1e-12) return point.fpr;
  }
  return NaN;
}

export function confusionAt(scores: Scores, labels: Labels, threshold: number): ConfusionAt {
  checkLengths(scores, labels);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i] >= threshold;
    if (labels[i] === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  return {
    threshold, tp, fp, tn, fn,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? NaN : tp / (tp + fn),
    fpr: fp + tn === 0 ? NaN : fp / (fp + tn),
  };
}

/**
 * Expected calibration error over `bins` equal-width probability bins (default 10): sum over bins of
 * |bin size| / N * |fraction positive - mean probability|. Probability 1 falls in the last bin.
 */
export function expectedCalibrationError(probabilities: Scores, labels: Labels, bins = 10): number {
  checkLengths(probabilities, labels);
  const n = probabilities.length;
  if (n === 0) return NaN;
  const count = new Float64Array(bins);
  const sumProb = new Float64Array(bins);
  const sumLabel = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const p = probabilities[i];
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability out of [0, 1]: ${p}`);
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]++;
    sumProb[b] += p;
    sumLabel[b] += labels[i] === 1 ? 1 : 0;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b] > 0) ece += Math.abs(sumLabel[b] - sumProb[b]) / n;
  return ece;
}

/** FPR per negative subcategory (e.g. 'near-class', 'synthetic', 'mined') at a threshold; positives are ignored. */
export function fprBySubcategory(
  scores: Scores,
  labels: Labels,
  subcategories: ArrayLike<string | undefined>,
  threshold: number,
  unknownName = 'unknown',
): Record<string, SubcategoryFpr> {
  checkLengths(scores, labels);
  if (subcategories.length !== scores.length) throw new RangeError(`${scores.length} scores but ${subcategories.length} subcategories`);
  const counts = new Map<string, { negatives: number; falsePositives: number }>();
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] === 1) continue;
    const name = subcategories[i] ?? unknownName;
    const c = counts.get(name) ?? { negatives: 0, falsePositives: 0 };
    c.negatives++;
    if (scores[i] >= threshold) c.falsePositives++;
    counts.set(name, c);
  }
  const result: Record<string, SubcategoryFpr> = {};
  for (const [name, c] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    result[name] = { ...c, fpr: c.falsePositives / c.negatives };
  }
  return result;
}

/** Indices of `scores` in score order; NaN scores are rejected because they have no place in a ranking. */
export function sortedIndices(scores: Scores, direction: 'ascending' | 'descending'): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`score ${i} is NaN`);
    order[i] = i;
  }
  const sign = direction === 'ascending' ? 1 : -1;
  return order.sort((a, b) => sign * (scores[a] - scores[b]) || a - b);
}

/** Running (tp, fp) when the threshold is lowered to each distinct score in turn (tied scores enter together). */
function cumulativeCounts(scores: Scores, labels: Labels): Array<{ threshold: number; tp: number; fp: number }> {
  const order = sortedIndices(scores, 'descending');
  const out: Array<{ threshold: number; tp: number; fp: number }> = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; ) {
    const threshold = scores[order[i]];
    while (i < order.length && scores[order[i]] === threshold) {
      if (labels[order[i]] === 1) tp++;
      else fp++;
      i++;
    }
    out.push({ threshold, tp, fp });
  }
  return out;
}
