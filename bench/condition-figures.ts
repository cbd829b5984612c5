/**
 * The generalisation bench under camera conditions (issue 25): each fold's model scores its own held-out test photos
 * as they are and changed by each condition (src/train/camera-conditions.ts, copy 0: the same change in every fold).
 * Reported per condition: AUROC and near-class FPR at 95% TPR, and at the fold model's own threshold the cat recall
 * and the far / near false-positive rates, averaged over the folds that have the class (worst fold beside it).
 */
import type { CoordSample } from '../src/train/coord-sample.js';
import type { EmbeddedItem } from '../src/train/embed-items.js';
import { NEAR_CLASS, evaluateScores } from '../src/train/evaluate.js';
import { explainCoords, type ModelParts } from '../src/model/target-model.js';
import { parseAugmentedRef } from '../src/train/augmented-ref.js';

export interface ConditionFold {
  readonly heldOut: string;
  readonly parts: ModelParts;
  readonly threshold: number;
  readonly toSample: (i: EmbeddedItem) => CoordSample;
  readonly testRefs: ReadonlySet<string>;
}

export interface ConditionRow {
  readonly trainedWith: string;
  readonly condition: string;
  readonly heldOut: string;
  readonly items: number;
  readonly auroc: number;
  readonly nearFprAt95Tpr: number;
  readonly recall: number;
  readonly farFp: number;
  readonly nearFp: number;
}

const rate = (flags: boolean[]): number => (flags.length === 0 ? Number.NaN : flags.filter(Boolean).length / flags.length);

/** One fold under one condition: `items` are the condition's copies (or the clean photos) of any fold's tests. */
export function conditionRow(fold: ConditionFold, trainedWith: string, condition: string, items: readonly EmbeddedItem[]): ConditionRow {
  const mine = items.filter((i) => fold.testRefs.has(parseAugmentedRef(i.ref).file));
  const samples = mine.map(fold.toSample);
  const scored = samples.map((s) => ({ score: explainCoords(fold.parts, s.coords, s.prior).score, label: s.label, subcategory: s.subcategory }));
  const m = evaluateScores(scored, fold.threshold).metrics;
  const above = (keep: (s: (typeof scored)[number]) => boolean) => rate(scored.filter(keep).map((s) => s.score >= fold.threshold));
  return {
    trainedWith, condition, heldOut: fold.heldOut, items: mine.length, auroc: m.auroc, nearFprAt95Tpr: m.nearFprAt95Tpr,
    recall: above((s) => s.label === 1),
    farFp: above((s) => s.label === 0 && !NEAR_CLASS.has(s.subcategory)),
    nearFp: above((s) => s.label === 0 && NEAR_CLASS.has(s.subcategory)),
  };
}

const finite = (v: number[]) => v.filter(Number.isFinite);
const mean = (v: number[]) => (finite(v).length ? finite(v).reduce((a, b) => a + b, 0) / finite(v).length : Number.NaN);
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');

/** Per training variant and condition: the mean over folds, the worst fold in brackets. */
export function conditionTable(rows: readonly ConditionRow[]): string {
  const lines = [
    '| trained with | condition | AUROC mean (worst fold) | near FPR@95 mean (worst) | recall at threshold | far FP at threshold | near FP at threshold |',
    '|---|---|---|---|---|---|---|',
  ];
  const keys = [...new Set(rows.map((r) => `${r.trainedWith}\u0000${r.condition}`))];
  for (const key of keys) {
    const [trainedWith, condition] = key.split('\u0000');
    const own = rows.filter((r) => r.trainedWith === trainedWith && r.condition === condition);
    const worstAuroc = Math.min(...finite(own.map((r) => r.auroc)));
    const worstNear = Math.max(...finite(own.map((r) => r.nearFprAt95Tpr)));
    lines.push(`| ${trainedWith} | ${condition} | ${f4(mean(own.map((r) => r.auroc)))} (${f4(worstAuroc)}) | ${pct(mean(own.map((r) => r.nearFprAt95Tpr)))} (${pct(worstNear)}) | ${pct(mean(own.map((r) => r.recall)))} | ${pct(mean(own.map((r) => r.farFp)))} | ${pct(mean(own.map((r) => r.nearFp)))} |`);
  }
  return lines.join('\n');
}

/** Every fold and condition, for the results file. */
export function conditionDetail(rows: readonly ConditionRow[]): string {
  const lines = ['| trained with | condition | held out | items | AUROC | near FPR@95 | recall | far FP | near FP |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.trainedWith} | ${r.condition} | ${r.heldOut} | ${r.items} | ${f4(r.auroc)} | ${pct(r.nearFprAt95Tpr)} | ${pct(r.recall)} | ${pct(r.farFp)} | ${pct(r.nearFp)} |`);
  return lines.join('\n');
}
