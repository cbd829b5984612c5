/**
 * Measurement study, not a test: how much each part of the model contributes, on the dev photos, for both backbones.
 * Everything runs through the training code (dataset sources, splitItems, embedItems with the embedding cache,
 * fitHead with the production head defaults, fitPlatt, thresholdForFpr, evaluateScores); only the choice of
 * training data varies, and the validation set stays the same for every row so rows compare.
 *   1. the backbone's zero-shot prior alone; a head without the prior; the prior fused as a feature or an offset;
 *   2. 20, 50, 200 and all training positives (random subsets, one per seed; mean and worst over seeds);
 *   3. which negative sources the head is trained on.
 * Usage (after compiling): node dist/bench/model-study.js [--data DIR] [--objectron-data-dir DIR]
 *   [--mobilenet-data-dir DIR] [--backbones objectron,mobilenetv2-12-int8] [--seeds 5] [--out FILE]
 * The data dirs hold the embedding cache (embeddings.db, as `catwatch train --data-dir` leaves it); images missing
 * from it are embedded on the fly (slow on the first run). Prints the markdown and writes it to --out.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/load-config.js';
import { installedModelPath } from '../src/registry/model-catalog.js';
import type { BackboneSpec } from '../src/score/backbone-spec.js';
import { createScorePool } from '../src/score/score-pool.js';
import { fitPlatt } from '../src/train/calibrate.js';
import { augmentedCopies, negativeFolderItems, positiveItems, syntheticItems, type DataItem } from '../src/train/dataset.js';
import { embedItems, type EmbeddedItem } from '../src/train/embed-items.js';
import { openEmbeddingCache } from '../src/train/embedding-cache.js';
import { evaluateScores, NEAR_CLASS } from '../src/train/evaluate.js';
import { fitHead } from '../src/train/fit-head.js';
import { headFitOptions, toSample } from '../src/train/train-run.js';
import type { PriorMode } from '../src/train/head-model.js';
import { createRng } from '../src/train/rng.js';
import { splitItems } from '../src/train/split.js';
import { thresholdForFpr } from '../src/train/threshold.js';
import { createLogger } from '../src/util/log.js';
import { devDataDir, modelsMirrorDir, repoRoot } from '../test/helpers/paths.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: devDataDir },
    'objectron-data-dir': { type: 'string', default: join(tmpdir(), 'catwatch-bench') },
    'mobilenet-data-dir': { type: 'string', default: join(tmpdir(), 'catwatch-bench') },
    backbones: { type: 'string', default: 'objectron,mobilenetv2-12-int8' },
    seeds: { type: 'string', default: '5' },
    out: { type: 'string', default: join(repoRoot, 'bench', 'results', 'model-study.md') },
  },
});
const VAL_FRACTION = 0.25; // train-run's default
const SYNTHETIC = 300; // train.syntheticNegatives default
const AUGMENT_PER_POSITIVE = 1; // `catwatch train --augment` default
const POSITIVE_COUNTS = [20, 50, 200];
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const train = parseConfig({}, { baseDir: process.cwd(), env: {} }).train; // the production head settings
const log = createLogger({ level: 'warn', pretty: false, destination: 2 });

type Metrics = Record<'auroc' | 'fprAt95Tpr' | 'nearAuroc' | 'nearFprAt95Tpr' | 'farAuroc' | 'farFprAt95Tpr' | 'tprAtTargetFpr', number>;
interface Row { section: string; setting: string; runs: Metrics[] }

/** The same augmented copies train-run makes (same refs, so the same cache keys). */
function spec(name: string): BackboneSpec {
  if (name === 'objectron') return { kind: 'objectron', threads: 1 };
  const pulled = installedModelPath(values['mobilenet-data-dir'], name);
  return { kind: 'onnx-mobilenetv2', modelPath: existsSync(pulled) ? pulled : join(modelsMirrorDir, `${name}.onnx`), executionProviders: ['cpu'], threads: 1 };
}

