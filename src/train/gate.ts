/**
 * The training gate. A candidate becomes current only if, on the gate set (the shipped reference items the bundled
 * model never trained on, plus the user's own confirmed samples held out of training), it is not worse than the
 * baseline (the current model when it can be measured on the same coordinates, else the backbone's prior alone)
 * and not worse than the prior on any source; and only if the gate set is big enough to tell.
 *
 * The gate set also holds copies of its photos under each camera condition (night IR, far, motion blur, dusk, heavy
 * JPEG: src/train/camera-conditions.ts). The comparisons above are made on the photos as they are; each condition
 * is then compared on its own, and a candidate worse than the baseline under any one of them by more than
 * CONDITION_MARGIN is refused: a model that gained a point on clean photos by forgetting the night is not better.
 */
import { evaluateScores, NEAR_CLASS, type Evaluation } from './evaluate.js';
import type { CoordSample } from './coord-sample.js';
import { auroc } from './metrics.js';
import type { ConditionFigures } from '../model/manifest.js';

export interface GateScorer {
  readonly name: string;
  readonly threshold: number;
  score(sample: CoordSample): number;
}

export interface GateResult {
  readonly accepted: boolean;
  /** Why it was rejected (empty when accepted). */
  readonly reasons: string[];
  readonly counts: { positives: number; negatives: number; near: number; far: number; confirmed: number };
  readonly candidate: Evaluation;
  readonly baseline: { name: string; evaluation: Evaluation };
  readonly prior: Evaluation;
  /** Per source: its items against the whole other class of the gate set. */
  readonly bySource: Record<string, { items: number; candidateAuroc: number; priorAuroc: number }>;
  /** Per camera condition present in the gate set: candidate and baseline on the condition's copies. */
  readonly byCondition: Record<string, ConditionComparison>;
}

export interface ConditionComparison {
  readonly items: number;
  readonly candidate: ConditionFigures;
  readonly baseline: ConditionFigures;
}

/**
 * How much worse than the baseline a candidate may be under one camera condition. Wider than the clean tolerances:
 * a condition's copies are harder and their figures move more between trainings, and what must be caught is a
 * condition forgotten, not a wobble.
 */
export const CONDITION_MARGIN = { auroc: 0.01, nearFpr: 0.05, recall: 0.05 } as const;
/** Below this many copies of a class under a condition, the condition is reported but does not decide. */
export const CONDITION_MINIMUMS = { positives: 30, negatives: 50 } as const;

export const GATE_MINIMUMS = { positives: 50, negatives: 100, near: 30, far: 50 } as const;
const TOLERANCE = { auroc: 0.002, nearFpr: 0.01, farFpr: 0.005, fprAtThreshold: 0.01, recall: 0.05, sourceAuroc: 0.005, confirmed: 0.05 } as const;

/** The prior alone as a scorer; its threshold is chosen like a model's (see priorThreshold). */
export function priorScorer(threshold: number): GateScorer {
  return { name: 'prior alone', threshold, score: (s) => s.prior };
}

function evaluate(scorer: GateScorer, items: readonly CoordSample[]): { evaluation: Evaluation; scores: number[] } {
  const scores = items.map((s) => scorer.score(s));
  return { scores, evaluation: evaluateScores(items.map((s, i) => ({ score: scores[i], label: s.label, subcategory: s.subcategory })), scorer.threshold) };
}

export function runGate(input: { candidate: GateScorer; baseline: GateScorer; prior: GateScorer; items: readonly CoordSample[]; targetFpr: number }): GateResult {
  const items = input.items.filter((s) => s.condition === undefined);
  const negatives = items.filter((s) => s.label === 0);
  const counts = {
    positives: items.length - negatives.length,
    negatives: negatives.length,
    near: negatives.filter((s) => NEAR_CLASS.has(s.subcategory)).length,
    far: negatives.filter((s) => !NEAR_CLASS.has(s.subcategory)).length,
    confirmed: items.filter((s) => s.source === 'confirmed').length,
  };
  const cand = evaluate(input.candidate, items);
  const base = evaluate(input.baseline, items);
  const prior = evaluate(input.prior, items);
  const reasons: string[] = [];
  for (const key of Object.keys(GATE_MINIMUMS) as Array<keyof typeof GATE_MINIMUMS>) {
    if (counts[key] < GATE_MINIMUMS[key]) reasons.push(`validation too small to tell: ${counts[key]} ${key === 'near' || key === 'far' ? `${key}-class negatives` : key} (need ${GATE_MINIMUMS[key]})`);
  }
  if (reasons.length === 0) reasons.push(...compare(cand.evaluation, base.evaluation, input.baseline.name, input.targetFpr));
  reasons.push(...compareConfirmed(items, cand.scores, input.candidate.threshold, base.scores, input.baseline));
  const bySource = sourceAurocs(items, cand.scores, prior.scores);
  for (const [source, s] of Object.entries(bySource)) {
    if (s.candidateAuroc < s.priorAuroc - TOLERANCE.sourceAuroc) reasons.push(`worse than the prior alone on source ${source}: AUROC ${s.candidateAuroc.toFixed(4)} vs ${s.priorAuroc.toFixed(4)}`);
  }
  const byCondition = compareConditions(input.items, input.candidate, input.baseline);
  for (const [condition, c] of Object.entries(byCondition)) reasons.push(...conditionReasons(condition, c, input.baseline.name));
  return { accepted: reasons.length === 0, reasons, counts, candidate: cand.evaluation, baseline: { name: input.baseline.name, evaluation: base.evaluation }, prior: prior.evaluation, bySource, byCondition };
}

