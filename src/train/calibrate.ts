/**
 * Post-hoc calibration of the head's logit into a probability, fitted on validation data the head did not train on
 * (oversampling and focal loss both distort the raw sigmoid).
 * - Platt scaling: p = sigmoid(a * logit + b), fitted by Newton's method with backtracking (Lin, Lin & Weng 2007)
 *   against Platt's smoothed targets (n+ + 1) / (n+ + 2) and 1 / (n- + 2), which keep a separable validation set
 *   from driving `a` to infinity.
 * - Temperature scaling: p = sigmoid(logit / T), one parameter, hard labels (Guo et al. 2017); keeps the ranking
 *   and the 0.5 point of the logit.
 */
import { sigmoid, softplus } from './losses.js';

export type CalibrationJson =
  | { readonly kind: 'platt'; readonly a: number; readonly b: number }
  | { readonly kind: 'temperature'; readonly temperature: number };

export interface Calibrator {
  readonly json: CalibrationJson;
  /** Calibrated logit (monotone in the input logit for a > 0). */
  applyLogit(logit: number): number;
  /** Calibrated probability. */
  apply(logit: number): number;
}

type Values = ArrayLike<number>;

export function calibratorFromJSON(json: CalibrationJson): Calibrator {
  if (json.kind === 'platt') {
    const { a, b } = json;
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new RangeError('platt a and b must be finite');
    return { json: { kind: 'platt', a, b }, applyLogit: (z) => a * z + b, apply: (z) => sigmoid(a * z + b) };
  }
  if (json.kind === 'temperature') {
    const t = json.temperature;
    if (!(t > 0 && Number.isFinite(t))) throw new RangeError('temperature must be finite and > 0');
    return { json: { kind: 'temperature', temperature: t }, applyLogit: (z) => z / t, apply: (z) => sigmoid(z / t) };
  }
  throw new TypeError(`unknown calibration kind ${String((json as { kind: unknown }).kind)}`);
}

function classCounts(logits: Values, labels: Values): { positives: number; negatives: number } {
  if (logits.length !== labels.length) throw new RangeError(`${logits.length} logits but ${labels.length} labels`);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) throw new RangeError(`calibration needs both classes, got ${positives} positives and ${negatives} negatives`);
  return { positives, negatives };
}

export function fitPlatt(logits: Values, labels: Values, maxIterations = 100): Calibrator {
  const { positives, negatives } = classCounts(logits, labels);
  const hiTarget = (positives + 1) / (positives + 2);
  const loTarget = 1 / (negatives + 2);
  const target = (i: number) => (labels[i] === 1 ? hiTarget : loTarget);
  // Cross-entropy against soft target t of z = a*x + b: softplus(z) - t*z.
  const objective = (a: number, b: number) => {
    let f = 0;
    for (let i = 0; i < logits.length; i++) {
      const z = a * logits[i] + b;
      f += softplus(z) - target(i) * z;
    }
    return f;
  };
  let a = 0;
  let b = Math.log((positives + 1) / (negatives + 1));
  let f = objective(a, b);
  for (let iter = 0; iter < maxIterations; iter++) {
    let gA = 0, gB = 0, hAA = 1e-12, hAB = 0, hBB = 1e-12; // tiny ridge keeps H invertible
    for (let i = 0; i < logits.length; i++) {
      const x = logits[i];
      const p = sigmoid(a * x + b);
      const r = p - target(i);
      const w = p * (1 - p);
      gA += r * x;
      gB += r;
      hAA += w * x * x;
      hAB += w * x;
      hBB += w;
    }
    if (Math.abs(gA) < 1e-9 * logits.length && Math.abs(gB) < 1e-9 * logits.length) break;
    const det = hAA * hBB - hAB * hAB;
    const dA = -(hBB * gA - hAB * gB) / det;
    const dB = -(-hAB * gA + hAA * gB) / det;
    const slope = gA * dA + gB * dB;
    let step = 1;
    let accepted = false;
    while (step > 1e-10) {
      const fNew = objective(a + step * dA, b + step * dB);
      if (fNew <= f + 1e-4 * step * slope) {
        a += step * dA;
        b += step * dB;
        f = fNew;
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) break; // no descent left at float precision: converged
  }
  return calibratorFromJSON({ kind: 'platt', a, b });
}

/**
 * Temperature by Newton on s = 1/T (the negative log-likelihood is convex in s). If the logits rank the classes the
 * wrong way round the optimum is s <= 0; s is then held at a small positive floor (T large: near-constant 0.5).
 */
export function fitTemperature(logits: Values, labels: Values, maxIterations = 100): Calibrator {
  classCounts(logits, labels);
  const minScale = 1e-6;
  const objective = (s: number) => {
    let f = 0;
    for (let i = 0; i < logits.length; i++) {
      const z = s * logits[i];
      f += softplus(z) - (labels[i] === 1 ? z : 0);
    }
    return f;
  };
  let s = 1;
  let f = objective(s);
  for (let iter = 0; iter < maxIterations; iter++) {
    let g = 0;
    let h = 1e-12;
    for (let i = 0; i < logits.length; i++) {
      const x = logits[i];
      const p = sigmoid(s * x);
      g += (p - (labels[i] === 1 ? 1 : 0)) * x;
      h += p * (1 - p) * x * x;
    }
    if (Math.abs(g) < 1e-9 * logits.length) break;
    let step = -g / h;
    if (s + step < minScale) step = minScale - s;
    let accepted = false;
    while (Math.abs(step) > 1e-14) {
      const fNew = objective(s + step);
      if (fNew <= f + 1e-4 * step * g) {
        s += step;
        f = fNew;
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) break;
  }
  return calibratorFromJSON({ kind: 'temperature', temperature: 1 / s });
}