async function embedAll(name: string, items: DataItem[]): Promise<{ id: string; byRef: Map<string, EmbeddedItem>; note: string }> {
  const dataDir = name === 'objectron' ? values['objectron-data-dir'] : values['mobilenet-data-dir'];
  const pool = createScorePool({ spec: spec(name), log, workers: 0, batchSize: 8, queueMax: 1024 });
  const info = await pool.start();
  const cache = openEmbeddingCache(dataDir);
  try {
    const r = await embedItems(items, { embed: (images) => pool.embed(images), backboneId: info.id, cache });
    if (r.failed.length > 0) throw new Error(`${r.failed.length} images failed, e.g. ${r.failed[0].ref}: ${r.failed[0].error}`);
    const note = `${info.id}: ${info.embeddingDim}-d embedding + prior; ${r.cacheHits} cached, ${r.computed} embedded now`;
    return { id: info.id, byRef: new Map(r.items.map((i) => [i.ref, i])), note };
  } finally {
    cache.close();
    await pool.stop();
  }
}

function measure(val: readonly EmbeddedItem[], scores: readonly number[]): Metrics {
  const labels = val.map((i) => i.label);
  const choice = thresholdForFpr(scores, labels, train.targetFpr);
  const m = evaluateScores(val.map((i, k) => ({ score: scores[k], label: i.label, subcategory: i.subcategory })), choice.threshold).metrics;
  return { auroc: m.auroc, fprAt95Tpr: m.fprAt95Tpr, nearAuroc: m.nearAuroc, nearFprAt95Tpr: m.nearFprAt95Tpr, farAuroc: m.farAuroc, farFprAt95Tpr: m.farFprAt95Tpr, tprAtTargetFpr: choice.tpr };
}


/**
 * Fits the head as train-run does and scores the fixed validation set. Early stopping and Platt only see the
 * validation items of the sources the head trains on: a run without dogs must not pick its epoch on dogs.
 */
function fitAndMeasure(trainItems: readonly EmbeddedItem[], val: readonly EmbeddedItem[], priorMode: PriorMode, seed: number): Metrics {
  const sources = new Set(trainItems.map((i) => i.subcategory));
  const stopVal = val.filter((i) => sources.has(i.subcategory));
  const fit = fitHead({ train: trainItems.map(toSample), val: stopVal.map(toSample), options: headFitOptions(train, priorMode, seed) });
  const calibrator = fitPlatt(stopVal.map((i) => fit.model.predictLogit(i.embedding, i.prior)), stopVal.map((i) => i.label));
  return measure(val, val.map((i) => calibrator.apply(fit.model.predictLogit(i.embedding, i.prior))));
}

/** Both backbones pool MobileNetV2's last 1280-channel feature map; objectron puts its 24 class logits and the cat box first. */
const POOLED_FEATURES = 1280;