function figures(scorer: GateScorer, items: readonly CoordSample[]): ConditionFigures {
  const m = evaluate(scorer, items).evaluation.metrics;
  return { auroc: m.auroc, nearFprAt95Tpr: m.nearFprAt95Tpr, recall: m.recall };
}

/** Candidate and baseline on each condition's copies that are numerous enough to decide on. */
function compareConditions(items: readonly CoordSample[], candidate: GateScorer, baseline: GateScorer): GateResult['byCondition'] {
  const out: Record<string, ConditionComparison> = {};
  for (const condition of [...new Set(items.flatMap((s) => (s.condition ? [s.condition] : [])))].sort()) {
    const own = items.filter((s) => s.condition === condition);
    const positives = own.filter((s) => s.label === 1).length;
    if (positives < CONDITION_MINIMUMS.positives || own.length - positives < CONDITION_MINIMUMS.negatives) continue;
    out[condition] = { items: own.length, candidate: figures(candidate, own), baseline: figures(baseline, own) };
  }
  return out;
}

function conditionReasons(condition: string, c: ConditionComparison, name: string): string[] {
  const out: string[] = [];
  const [m, b] = [c.candidate, c.baseline];
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');
  if (m.auroc < b.auroc - CONDITION_MARGIN.auroc) out.push(`under ${condition}: AUROC ${f(m.auroc)} < ${f(b.auroc)} of ${name}`);
  if (m.nearFprAt95Tpr > b.nearFprAt95Tpr + CONDITION_MARGIN.nearFpr) out.push(`under ${condition}: near-class FPR@95%TPR ${f(m.nearFprAt95Tpr)} > ${f(b.nearFprAt95Tpr)} of ${name}`);
  if (m.recall < b.recall - CONDITION_MARGIN.recall) out.push(`under ${condition}: recall at its threshold ${f(m.recall)} < ${f(b.recall)} of ${name}`);
  return out;
}

function compare(c: Evaluation, b: Evaluation, name: string, targetFpr: number): string[] {
  const m = c.metrics;
  const p = b.metrics;
  const out: string[] = [];
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');
  if (m.auroc < p.auroc - TOLERANCE.auroc) out.push(`AUROC ${f(m.auroc)} < ${f(p.auroc)} of ${name}`);
  if (m.nearFprAt95Tpr > p.nearFprAt95Tpr + TOLERANCE.nearFpr) out.push(`near-class FPR@95%TPR ${f(m.nearFprAt95Tpr)} > ${f(p.nearFprAt95Tpr)} of ${name}`);
  if (m.farFprAt95Tpr > p.farFprAt95Tpr + TOLERANCE.farFpr) out.push(`far FPR@95%TPR ${f(m.farFprAt95Tpr)} > ${f(p.farFprAt95Tpr)} of ${name}`);
  if (m.fprAtThreshold > Math.max(p.fprAtThreshold, targetFpr) + TOLERANCE.fprAtThreshold) out.push(`FPR at its threshold ${f(m.fprAtThreshold)} > ${f(p.fprAtThreshold)} of ${name}`);
  if (m.recall < p.recall - TOLERANCE.recall) out.push(`recall at its threshold ${f(m.recall)} < ${f(p.recall)} of ${name}`);
  return out;
}

/** Below this many confirmed samples of a class, the user's own labels are too few to compare on. */
const MIN_CONFIRMED = 10;

/**
 * The user's own confirmed samples, on their own: the candidate may not accept more of their confirmed negatives nor
 * miss more of their confirmed positives than the baseline, each at its own threshold.
 */
function compareConfirmed(items: readonly CoordSample[], cand: number[], candThreshold: number, base: number[], baseline: GateScorer): string[] {
  const out: string[] = [];
  for (const label of [0, 1] as const) {
    const idx = items.flatMap((s, i) => (s.source === 'confirmed' && s.label === label ? [i] : []));
    if (idx.length < MIN_CONFIRMED) continue;
    const accepted = (scores: number[], threshold: number) => idx.filter((i) => scores[i] >= threshold).length / idx.length;
    const [c, b] = [accepted(cand, candThreshold), accepted(base, baseline.threshold)];
    if (label === 0 && c > b + TOLERANCE.confirmed) out.push(`accepts ${(c * 100).toFixed(1)}% of your ${idx.length} confirmed negatives, ${baseline.name} ${(b * 100).toFixed(1)}%`);
    if (label === 1 && c < b - TOLERANCE.confirmed) out.push(`finds ${(c * 100).toFixed(1)}% of your ${idx.length} confirmed positives, ${baseline.name} ${(b * 100).toFixed(1)}%`);
  }
  return out;
}

function sourceAurocs(items: readonly CoordSample[], candidate: number[], prior: number[]): GateResult['bySource'] {
  const out: GateResult['bySource'] = {};
  const sources = [...new Set(items.map((s) => s.source))].sort();
  for (const source of sources) {
    const own = items.map((s, i) => (s.source === source ? i : -1)).filter((i) => i >= 0);
    const label = items[own[0]].label;
    const others = items.map((s, i) => (s.source !== source && s.label !== label ? i : -1)).filter((i) => i >= 0);
    if (own.length < 20 || others.length < 20) continue;
    const idx = [...own, ...others];
    const labels = idx.map((i) => items[i].label);
    out[source] = { items: own.length, candidateAuroc: auroc(idx.map((i) => candidate[i]), labels), priorAuroc: auroc(idx.map((i) => prior[i]), labels) };
  }
  return out;
}

