/**
 * How the model generalises to sources it never saw: `npm run bench -- generalisation [-- --backbones a,b]`.
 *
 * For every dev source S (file-name tag: asirra, oxpet, nette, imagenetsample, intel, humanseg; and npmfaces, the
 * close-up faces that ship in an npm package) the whole pipeline of
 * a bundled model is rebuilt without S: basis, head, guard and combiner see no photo of S. Test = S's photos plus a
 * fixed 20% of the other class's photos (by file hash) that no fold ever trains on. Reported on the test set:
 * AUROC and FPR at 95% TPR (near-class, far, and per subcategory) of the prior alone, the head (prior + bounded
 * residual, no guard, no fitted weights) and the combined score; and the same with 50 training cats only.
 * Writes bench/results/generalisation.md (the README's quality table) and prints JSON lines. What-if runs:
 * `-- --sources asirra,oxpet` (only those folds) and `-- --bound-up 2 --bound-down 4` (other head bounds) print
 * but write nothing.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../src/config/schema.js';
import { projectEmbedding } from '../src/model/feature-basis.js';
import { boundedResidual, type ResidualBounds } from '../src/model/score-combiner.js';
import { explainCoords, type ModelParts } from '../src/model/target-model.js';
import { augmentedCopies, augmentedNegatives, conditionedCopies, sourceTag, syntheticItems, type DataItem } from '../src/train/dataset.js';
import { CAMERA_CONDITIONS } from '../src/image/camera-condition.js';
import { parseAugmentedRef } from '../src/train/augmented-ref.js';
import { conditionDetail, conditionRow, conditionTable, type ConditionRow } from './condition-figures.js';
import type { EmbeddedItem } from '../src/train/embed-items.js';
import { NEAR_CLASS } from '../src/train/evaluate.js';
import { fitFeatureBasis } from '../src/train/fit-basis.js';
import { fitModel } from '../src/train/fit-model.js';
import type { CoordSample } from '../src/train/coord-sample.js';
import { auroc } from '../src/train/metrics.js';
import { referenceHalf } from '../src/train/shipped-dataset.js';
import { headFitOptions } from '../src/train/train-run.js';
import { parseConfig } from '../src/config/load-config.js';
import { devRole } from './bundle-model-roles.js';
import { argValue, devItems, embedWith } from './dev-embeddings.js';

const SOURCES = ['asirra', 'oxpet', 'nette', 'imagenetsample', 'intel', 'humanseg', 'npmfaces'] as const;

const unit = (text: string): number => createHash('sha1').update(text).digest().readUInt32BE(0) / 2 ** 32;
const baseRef = (i: EmbeddedItem): string => i.ref.split('#aug:')[0];
/** Never trained on in any fold: the other class of every test set. */
const isFixedTest = (i: EmbeddedItem): boolean => i.kind !== 'synthetic' && unit(`test:${baseRef(i).split('/').pop() ?? ''}`) < 0.2;

interface Scores { prior: number[]; head: number[]; combined: number[]; unguarded: number[]; trust: number[] }
interface Row { backbone: string; heldOut: string; positivesInTraining: number; headWeight: number; headUpCap: number; priorWeight: number; test: { positives: number; negatives: number }; metrics: Record<string, Record<string, number>>; bySubcategory: Record<string, Record<string, number>>; meanTrust: { positives: number; negatives: number } }

function scoreAll(parts: ModelParts, samples: readonly CoordSample[]): Scores {
  const out: Scores = { prior: [], head: [], combined: [], unguarded: [], trust: [] };
  const c = parts.combiner;
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  for (const s of samples) {
    const e = explainCoords(parts, s.coords, s.prior);
    const residual = parts.head.residualLogit(s.coords, s.prior);
    const z = Math.log(Math.max(1e-7, s.prior)) - Math.log(Math.max(1e-7, 1 - s.prior));
    out.prior.push(s.prior);
    out.head.push(sigmoid(z + boundedResidual(residual, { up: c.boundUp, down: c.boundDown })));
    out.combined.push(e.score);
    out.unguarded.push(explainCoords({ ...parts, guard: { ...parts.guard, nearDistance: Infinity, farDistance: Infinity } }, s.coords, s.prior).score);
    out.trust.push(e.trust);
  }
  return out;
}