function study(trainReal: readonly DataItem[], valItems: readonly DataItem[], byRef: Map<string, EmbeddedItem>): Row[] {
  // Objectron's embedding holds the Cat logit itself, so "priorMode none" still sees the prior there; the
  // pooled-features-only variant measures a head that really has no access to it.
  const dim = byRef.values().next().value?.embedding.length ?? 0;
  const pooledRef = new Map([...byRef].map(([ref, i]) => [ref, { ...i, embedding: i.embedding.subarray(dim - POOLED_FEATURES) }]));
  const variants: Array<{ mode: PriorMode; label: string; map: Map<string, EmbeddedItem> }> = [
    { mode: 'none', label: 'head without prior (priorMode none)', map: byRef },
    ...(dim > POOLED_FEATURES ? [{ mode: 'none' as const, label: 'head on pooled features only (no class logits, priorMode none)', map: pooledRef }] : []),
    { mode: 'feature', label: 'head + prior as feature (default)', map: byRef },
    { mode: 'offset', label: 'head + prior as offset', map: byRef },
  ];
  const positives = trainReal.filter((i) => i.label === 1);
  const negatives = trainReal.filter((i) => i.label === 0);
  const get = (items: readonly DataItem[], map = byRef) => items.map((i) => map.get(i.ref) as EmbeddedItem);
  const withPositives = (pos: readonly DataItem[], neg: readonly DataItem[], map = byRef) => get([...pos, ...augmentedCopies(pos, AUGMENT_PER_POSITIVE), ...neg], map);
  const run = (pos: readonly DataItem[], neg: readonly DataItem[], v: (typeof variants)[number], seed: number) =>
    fitAndMeasure(withPositives(pos, neg, v.map), get(valItems, v.map), v.mode, seed);
  const fullRuns = new Map(variants.map((v) => [v.label, seeds.map((seed) => run(positives, negatives, v, seed))]));
  const rows: Row[] = [];

  const s1 = '1. prior and fusion';
  const val = get(valItems);
  rows.push({ section: s1, setting: 'zero-shot prior alone (no training)', runs: [measure(val, val.map((i) => i.prior ?? Number.NaN))] });
  for (const v of variants) rows.push({ section: s1, setting: v.label, runs: fullRuns.get(v.label) ?? [] });

  const s2 = '2. training positives';
  for (const v of variants.filter((x) => x.mode !== 'offset')) {
    for (const n of POSITIVE_COUNTS) {
      const runs = seeds.map((seed) => run(createRng(1000 * seed + n).shuffle(positives.slice()).slice(0, n), negatives, v, seed));
      rows.push({ section: s2, setting: `${n} positives: ${v.label}`, runs });
    }
    rows.push({ section: s2, setting: `all ${positives.length} positives: ${v.label}`, runs: fullRuns.get(v.label) ?? [] });
  }

  const s3 = '3. negative sources (prior as feature, all positives)';
  const fused = variants.find((v) => v.mode === 'feature') as (typeof variants)[number];
  const isNear = (i: DataItem) => i.kind === 'folder' && NEAR_CLASS.has(i.subcategory);
  const isFar = (i: DataItem) => i.kind === 'folder' && !NEAR_CLASS.has(i.subcategory);
  const folders = [...new Set(negatives.filter((i) => i.kind === 'folder').map((i) => i.subcategory))].sort();
  const sources: Array<[string, (i: DataItem) => boolean]> = [
    ['without synthetic', (i) => i.kind !== 'synthetic'],
    ['without near-class folders', (i) => !isNear(i)],
    ['without far folders (= synthetic + near-class only)', (i) => !isFar(i)],
    ['synthetic only', (i) => i.kind === 'synthetic'],
    ...folders.map((f): [string, (i: DataItem) => boolean] => [`without ${f} (${NEAR_CLASS.has(f) ? 'near' : 'far'})`, (i) => i.subcategory !== f]),
  ];
  rows.push({ section: s3, setting: `all sources (${negatives.length} negatives)`, runs: fullRuns.get(fused.label) ?? [] });
  for (const [label, keep] of sources) {
    const kept = negatives.filter(keep);
    rows.push({ section: s3, setting: `${label} (${kept.length} negatives)`, runs: seeds.map((seed) => run(positives, kept, fused, seed)) });
  }
  return rows;
}

/** Mean and, in brackets, the worst run (lowest AUROC / TPR, highest FPR) when there are several. */
function cell(runs: readonly Metrics[], key: keyof Metrics): string {
  const xs = runs.map((r) => r[key]);
  const higherIsBetter = key !== 'fprAt95Tpr' && key !== 'nearFprAt95Tpr' && key !== 'farFprAt95Tpr';
  const show = (x: number) => (!Number.isFinite(x) ? 'n/a' : higherIsBetter && key !== 'tprAtTargetFpr' ? x.toFixed(4) : `${(x * 100).toFixed(2)}%`);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length === 1) return show(mean);
  return `${show(mean)} (${show(higherIsBetter ? Math.min(...xs) : Math.max(...xs))})`;
}

function splitTable(trainItems: readonly DataItem[], valItems: readonly DataItem[]): string[] {
  const strata = [...new Set([...trainItems, ...valItems].map((i) => i.subcategory))].sort();
  const lines = ['| class / subcategory | kind | groups | split by | train | val |', '|---|---|---|---|---|---|'];
  for (const s of strata) {
    const of = (list: readonly DataItem[]) => list.filter((i) => i.subcategory === s);
    const groups = new Set([...of(trainItems), ...of(valItems)].map((i) => i.group)).size;
    const kind = s === 'positive' ? 'positive' : NEAR_CLASS.has(s) ? 'near' : 'far';
    lines.push(`| ${s} | ${kind} | ${groups} | ${groups >= 5 ? 'group' : 'file'} | ${of(trainItems).length} | ${of(valItems).length} |`);
  }
  return lines;
}

