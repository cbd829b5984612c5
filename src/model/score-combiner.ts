/**
 * How the final score is made from its parts, so that the prior stays in it:
 *
 *   logit = priorWeight * logit(prior) + bias + trust * min(headUpCap, headWeight * R)
 *   R     = B * tanh(headResidual / B),  B = boundUp when the residual is positive, else boundDown
 *
 * The head is a bounded residual on the prior (trained that way, see src/train/fit-head.ts). It may lower a score by
 * up to `boundDown` logits (what mined negatives need to silence a camera's false alarm) but raise it by only
 * `boundUp` (raising is how a head that learned the wrong thing makes false alarms on sources it never saw), only as
 * far as the guard's trust allows, and never by more than `headUpCap`, which
 * training sets so that an image the prior scores below `vetoPrior` cannot reach the model's threshold whatever the
 * head says. The weights are fitted on validation data (src/train/fit-combiner.ts).
 */

export interface CombinerJson {
  readonly format: 'catwatch-combiner/v1';
  readonly priorWeight: number;
  readonly bias: number;
  readonly headWeight: number;
  /** Largest upward R in logits. */
  readonly boundUp: number;
  /** Largest downward |R| in logits. */
  readonly boundDown: number;
  /** Largest upward head contribution in logits (after headWeight and trust). */
  readonly headUpCap: number;
  /** Priors below this are confident "not the target": the head alone cannot make them positive. */
  readonly vetoPrior: number;
  /** The prior is clipped to [eps, 1 - eps] before its logit. */
  readonly priorEpsilon: number;
}

export interface ScoreParts {
  /** Final calibrated probability. */
  readonly score: number;
  /** The backbone's own probability. */
  readonly prior: number;
  /** The head's contribution to the final logit, after bound, weight, trust and cap, plus the scene memory's (a
   *  negative number when the image is one of the user's remembered hard negatives); 0 = no change. */
  readonly head: number;
  /** 0..1: how close the input is to the training data (1 = well inside). */
  readonly trust: number;
}

export function clippedLogit(p: number, eps: number): number {
  const q = Math.min(1 - eps, Math.max(eps, p));
  return Math.log(q) - Math.log1p(-q);
}

export interface ResidualBounds { readonly up: number; readonly down: number }

export function boundedResidual(residual: number, bounds: ResidualBounds): number {
  const b = residual >= 0 ? bounds.up : bounds.down;
  return b * Math.tanh(residual / b);
}

export function headContribution(c: CombinerJson, residual: number, trust: number): number {
  return trust * Math.min(c.headUpCap, c.headWeight * boundedResidual(residual, { up: c.boundUp, down: c.boundDown }));
}

/** The calibrated prior's part of the logit: a·logit(prior) + c. */
export function priorPart(c: CombinerJson, prior: number): number {
  return c.priorWeight * clippedLogit(prior, c.priorEpsilon) + c.bias;
}

export function combinedLogit(c: CombinerJson, prior: number, residual: number, trust: number): number {
  return priorPart(c, prior) + headContribution(c, residual, trust);
}

export function validateCombiner(c: CombinerJson): CombinerJson {
  if (c?.format !== 'catwatch-combiner/v1') throw new TypeError('unknown combiner format');
  for (const key of ['priorWeight', 'bias', 'headWeight', 'boundUp', 'boundDown', 'headUpCap', 'vetoPrior', 'priorEpsilon'] as const) {
    if (!Number.isFinite(c[key])) throw new RangeError(`combiner ${key} must be a finite number`);
  }
  if (!(c.priorWeight > 0) || c.headWeight < 0 || !(c.boundUp > 0) || !(c.boundDown > 0) || c.headUpCap < 0) {
    throw new RangeError('combiner needs priorWeight > 0, headWeight >= 0, bounds > 0, headUpCap >= 0');
  }
  return c;
}
