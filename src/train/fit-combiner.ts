/**
 * Fits the score combiner (src/score/score-combiner.ts) on validation data the head did not train on:
 * for each head weight on a small grid in [0, 1], a logistic regression of the label on logit(prior) with the head
 * term trust·weight·R as a fixed offset (R the bounded head residual), solved by Newton's method against Platt's
 * smoothed targets. The weight kept is the one whose worst source gains most AUROC over the prior alone (see
 * chooseHeadWeight); weight 0, the prior recalibrated, is always a candidate. Then the threshold is chosen for the target
 * FPR, and the head's upward cap is set so that a prior below `vetoPrior` cannot reach that threshold.
 */
import { boundedResidual, clippedLogit, combinedLogit, type CombinerJson, type ResidualBounds } from '../model/score-combiner.js';
import { softplus } from './losses.js';
import { sigmoid } from '../util/sigmoid.js';
import { auroc } from './metrics.js';
import { thresholdForFpr, type ThresholdChoice } from './threshold.js';

export interface CombinerInput {
  readonly prior: number;
  /** The head's raw residual logit (before the bound). */
  readonly residual: number;
  readonly trust: number;
  readonly label: 0 | 1;
  /** Data source: the head's weight is chosen for the worst source (see chooseHeadWeight). */
  readonly source: string;
}

export interface FitCombinerOptions {
  readonly bounds: ResidualBounds;
  readonly targetFpr: number;
  /**
   * Priors below this are confident "no"s the head cannot overturn. Default: a tenth of the threshold the prior
   * alone would need for the target FPR, so "confident" follows each backbone's scale (the detector's max-over-anchors
   * prior never goes below about 0.02; MobileNetV2's softmax mass goes down to 1e-10).
   */
  readonly vetoPrior?: number;
  readonly priorEpsilon?: number; // default 1e-4
}

export interface FitCombinerResult {
  readonly combiner: CombinerJson;
  readonly threshold: ThresholdChoice;
  /** Final scores of the inputs, in order. */
  readonly scores: number[];
}

const MIN_PRIOR_WEIGHT = 0.05;
const MAX_HEAD_WEIGHT = 1;
/** Logits kept between the veto ceiling and the threshold. */
const VETO_MARGIN = 0.5;

export function fitCombiner(items: readonly CombinerInput[], options: FitCombinerOptions): FitCombinerResult {
  const eps = options.priorEpsilon ?? 1e-4;
  const labels = items.map((i) => i.label);
  const vetoPrior = options.vetoPrior ?? thresholdForFpr(items.map((i) => i.prior), labels, options.targetFpr).threshold / 10;
  const zPrior = items.map((i) => clippedLogit(i.prior, eps));
  const headTerm = items.map((i) => i.trust * boundedResidual(i.residual, options.bounds));
  const { weight: b, priorWeight, bias: c } = chooseHeadWeight(items, zPrior, headTerm, labels);
  const a = Math.max(MIN_PRIOR_WEIGHT, priorWeight);
  let combiner: CombinerJson = {
    format: 'catwatch-combiner/v1', priorWeight: a, bias: c, headWeight: b, boundUp: options.bounds.up, boundDown: options.bounds.down,
    headUpCap: b * options.bounds.up, vetoPrior, priorEpsilon: eps,
  };
  let scores: number[] = [];
  let threshold!: ThresholdChoice;
  // The cap depends on the threshold and the threshold on the scores: two rounds settle it (a lower cap only
  // lowers scores), then the cap is made to hold for the final threshold.
  for (let round = 0; round < 3; round++) {
    scores = items.map((i) => sigmoid(combinedLogit(combiner, i.prior, i.residual, i.trust)));
    if (round === 2) break;
    threshold = thresholdForFpr(scores, labels, options.targetFpr);
    combiner = { ...combiner, headUpCap: vetoCap(combiner, threshold.threshold) };
  }
  return { combiner, threshold, scores };
}

const HEAD_WEIGHTS = [0, 0.125, 0.25, 0.5, 0.75, MAX_HEAD_WEIGHT];
const MIN_SOURCE_ITEMS = 20;

/**
 * The head weight whose worst source gains most AUROC over the prior alone (the held-out sources stand for the ones
 * nobody measured). Weight 0, a gain of exactly 0 everywhere, is always a candidate and wins ties: the head is used
 * only where it helps every source.
 */
function chooseHeadWeight(items: readonly CombinerInput[], zPrior: number[], headTerm: number[], labels: Array<0 | 1>): { weight: number; priorWeight: number; bias: number } {
  let best = { weight: 0, priorWeight: 1, bias: 0, worstGain: -Infinity };
  for (const weight of HEAD_WEIGHTS) {
    const offset = headTerm.map((h) => weight * h);
    const [priorWeight, bias] = fitLogistic([zPrior], labels, offset);
    const logits = zPrior.map((z, i) => priorWeight * z + bias + offset[i]);
    const worstGain = Math.min(...sourceGains(items, logits, zPrior));
    if (worstGain > best.worstGain + 1e-5) best = { weight, priorWeight, bias, worstGain };
  }
  return best;
}