/** FPR of `negatives` at the threshold that accepts 95% of `positives`. */
function fprAt95(positives: number[], negatives: number[]): number {
  if (positives.length === 0 || negatives.length === 0) return Number.NaN;
  const sorted = [...positives].sort((a, b) => a - b);
  const threshold = sorted[Math.floor(0.05 * sorted.length)];
  return negatives.filter((v) => v >= threshold).length / negatives.length;
}

function measure(samples: readonly CoordSample[], scores: Scores): Pick<Row, 'metrics' | 'bySubcategory'> {
  const labels = samples.map((s) => s.label);
  const metrics: Row['metrics'] = {};
  const bySubcategory: Row['bySubcategory'] = {};
  for (const kind of ['prior', 'head', 'combined', 'unguarded'] as const) {
    const v = scores[kind];
    const pos = v.filter((_, i) => labels[i] === 1);
    const negOf = (keep: (s: CoordSample) => boolean) => v.filter((_, i) => labels[i] === 0 && keep(samples[i]));
    metrics[kind] = {
      auroc: auroc(v, labels),
      nearFprAt95Tpr: fprAt95(pos, negOf((s) => NEAR_CLASS.has(s.subcategory))),
      farFprAt95Tpr: fprAt95(pos, negOf((s) => !NEAR_CLASS.has(s.subcategory))),
    };
    for (const sub of new Set(samples.filter((s) => s.label === 0).map((s) => s.subcategory))) {
      (bySubcategory[sub] ??= {})[kind] = fprAt95(pos, negOf((s) => s.subcategory === sub));
    }
  }
  return { metrics, bySubcategory };
}

interface Fold { row: Row; parts: ModelParts; threshold: number; toSample: (i: EmbeddedItem) => CoordSample; testRefs: Set<string> }

function runFold(backbone: string, items: readonly EmbeddedItem[], heldOut: string, maxPositives: number | undefined, residualBound: ResidualBounds | undefined): Fold {
  const tag = (i: EmbeddedItem) => sourceTag({ ...i, ref: baseRef(i) });
  const inS = (i: EmbeddedItem) => tag(i) === heldOut && !i.ref.includes('#aug:');
  const sLabels = new Set(items.filter(inS).map((i) => i.label));
  const test = items.filter((i) => !i.ref.includes('#aug:') && (inS(i) || (isFixedTest(i) && !sLabels.has(i.label) && tag(i) !== heldOut)));
  const pool = items.filter((i) => tag(i) !== heldOut && !isFixedTest(i));
  // The product's roles (bench/bundle-model-roles.ts), except that with a cat source held out, half of the other cat
  // source's reference photos train (else nothing would). Augmented copies go with their photo.
  const role = (i: EmbeddedItem): 'train' | 'reference' => {
    if (i.kind === 'synthetic') return 'train';
    const base = { ...i, ref: baseRef(i) };
    const r = devRole(base);
    return r === 'reference' && sLabels.has(1) && i.label === 1 && referenceHalf(i.key) === 'gate' ? 'train' : r;
  };
  let train = pool.filter((i) => role(i) === 'train');
  if (maxPositives !== undefined) {
    const cats = train.filter((i) => i.label === 1 && !i.ref.includes('#aug:')).slice(0, maxPositives).map((i) => i.ref);
    const keep = new Set(cats);
    train = train.filter((i) => i.label === 0 || keep.has(baseRef(i)));
  }
  const calibration = pool.filter((i) => i.kind !== 'synthetic' && !i.ref.includes('#aug:') && role(i) === 'reference' && referenceHalf(i.key) === 'calibration');
  const basis = fitFeatureBasis(train.filter((i) => !i.ref.includes('#aug:') && i.kind !== 'synthetic').map((i) => i.embedding), 128);
  const toSample = (i: EmbeddedItem): CoordSample => ({ coords: projectEmbedding(basis, i.embedding), prior: i.prior ?? 0, label: i.label, subcategory: i.subcategory, source: tag(i) });
  const t = parseConfig({}, { baseDir: process.cwd(), env: {} }).train;
  const fit = fitModel({ basis, train: train.map(toSample), calibration: calibration.map(toSample), options: { targetFpr: t.targetFpr, head: headFitOptions(t, 1), residualBound } });
  const testSamples = test.map(toSample);
  const scores = scoreAll(fit.parts, testSamples);
  const mean = (label: 0 | 1) => {
    const v = scores.trust.filter((_, i) => testSamples[i].label === label);
    return v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  };
  const row: Row = {
    backbone, heldOut, positivesInTraining: train.filter((i) => i.label === 1).length,
    headWeight: fit.parts.combiner.headWeight, headUpCap: fit.parts.combiner.headUpCap, priorWeight: fit.parts.combiner.priorWeight,
    test: { positives: testSamples.filter((s) => s.label === 1).length, negatives: testSamples.filter((s) => s.label === 0).length },
    ...measure(testSamples, scores),
    meanTrust: { positives: mean(1), negatives: mean(0) },
  };
  return { row, parts: fit.parts, threshold: fit.threshold, toSample, testRefs: new Set(test.map((i) => i.ref)) };
}

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');

