/**
 * The calibration of model versions trained before the prior-residual design (`{head, calibration}` head files):
 * Platt scaling p = sigmoid(a * logit + b) or temperature scaling p = sigmoid(logit / T), as stored. Models trained
 * now calibrate inside their score combiner (src/train/fit-combiner.ts); this only loads the old ones.
 */
import { sigmoid } from '../util/sigmoid.js';

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
