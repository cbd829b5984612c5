/**
 * One training run, end to end: gather every source, split by source, embed (cached), fit the head, calibrate on
 * validation, choose the threshold for the target FPR, evaluate, gate against the current model on the same
 * validation set, and save the version to the registry (made current only if it is not worse, or when forced).
 */
import type { RgbImage, BackboneOutput } from '../score/backbone.js';
import type { Registry } from '../registry/registry.js';
import type { ModelManifest } from '../registry/manifest.js';
import { createTargetModel, type HeadFile } from '../score/target-model.js';
import { CatwatchError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { fitPlatt } from './calibrate.js';
import { augmentedCopies, negativeFolderItems, positiveItems, syntheticItems, type DataItem } from './dataset.js';
import type { EmbeddingCache } from './embedding-cache.js';
import { embedItems, type EmbeddedItem } from './embed-items.js';
import { evaluateScores, type Evaluation } from './evaluate.js';
import { fitHead, type FitHeadOptions, type Sample } from './fit-head.js';
import type { PriorMode } from './head-model.js';
import { splitItems } from './split.js';
import { thresholdForFpr } from './threshold.js';

export interface TrainRunOptions {
  label: string;
  positives: string[];
  negatives: string[];
  /** Mined samples and confirmed positives from the sample store. */
  storeItems?: DataItem[];
  synthetic: number;
  augmentPerPositive: number;
  targetFpr: number;
  head: 'logistic' | 'mlp';
  hiddenUnits: number;
  loss: 'focal' | 'bce';
  focalAlpha: number;
  focalGamma: number;
  priorMode?: PriorMode;
  valFraction?: number;
  force?: boolean;
  reason: string;
  seed?: number;
}

export interface TrainRunDeps {
  backbone: { id: string; runtime: string; embeddingDim: number; hasPrior: boolean };
  embed: (images: RgbImage[]) => Promise<BackboneOutput[]>;
  cache: EmbeddingCache;
  registry: Registry;
  log: Logger;
  onProgress?: (phase: string, done: number, total: number) => void;
  now?: () => Date;
}

export interface TrainRunResult {
  version: string;
  accepted: boolean;
  decision: string;
  manifest: ModelManifest;
  validation: Evaluation;
  previous?: { version: string; metrics: Record<string, number> };
  failed: Array<{ ref: string; error: string }>;
}

/** The head's fit options from the training settings (config `train` or CLI overrides). */
export function headFitOptions(
  settings: Pick<TrainRunOptions, 'head' | 'hiddenUnits' | 'loss' | 'focalAlpha' | 'focalGamma'>,
  priorMode: PriorMode,
  seed: number,
): FitHeadOptions {
  return {
    priorMode,
    hiddenSize: settings.head === 'mlp' ? settings.hiddenUnits : 0,
    loss: settings.loss === 'focal' ? { kind: 'focal', alpha: settings.focalAlpha, gamma: settings.focalGamma } : { kind: 'balanced-bce' },
    seed,
  };
}

export function toSample(item: EmbeddedItem): Sample {
  return { embedding: item.embedding, prior: item.prior, label: item.label, source: item.subcategory };
}

export async function runTraining(options: TrainRunOptions, deps: TrainRunDeps): Promise<TrainRunResult> {
  const started = Date.now();
  const log = deps.log.child({ component: 'train' });
  const items: DataItem[] = [
    ...options.positives.flatMap((p) => positiveItems(p)),
    ...options.negatives.flatMap((n) => negativeFolderItems(n)),
    ...(options.storeItems ?? []),
    ...syntheticItems(options.synthetic),
  ];
  const split = splitItems(items, options.valFraction ?? 0.25);
  // Augment training positives only: validation must measure real photos.
  const augmented = augmentedCopies(split.train, options.augmentPerPositive);
  const trainItems = [...split.train, ...augmented];
  const countPos = (list: DataItem[]) => list.filter((i) => i.label === 1).length;
  if (countPos(split.train) < 5 || countPos(split.val) < 2 || split.val.length - countPos(split.val) < 2) {
    throw new CatwatchError('E_TRAIN_DATA', `not enough data: ${countPos(items)} positive and ${items.length - countPos(items)} negative images; give at least ~20 photos of the target (model.positives or --positives) and some negatives`);
  }
  log.info({ train: trainItems.length, val: split.val.length, augmented: augmented.length }, 'training data gathered');

  const all = [...trainItems, ...split.val];
  const embedded = await embedItems(all, {
    embed: deps.embed,
    backboneId: deps.backbone.id,
    cache: deps.cache,
    onProgress: (d, t) => deps.onProgress?.('embed', d, t),
  });
  for (const f of embedded.failed) log.warn({ file: f.ref, err: f.error }, 'image skipped');
  log.info({ cacheHits: embedded.cacheHits, computed: embedded.computed, failed: embedded.failed.length }, 'embeddings ready');
  const valRefs = new Set(split.val.map((i) => i.ref));
  const train = embedded.items.filter((i) => !valRefs.has(i.ref));
  const val = embedded.items.filter((i) => valRefs.has(i.ref));

  const priorMode: PriorMode = deps.backbone.hasPrior ? (options.priorMode ?? 'feature') : 'none';
  deps.onProgress?.('fit', 0, 1);
  const fit = fitHead({ train: train.map(toSample), val: val.map(toSample), options: headFitOptions(options, priorMode, options.seed ?? 1) });
  deps.onProgress?.('fit', 1, 1);
  const valLogits = val.map((i) => fit.model.predictLogit(i.embedding, i.prior));
  const valLabels = val.map((i) => i.label);
  const calibrator = fitPlatt(valLogits, valLabels);
  const valScores = valLogits.map((z) => calibrator.apply(z));
  const choice = thresholdForFpr(valScores, valLabels, options.targetFpr);
  const validation = evaluateScores(val.map((i, k) => ({ score: valScores[k], label: i.label, subcategory: i.subcategory })), choice.threshold);

  const version = deps.registry.newVersionId(deps.now?.());
  const headFile: HeadFile = { head: fit.model.toJSON(), calibration: calibrator.json };
  const count = (kind: DataItem['kind']) => train.filter((i) => i.kind === kind && !i.ref.includes('#aug:')).length + val.filter((i) => i.kind === kind).length;
  const folders: Record<string, number> = {};
  for (const i of [...train, ...val]) if (i.kind === 'folder') folders[i.subcategory] = (folders[i.subcategory] ?? 0) + 1;

  // Gate: the current model (if it runs on the same backbone) scored on the same validation set.
  let previous: TrainRunResult['previous'];
  const currentVersion = deps.registry.currentVersion();
  try {
    const current = deps.registry.loadCurrent(deps.backbone.id);
    const model = createTargetModel(current);
    const scores = val.map((i) => model.score({ embedding: i.embedding, prior: i.prior }));
    previous = { version: model.version, metrics: evaluateScores(val.map((i, k) => ({ score: scores[k], label: i.label, subcategory: i.subcategory })), model.threshold).metrics };
  } catch (err) {
    if (currentVersion) log.warn({ err: (err as Error).message }, 'current model not comparable, gate skipped');
  }
  const m = validation.metrics;
  let accepted = true;
  let decision = previous ? `not worse than ${previous.version}` : 'first model for this backbone';
  if (previous) {
    const p = previous.metrics;
    const worseAuroc = m.auroc < p.auroc - 0.001;
    const worseFpr = m.fprAtThreshold > Math.max(p.fprAtThreshold, options.targetFpr) + 0.002;
    if (worseAuroc || worseFpr) {
      accepted = false;
      decision = `worse than ${previous.version}: auroc ${m.auroc.toFixed(4)} vs ${p.auroc.toFixed(4)}, fpr at threshold ${m.fprAtThreshold.toFixed(4)} vs ${p.fprAtThreshold.toFixed(4)}`;
    }
  }
  if (!accepted && options.force) decision += ' (forced current)';

  const manifest: ModelManifest = {
    version,
    createdAt: (deps.now?.() ?? new Date()).toISOString(),
    label: options.label,
    backbone: { id: deps.backbone.id, runtime: deps.backbone.runtime, embeddingDim: deps.backbone.embeddingDim },
    threshold: choice.threshold,
    targetFpr: options.targetFpr,
    counts: {
      positives: count('positive'),
      confirmedPositives: count('confirmed-positive'),
      synthetic: count('synthetic'),
      folders,
      mined: count('mined'),
    },
    metrics: { ...m, bestEpoch: fit.bestEpoch, augmentedPositives: augmented.length },
    trainingMs: Date.now() - started,
    reason: options.reason,
    decision,
    parent: previous?.version ?? null,
  };
  deps.registry.save(manifest, headFile);
  if (accepted || options.force) deps.registry.use(version);
  log.info({ version, accepted, decision, auroc: m.auroc, nearFprAt95Tpr: m.nearFprAt95Tpr, threshold: choice.threshold }, 'training finished');
  return { version, accepted: accepted || Boolean(options.force), decision, manifest, validation, previous, failed: embedded.failed };
}