function markdown(rows: readonly Row[], conditionRows: readonly ConditionRow[]): string {
  const lines = [
    '# Generalisation to held-out sources',
    '',
    'Produced by `npm run bench -- generalisation`. Each row rebuilds the model without one dev source (basis, head,',
    'guard and combiner never see it) and tests on that source plus a fixed 20% of the other class that no fold trains',
    'on. prior = the backbone alone; head = prior + bounded head residual (no guard, no fitted weights); combined = the',
    'shipped score (guard and weights fitted on held-out reference sources). FPR columns at the threshold that accepts',
    '95% of the test cats.',
    '',
    '| backbone | held out | cats in training | test cats / not-cats | AUROC prior / head / combined | near-class FPR@95 prior / head / combined | far FPR@95 prior / head / combined | mean trust cats / not-cats |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const m = r.metrics;
    lines.push(`| ${r.backbone} | ${r.heldOut} | ${r.positivesInTraining} | ${r.test.positives} / ${r.test.negatives} | ${f4(m.prior.auroc)} / ${f4(m.head.auroc)} / **${f4(m.combined.auroc)}** | ${pct(m.prior.nearFprAt95Tpr)} / ${pct(m.head.nearFprAt95Tpr)} / **${pct(m.combined.nearFprAt95Tpr)}** | ${pct(m.prior.farFprAt95Tpr)} / ${pct(m.head.farFprAt95Tpr)} / **${pct(m.combined.farFprAt95Tpr)}** | ${r.meanTrust.positives.toFixed(2)} / ${r.meanTrust.negatives.toFixed(2)} |`);
  }
  if (conditionRows.length > 0) {
    lines.push('', '### Under camera conditions', '', 'The same folds; half of each fold\'s test photos (by name hash), as they are (clean) and changed by each camera', 'condition of src/train/camera-conditions.ts (ranges measured on the shared clips: bench/results/camera-conditions.md).', 'Recall and false positives at each fold model\'s own photo threshold. "+ camera conditions" trains the same folds', 'with copies under the conditions as well (train.cameraConditions): what they bring.', '', conditionTable(conditionRows));
  }
  lines.push('', '## Per subcategory (FPR at 95% TPR: prior / head / combined)', '', '| backbone | held out | subcategory | prior | head | combined | combined without guard |', '|---|---|---|---|---|---|---|');
  for (const r of rows) {
    for (const [sub, v] of Object.entries(r.bySubcategory)) lines.push(`| ${r.backbone} | ${r.heldOut} | ${sub} | ${pct(v.prior)} | ${pct(v.head)} | ${pct(v.combined)} | ${pct(v.unguarded)} |`);
  }
  if (conditionRows.length > 0) lines.push('', '## Under camera conditions, every fold', '', conditionDetail(conditionRows));
  return `${lines.join('\n')}\n`;
}

/** Half the photos (by name hash) are tested under every condition: 5 copies of all 5,400 would take twice as long. */
const inConditionSample = (i: DataItem): boolean => !i.ref.startsWith('package:') && unit(`condition:${i.ref.split('/').pop() ?? ''}`) < 0.5;

