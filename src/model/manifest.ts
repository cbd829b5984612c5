/** The manifest of one model version (`models/<version>/manifest.json`). */
import type { OperatingPoint } from './operating-point.js';

/** AUROC, near-class FPR at 95% TPR and recall at the model's threshold under one camera condition. */
export interface ConditionFigures {
  auroc: number;
  nearFprAt95Tpr: number;
  recall: number;
}

export interface ModelManifest {
  version: string;
  createdAt: string;
  label: string;
  backbone: { id: string; runtime: string; embeddingDim: number };
  /** Decision threshold on the calibrated score, chosen for `targetFpr` on validation data. */
  threshold: number;
  targetFpr: number;
  /** Samples per source, counted separately (docs/architecture.md, "Negatives"). */
  counts: {
    positives: number;
    confirmedPositives: number;
    synthetic: number;
    folders: Record<string, number>;
    mined: number;
    /** Training and calibration items per source (dev source tag, synthetic kind, mined, confirmed, user). */
    bySource?: Record<string, number>;
    augmented?: number;
  };
  /** Event thresholds on track evidence, day and night (models calibrated since tracks; see operating-point.ts). */
  operatingPoint?: OperatingPoint;
  /** Validation metrics (auroc, fprAt95Tpr, ...), as numbers. */
  metrics: Record<string, number>;
  /** What the gate measured (models trained since v2). */
  gate?: {
    baseline: string;
    counts: Record<string, number>;
    reasons: string[];
    bySource: Record<string, { items: number; candidateAuroc: number; priorAuroc: number }>;
    bySubcategory: Record<string, { negatives: number; falsePositives: number; fpr: number }>;
    /** Per camera condition (night-ir, far, ...): the candidate and the baseline on the gate set's copies. */
    byCondition?: Record<string, { items: number; candidate: ConditionFigures; baseline: ConditionFigures }>;
  };
  /** The feature basis the head works in (models trained since v2). */
  basisId?: string;
  trainingMs: number;
  /** Why it was trained (config token, schedule, samples, mqtt, cli, bundled). */
  reason: string;
  /** Gate decision: why it was (or was not) made current. */
  decision?: string;
  parent?: string | null;
}

export interface ModelVersion {
  manifest: ModelManifest;
  /** The head's JSON (see src/model/head-model.ts). */
  head: unknown;
  dir: string;
  bundled: boolean;
}

export function isManifest(value: unknown): value is ModelManifest {
  const m = value as Partial<ModelManifest> | null;
  return Boolean(m && typeof m.version === 'string' && typeof m.threshold === 'number' && m.backbone && typeof m.backbone.id === 'string');
}
