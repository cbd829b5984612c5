/**
 * Fits a v2 model on samples that are already basis coordinates: the residual head (bounded, on the prior), the
 * out-of-distribution guard over the training coordinates, the combiner plus threshold on calibration data the
 * head did not train on, and the memory of the user's mined negatives. Pure (no I/O), so training, the bundled-model build and the generalisation study share it.
 */
import { basisToJSON, type FeatureBasis } from '../model/feature-basis.js';
import { guardToJSON, guardTrust } from '../model/feature-guard.js';
import { explainCoords, type ModelFile, type ModelParts } from '../model/target-model.js';
import type { ResidualBounds, ScoreParts } from '../model/score-combiner.js';
import { fitCombiner } from './fit-combiner.js';
import { fitFeatureGuard } from './fit-guard.js';
import { fitSceneMemory, isMemorySource } from './fit-memory.js';
import { memoryToJSON } from '../model/scene-memory.js';
import { fitHead, type FitHeadOptions } from './fit-head.js';
import type { CoordSample } from './coord-sample.js';



export interface FitModelOptions {
  readonly targetFpr: number;
  /** Head options except priorMode and residualBound, which the v2 design fixes. */
  readonly head: Omit<FitHeadOptions, 'priorMode' | 'residualBound'>;
  /** Largest head residual in logits, up and down. Default DEFAULT_RESIDUAL_BOUNDS. */
  readonly residualBound?: ResidualBounds;
}

export interface FitModelResult {
  readonly file: ModelFile;
  readonly parts: ModelParts;
  readonly threshold: number;
  readonly bestEpoch: number;
}

/**
 * Up 1 logit, down 4. Measured with `npm run bench -- generalisation` (MobileNetV2, the Asirra cats and dogs held
 * out): ±4 logits took AUROC from the prior's 0.9957 to 0.9877, ±1 to 0.9952, up 1 / down 4 to 0.9951; and lowering
 * a score by several logits is what mined negatives need to silence a camera's repeated false alarm.
 */
export const DEFAULT_RESIDUAL_BOUNDS: ResidualBounds = { up: 1, down: 4 };
/**
 * Priors are clipped to [eps, 1 - eps] before their logit. Small, because a coarser clip ties every confident cat
 * (MobileNetV2 gives many priors above 0.9999) and costs the ranking the prior had.
 */
const PRIOR_EPSILON = 1e-7;

export function fitModel(input: { basis: FeatureBasis; train: readonly CoordSample[]; calibration: readonly CoordSample[]; options: FitModelOptions }): FitModelResult {
  const { basis, train, calibration, options } = input;
  const bound = options.residualBound ?? DEFAULT_RESIDUAL_BOUNDS;
  const asSample = (s: CoordSample) => ({ embedding: s.coords, prior: s.prior, label: s.label, weight: s.weight, source: s.subcategory });
  const fit = fitHead({ train: train.map(asSample), val: calibration.map(asSample), options: { ...options.head, priorMode: 'offset', residualBound: bound, priorEpsilon: PRIOR_EPSILON } });
  const guard = fitFeatureGuard(train.map((s) => s.coords), { seed: options.head.seed });
  const combinerInput = calibration.map((s) => ({
    prior: s.prior, residual: fit.model.residualLogit(s.coords, s.prior), trust: guardTrust(guard, s.coords), label: s.label, source: s.source,
  }));
  const combined = fitCombiner(combinerInput, { bounds: bound, targetFpr: options.targetFpr, priorEpsilon: PRIOR_EPSILON });
  // Every mined frame is remembered, the held-out ones too (the combiner was fitted without the memory); frames a
  // person confirmed and held out stay out, because the gate measures on them.
  const remembered = [...train.filter(isMemorySource), ...calibration.filter((s) => isMemorySource(s) && s.source === 'mined')];
  const memory = fitSceneMemory(remembered, [...train, ...calibration].filter((s) => s.label === 1), guard.nearDistance / 2);
  const parts: ModelParts = { basis, head: fit.model, guard, combiner: combined.combiner, ...(memory ? { memory } : {}) };
  const file: ModelFile = {
    format: 'catwatch-model/v2', basis: basisToJSON(basis), head: fit.model.toJSON(), guard: guardToJSON(guard), combiner: combined.combiner,
    ...(memory ? { memory: memoryToJSON(memory) } : {}),
  };
  return { file, parts, threshold: combined.threshold.threshold, bestEpoch: fit.bestEpoch };
}

export function explainSamples(parts: ModelParts, samples: readonly CoordSample[]): ScoreParts[] {
  return samples.map((s) => explainCoords(parts, s.coords, s.prior));
}