/** The product's default (train.cameraConditions: none) first: its folds are the main table. */
const TRAINING_VARIANTS = [
  { name: 'light augmentations', conditions: [] },
  { name: 'light augmentations + camera conditions', conditions: CAMERA_CONDITIONS },
] as const;

async function main(argv: readonly string[]): Promise<void> {
  const backbones = argValue(argv, '--backbones', 'objectron,mobilenetv2-12-int8,centernet').split(',') as Array<Config['model']['backbone']>;
  const conditionBackbones = argValue(argv, '--condition-backbones', 'objectron').split(',');
  const dataDir = argValue(argv, '--data-dir', join(process.cwd(), '.build', 'bench-data'));
  const sources = argValue(argv, '--sources', SOURCES.join(',')).split(',');
  const bound = argv.includes('--bound-up') || argv.includes('--bound-down') ? { up: Number(argValue(argv, '--bound-up', '1')), down: Number(argValue(argv, '--bound-down', '4')) } : undefined;
  const rows: Row[] = [];
  const conditionRows: ConditionRow[] = [];
  for (const backbone of backbones) {
    const photos = devItems();
    const withConditions = conditionBackbones.includes(backbone);
    const conditioned = withConditions ? (await embedWith(backbone, dataDir, conditionedCopies(photos.filter(inConditionSample)))).items : [];
    for (const [v, variant] of (withConditions ? TRAINING_VARIANTS : TRAINING_VARIANTS.slice(0, 1)).entries()) {
      const extra = [...syntheticItems(400), ...augmentedCopies(photos.filter((_, i) => i % 2 === 0), 1, variant.conditions), ...augmentedNegatives(photos, 6, variant.conditions)];
      const { info, items } = await embedWith(backbone, dataDir, [...photos, ...extra]);
      const name = info.id.split('@')[0];
      const clean = items.filter((i) => !i.ref.includes('#aug:') && inConditionSample(i));
      for (const heldOut of sources) {
        const fold = runFold(name, items, heldOut, undefined, bound);
        if (v === 0) rows.push(fold.row);
        process.stdout.write(`${JSON.stringify(fold.row)}\n`);
        if (!withConditions) continue;
        for (const condition of ['clean', ...CAMERA_CONDITIONS]) {
          const set = condition === 'clean' ? clean : conditioned.filter((i) => parseAugmentedRef(i.ref).augmentation?.kind === condition);
          const row = conditionRow({ ...fold, heldOut }, `${name}: ${variant.name}`, condition, set);
          conditionRows.push(row);
          process.stdout.write(`${JSON.stringify(row)}\n`);
        }
      }
      if (v > 0 || !sources.includes('oxpet')) continue;
      const few = { ...runFold(name, items, 'oxpet', 50, bound).row, heldOut: 'oxpet (50 training cats)' };
      rows.push(few);
      process.stdout.write(`${JSON.stringify(few)}\n`);
    }
  }
  const text = markdown(rows, conditionRows);
  // A what-if run (some sources or backbones, other bounds) prints its tables; it does not replace the README's.
  if (argv.includes('--sources') || argv.includes('--backbones') || bound) {
    process.stdout.write(text);
    return;
  }
  mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
  writeFileSync(join(process.cwd(), 'bench', 'results', 'generalisation.md'), text);
  updateReadme(text);
}

/** The README's quality table is this run's summary table (between the model-figures markers). */
function updateReadme(text: string): void {
  const readme = join(process.cwd(), 'README.md');
  const current = readFileSync(readme, 'utf8');
  const start = current.indexOf(README_START);
  const end = current.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${README_START} ... ${README_END} markers`);
  const summary = text.slice(text.indexOf('Produced by'), text.indexOf('## Per subcategory')).trim();
  const block = `${README_START}\n${summary}\n\nPer subcategory: [bench/results/generalisation.md](bench/results/generalisation.md).\n`;
  writeFileSync(readme, current.slice(0, start) + block + current.slice(end));
}

const README_START = '<!-- model-figures:start -->';
const README_END = '<!-- model-figures:end -->';

await main(process.argv.slice(2));