const items: DataItem[] = [
  ...positiveItems(join(values.data, 'cat')),
  ...negativeFolderItems(join(values.data, 'notcat')),
  ...syntheticItems(SYNTHETIC),
];
const split = splitItems(items, VAL_FRACTION);
const trainPositives = split.train.filter((i) => i.label === 1);
const keys: Array<keyof Metrics> = ['auroc', 'fprAt95Tpr', 'nearAuroc', 'nearFprAt95Tpr', 'farAuroc', 'farFprAt95Tpr', 'tprAtTargetFpr'];
const results: Array<{ backbone: string; rows: Row[] }> = [];
const notes: string[] = [];
for (const name of values.backbones.split(',')) {
  const t0 = performance.now();
  const { id, byRef, note } = await embedAll(name, [...split.train, ...augmentedCopies(trainPositives, AUGMENT_PER_POSITIVE), ...split.val]);
  const rows = study(split.train, split.val, byRef);
  notes.push(`- ${note}; study ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  results.push({ backbone: id, rows });
}

const md: string[] = [
  '# Model study: prior, fusion, positives, negative sources',
  '',
  `Generated by \`bench/model-study.ts\` on ${new Date().toISOString().slice(0, 10)} from ${values.data} (cat/ and notcat/<subcategory>/) plus ${SYNTHETIC} synthetic quad-tree negatives.`,
  '',
  '## Setup',
  '',
  `- Validation (the same for every row): \`splitItems(items, ${VAL_FRACTION})\`, the split of \`catwatch train\`. Items are stratified by class and subcategory; within a stratum with at least 5 groups, whole groups go to validation when the sha1 of the group name falls below ${VAL_FRACTION}, else (fewer groups) single files by the sha1 of their path. A group is \`dataset.groupKey\`: the file's folder plus its name up to the last \`_\` or \`-\` (the source collection). Synthetic images form 10 groups.`,
  `- Head: fitHead with the production defaults (${train.head}${train.head === 'mlp' ? ` ${train.hiddenUnits} hidden` : ''}, ${train.loss} loss alpha ${train.focalAlpha} gamma ${train.focalGamma}, AdamW, class-balanced oversampling, early stopping), ${AUGMENT_PER_POSITIVE} augmented copy per training positive as \`catwatch train\` makes; Platt scaling; threshold by thresholdForFpr at the target FPR ${train.targetFpr}; metrics by evaluateScores on the fixed validation set.`,
  `- Early stopping and Platt use only the validation items of the sources a run trains on; the metrics always use the whole validation set.`,
  `- Near-class = ${[...NEAR_CLASS].filter((s) => split.val.some((i) => i.subcategory === s)).join(', ')} (of evaluate.ts NEAR_CLASS); far = every other negative subcategory, synthetic included. FPR@95%TPR: lowest FPR at a threshold that keeps 95% of the validation cats. TPR@${train.targetFpr * 100}%FPR: share of validation cats above the threshold chosen on validation for that FPR.`,
  `- Seeds ${seeds.join(', ')} (head initialisation and shuffling; in section 2 also the random positive subset). Cells with several runs: mean (worst run).`,
  '- Mined negatives (from the cameras) do not exist in the dev set, so their effect is not measured here.',
  '',
  ...splitTable(split.train, split.val),
  '',
  ...notes,
  '',
  '## Results',
  '',
  ...results.flatMap(({ backbone, rows }) => [
    `### ${backbone}`,
    '',
    `| section | setting | AUROC | FPR@95%TPR | near AUROC | near FPR@95%TPR | far AUROC | far FPR@95%TPR | TPR@${train.targetFpr * 100}%FPR |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.section} | ${r.setting} | ${keys.map((k) => cell(r.runs, k)).join(' | ')} |`),
    '',
  ]),
];
const text = md.join('\n');
process.stdout.write(text);
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, text);
