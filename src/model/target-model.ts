/**
 * A loaded model version, applied to backbone outputs. Cheap (a projection, a small head, a nearest-prototype
 * distance), so it runs on the main thread after the workers return embeddings, and swapping versions is a pointer
 * change.
 *
 * Two head files exist. `catwatch-model/v2` (every model trained since the prior-residual design): basis → head
 * residual → guard → combiner, see score-combiner.ts. The older `{head, calibration}` file (a head that takes the
 * prior as one more feature, then Platt scaling) still loads, so versions trained before keep working.
 */
import type { ModelVersion } from './manifest.js';
import { calibratorFromJSON, type CalibrationJson } from './calibrate.js';
import { HeadModel, type HeadModelJson } from './head-model.js';
import { CatwatchError } from '../util/errors.js';
import type { BackboneOutput } from './backbone.js';
import { basisFromJSON, projectEmbedding, type FeatureBasis, type FeatureBasisJson } from './feature-basis.js';
import { guardFromJSON, guardTrust, type FeatureGuard, type FeatureGuardJson } from './feature-guard.js';
import { headContribution, priorPart, validateCombiner, type CombinerJson, type ScoreParts } from './score-combiner.js';
import { eventThresholdFor, isOperatingPoint, type LightMode } from './operating-point.js';
import { memoryFromJSON, memoryOffset, type SceneMemory, type SceneMemoryJson } from './scene-memory.js';

/** What `head.json` of a model version trained before v2 holds. */
export interface LegacyHeadFile {
  head: HeadModelJson;
  calibration: CalibrationJson;
}

export interface ModelFile {
  format: 'catwatch-model/v2';
  basis: FeatureBasisJson;
  /** A residual head ('offset' prior mode) on the basis coordinates. */
  head: HeadModelJson;
  guard: FeatureGuardJson;
  combiner: CombinerJson;
  /** The user's own hard negatives (absent until some were mined). */
  memory?: SceneMemoryJson;
}

export type HeadFile = ModelFile | LegacyHeadFile;

/** The parts of a v2 model, for training and evaluation on coordinates that are already projected. */
export interface ModelParts {
  readonly basis: FeatureBasis;
  readonly head: HeadModel;
  readonly guard: FeatureGuard;
  readonly combiner: CombinerJson;
  readonly memory?: SceneMemory;
}

export interface TargetModel {
  readonly version: string;
  readonly backboneId: string;
  readonly label: string;
  readonly threshold: number;
  /** What a track's evidence must reach to start an event, per light mode (config model.threshold overrides both). */
  readonly eventThreshold: (mode: LightMode) => number;
  readonly bundled: boolean;
  /** The v2 parts; undefined for a model trained before v2. */
  readonly parts?: ModelParts;
  /** Calibrated probability (0..1) that the target is in the image. */
  score(output: BackboneOutput): number;
  /** The score with its parts (prior, head contribution, trust). */
  explain(output: BackboneOutput): ScoreParts;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Score parts of basis coordinates (the shipped dataset is stored as coordinates). */
export function explainCoords(parts: ModelParts, coords: Float32Array, prior: number): ScoreParts {
  const trust = guardTrust(parts.guard, coords);
  const head = headContribution(parts.combiner, parts.head.residualLogit(coords, prior), trust) + (parts.memory ? memoryOffset(parts.memory, coords) : 0);
  return { score: sigmoid(priorPart(parts.combiner, prior) + head), prior, head, trust };
}

export function modelPartsFromFile(file: ModelFile): ModelParts {
  const basis = basisFromJSON(file.basis);
  const head = HeadModel.fromJSON(file.head);
  const guard = guardFromJSON(file.guard);
  if (head.config.embeddingDim !== basis.dim || guard.dim !== basis.dim) throw new RangeError('head, guard and basis dimensions differ');
  if (head.config.priorMode !== 'offset') throw new RangeError("a v2 head must be a residual ('offset') head");
  const memory = file.memory ? memoryFromJSON(file.memory) : undefined;
  if (memory && memory.dim !== basis.dim) throw new RangeError('memory and basis dimensions differ');
  return { basis, head, guard, combiner: validateCombiner(file.combiner), ...(memory ? { memory } : {}) };
}

export function isModelFile(file: unknown): file is ModelFile {
  return (file as Partial<ModelFile> | null)?.format === 'catwatch-model/v2';
}

export function createTargetModel(model: ModelVersion, options: { thresholdOverride?: number } = {}): TargetModel {
  const explain = explainer(model);
  const threshold = options.thresholdOverride ?? model.manifest.threshold;
  const point = model.manifest.operatingPoint;
  const events = options.thresholdOverride === undefined && isOperatingPoint(point) ? point : { day: threshold, night: threshold };
  return {
    version: model.manifest.version,
    backboneId: model.manifest.backbone.id,
    label: model.manifest.label,
    threshold,
    eventThreshold: (mode) => eventThresholdFor(events, mode),
    bundled: model.bundled,
    parts: explain.parts,
    score: (output) => explain.run(output).score,
    explain: explain.run,
  };
}

function explainer(model: ModelVersion): { parts?: ModelParts; run: (o: BackboneOutput) => ScoreParts } {
  try {
    if (isModelFile(model.head)) {
      const parts = modelPartsFromFile(model.head);
      const coords = new Float32Array(parts.basis.dim);
      return {
        parts,
        run: (o) => explainCoords(parts, projectEmbedding(parts.basis, o.embedding, coords), requirePrior(o)),
      };
    }
    const file = model.head as Partial<LegacyHeadFile>;
    if (!file.head || !file.calibration) throw new Error('head.json is neither a v2 model nor a head with calibration');
    const head = HeadModel.fromJSON(file.head);
    const calibrator = calibratorFromJSON(file.calibration);
    return {
      run: (o) => {
        const score = calibrator.apply(head.predictLogit(o.embedding, o.prior));
        return { score, prior: o.prior ?? Number.NaN, head: Number.NaN, trust: Number.NaN };
      },
    };
  } catch (err) {
    throw new CatwatchError('E_MODEL_INVALID', `${model.dir}/head.json: ${(err as Error).message}`, { cause: err });
  }
}

function requirePrior(o: BackboneOutput): number {
  if (o.prior === undefined) throw new CatwatchError('E_MODEL_INVALID', 'this model needs a backbone with a prior');
  return o.prior;
}
