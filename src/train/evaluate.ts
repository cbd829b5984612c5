/**
 * The evaluation summary used by training (validation), the gate and `catwatch eval`: AUROC and FPR at 95% TPR
 * overall, for near-class negatives (animals that look like the target) and for far ones; precision, recall and
 * per-subcategory FPR at the model's threshold; expected calibration error.
 */
import { auroc, confusionAt, expectedCalibrationError, fprAtTpr, fprBySubcategory, type SubcategoryFpr } from './metrics.js';

/** Negative subcategories that count as near-class (other animals, above all the ones a cat is confused with). */
export const NEAR_CLASS = new Set(['dog', 'dogs', 'wildcat', 'wildcats', 'animal', 'animals', 'fox', 'rabbit']);

export interface Scored { score: number; label: 0 | 1; subcategory: string }

export interface Evaluation {
  metrics: Record<string, number>;
  bySubcategory: Record<string, SubcategoryFpr>;
}

function subset(items: readonly Scored[], keep: (s: Scored) => boolean): { scores: number[]; labels: number[] } {
  const chosen = items.filter((s) => s.label === 1 || keep(s));
  return { scores: chosen.map((s) => s.score), labels: chosen.map((s) => s.label) };
}

function safe(fn: () => number): number {
  try {
    return fn();
  } catch {
    return Number.NaN;
  }
}

export function evaluateScores(items: readonly Scored[], threshold: number): Evaluation {
  const scores = items.map((s) => s.score);
  const labels = items.map((s) => s.label);
  const near = subset(items, (s) => NEAR_CLASS.has(s.subcategory));
  const far = subset(items, (s) => !NEAR_CLASS.has(s.subcategory));
  const at = confusionAt(scores, labels, threshold);
  const metrics: Record<string, number> = {
    positives: labels.filter((l) => l === 1).length,
    negatives: labels.filter((l) => l === 0).length,
    auroc: safe(() => auroc(scores, labels)),
    fprAt95Tpr: safe(() => fprAtTpr(scores, labels, 0.95)),
    nearAuroc: safe(() => auroc(near.scores, near.labels)),
    nearFprAt95Tpr: safe(() => fprAtTpr(near.scores, near.labels, 0.95)),
    farAuroc: safe(() => auroc(far.scores, far.labels)),
    farFprAt95Tpr: safe(() => fprAtTpr(far.scores, far.labels, 0.95)),
    threshold,
    precision: at.precision,
    recall: at.recall,
    fprAtThreshold: at.fpr,
    ece: safe(() => expectedCalibrationError(scores, labels)),
  };
  return { metrics, bySubcategory: fprBySubcategory(scores, labels, items.map((s) => s.subcategory), threshold) };
}