/** Per source with enough items: AUROC of `logits` minus AUROC of the prior, the source against the other class. */
function sourceGains(items: readonly CombinerInput[], logits: number[], zPrior: number[]): number[] {
  const gains: number[] = [0];
  for (const source of new Set(items.map((i) => i.source))) {
    const own = items.flatMap((it, i) => (it.source === source ? [i] : []));
    const label = items[own[0]].label;
    const others = items.flatMap((it, i) => (it.source !== source && it.label !== label ? [i] : []));
    if (own.length < MIN_SOURCE_ITEMS || others.length < MIN_SOURCE_ITEMS) continue;
    const idx = [...own, ...others];
    const y = idx.map((i) => items[i].label);
    gains.push(auroc(idx.map((i) => logits[i]), y) - auroc(idx.map((i) => zPrior[i]), y));
  }
  // Without any measurable source, judge the whole set as one.
  if (gains.length === 1) gains.push(auroc(logits, items.map((i) => i.label)) - auroc(zPrior, items.map((i) => i.label)));
  return gains.slice(1);
}

/** The largest upward head contribution that keeps every prior below vetoPrior under the threshold. */
export function vetoCap(c: CombinerJson, threshold: number): number {
  const thresholdLogit = clippedLogit(threshold, 1e-12);
  const priorCeiling = c.priorWeight * clippedLogit(c.vetoPrior, c.priorEpsilon) + c.bias;
  return Math.max(0, Math.min(c.headWeight * c.boundUp, thresholdLogit - priorCeiling - VETO_MARGIN));
}

/**
 * Logistic regression with bias by Newton's method (features as columns, optional fixed offset per row); returns
 * [w..., bias]. Platt's smoothed targets and a tiny ridge keep a separable set finite.
 */
export function fitLogistic(columns: ReadonlyArray<readonly number[]>, labels: readonly number[], offset: readonly number[] | undefined): number[] {
  const n = labels.length;
  const p = columns.length + 1;
  const positives = labels.filter((y) => y === 1).length;
  if (positives === 0 || positives === n) throw new RangeError(`the combiner needs both classes, got ${positives} positives of ${n}`);
  const target = (i: number): number => (labels[i] === 1 ? (positives + 1) / (positives + 2) : 1 / (n - positives + 2));
  const x = (i: number, j: number): number => (j < columns.length ? columns[j][i] : 1);
  const w = new Array<number>(p).fill(0);
  w[p - 1] = Math.log((positives + 1) / (n - positives + 1));
  const ridge = 1e-6 * n;
  const objective = (v: number[]): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      let z = offset ? offset[i] : 0;
      for (let j = 0; j < p; j++) z += v[j] * x(i, j);
      f += softplus(z) - target(i) * z;
    }
    for (let j = 0; j < p - 1; j++) f += 0.5 * ridge * v[j] * v[j];
    return f;
  };
  let f = objective(w);
  for (let iter = 0; iter < 50; iter++) {
    const g = new Array<number>(p).fill(0);
    const h = Array.from({ length: p }, (_, j) => Array.from({ length: p }, (_, k) => (j === k && j < p - 1 ? ridge : j === k ? 1e-12 : 0)));
    for (let j = 0; j < p - 1; j++) g[j] += ridge * w[j];
    for (let i = 0; i < n; i++) {
      let z = offset ? offset[i] : 0;
      for (let j = 0; j < p; j++) z += w[j] * x(i, j);
      const s = sigmoid(z);
      const r = s - target(i);
      const curvature = s * (1 - s);
      for (let j = 0; j < p; j++) {
        g[j] += r * x(i, j);
        for (let k = 0; k < p; k++) h[j][k] += curvature * x(i, j) * x(i, k);
      }
    }
    if (Math.max(...g.map(Math.abs)) < 1e-9 * n) break;
    const step = solve(h, g.map((v) => -v));
    const slope = step.reduce((s, v, j) => s + v * g[j], 0);
    let t = 1;
    let moved = false;
    while (t > 1e-10) {
      const candidate = w.map((v, j) => v + t * step[j]);
      const fc = objective(candidate);
      if (fc <= f + 1e-4 * t * slope) {
        w.splice(0, p, ...candidate);
        f = fc;
        moved = true;
        break;
      }
      t /= 2;
    }
    if (!moved) break;
  }
  return w;
}

/** Solves a small dense system by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    const d = m[col][col] || 1e-300;
    for (let r = col + 1; r < n; r++) {
      const f = m[r][col] / d;
      for (let k = col; k <= n; k++) m[r][k] -= f * m[col][k];
    }
  }
  const out = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * out[k];
    out[r] = s / (m[r][r] || 1e-300);
  }
  return out;
}
