/**
 * Rebuilds the bundled model of one backbone from the dev photos: `npm run bench -- bundle-model -- --backbone X`.
 *
 * 1. Every dev photo gets a role by source: whole sources `oxpet` (close-up cat faces) and `imagenetsample`
 *    (animals, wild cats, objects) plus a fixed hash share of the single-source subcategories (Asirra cats and dogs,
 *    people) are `reference`: never trained on, they fit the combiner (one half) and gate every later candidate
 *    (other half). The rest, with synthetic images and augmented copies (photo augmentations and camera
 *    conditions), is `train`. Every reference photo is also shipped under every camera condition (role
 *    `reference`, the photo's own hash and source, its `condition` set): the gate compares candidates under each
 *    condition, and the night threshold is held to the near-class night-IR copies.
 * 2. The feature basis is fitted on the training photos, everything is projected, and the set is written as
 *    `models/<backbone>/dataset.bin`.
 * 3. The head is trained by the product's own `runTraining` on that shipped set alone (no user data), so the bundled
 *    model and every user retraining come from one code path; its head.json and manifest.json are written beside it.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry } from '../src/registry/registry.js';
import { basisToJSON } from '../src/model/feature-basis.js';
import { projectEmbedding } from '../src/model/feature-basis.js';
import { augmentedCopies, augmentedNegatives, conditionedCopies, sourceTag, syntheticItems } from '../src/train/dataset.js';
import { parseAugmentedRef } from '../src/train/augmented-ref.js';
import { isCameraCondition } from '../src/image/camera-condition.js';
import { fitFeatureBasis } from '../src/train/fit-basis.js';
import { encodeShippedDataset, itemHash, CONDITIONS_DIR, DATASET_FILE, type ShippedDataset, type ShippedItem } from '../src/train/shipped-dataset.js';
import { runTraining } from '../src/train/train-run.js';
import { openEmbeddingCache } from '../src/train/embedding-cache.js';
import { createLogger } from '../src/util/log.js';
import { bundledModelsDir } from '../src/util/package-root.js';
import { argValue, devItems, embedWith } from './dev-embeddings.js';
import { devRole } from './bundle-model-roles.js';
import type { Config } from '../src/config/schema.js';
import { parseConfig } from '../src/config/load-config.js';

/** `dataset.bin` holds the photos, `conditions/<condition>.bin` their copies under each condition (loadShippedDataset). */
function writeShippedFiles(dir: string, dataset: ShippedDataset): void {
  writeFileSync(join(dir, DATASET_FILE), encodeShippedDataset({ ...dataset, items: dataset.items.filter((i) => i.condition === undefined) }));
  mkdirSync(join(dir, CONDITIONS_DIR), { recursive: true });
  for (const condition of new Set(dataset.items.flatMap((i) => (i.condition ? [i.condition] : [])))) {
    writeFileSync(join(dir, CONDITIONS_DIR, `${condition}.bin`), encodeShippedDataset({ ...dataset, items: dataset.items.filter((i) => i.condition === condition) }));
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const backbone = argValue(argv, '--backbone', 'objectron') as Config['model']['backbone'];
  const dataDir = argValue(argv, '--data-dir', join(process.cwd(), '.build', 'bench-data'));
  const photos = devItems();
  const trainPhotos = photos.filter((p) => devRole(p) === 'train');
  // Training copies: one of every second training cat and of every sixth training negative, cycling through the
  // augmentations of src/train/dataset.ts under the product's default train.cameraConditions. Reference copies:
  // every reference photo under every camera condition: the gate half compares each later candidate under each
  // condition (src/train/gate.ts), the calibration half's night-IR copies hold the night threshold
  // (src/train/operating-point.ts).
  // `--camera-conditions night-ir,far,...` builds a what-if model with condition copies (README, Camera conditions).
  const conditions = argv.includes('--camera-conditions')
    ? (argValue(argv, '--camera-conditions', '').split(',').filter(isCameraCondition))
    : parseConfig({}, { baseDir: process.cwd(), env: {} }).train.cameraConditions;
  const extra = [...syntheticItems(400), ...augmentedCopies(trainPhotos.filter((_, i) => i % 2 === 0), 1, conditions), ...augmentedNegatives(trainPhotos, 6, conditions)];
  const referencePhotos = photos.filter((p) => devRole(p) === 'reference');
  const { info, items } = await embedWith(backbone, dataDir, [...photos, ...extra, ...conditionedCopies(referencePhotos)]);
  const basis = fitFeatureBasis(items.filter((i) => !i.ref.includes('#aug:') && i.kind !== 'synthetic' && devRole(i) === 'train').map((i) => i.embedding), 128);
  const shipped: ShippedItem[] = items.map((i) => {
    const aug = parseAugmentedRef(i.ref).augmentation;
    const condition = aug && isCameraCondition(aug.kind) ? { condition: aug.kind } : {};
    // A reference copy is its photo under a condition: same source, role and hash (so the same half) as the photo.
    const gateCopy = aug !== undefined && aug.n === 0 && isCameraCondition(aug.kind) && devRole(i) === 'reference';
    const role = gateCopy ? 'reference' : i.kind === 'synthetic' || aug ? 'train' : devRole(i);
    return {
      coords: projectEmbedding(basis, i.embedding), prior: i.prior ?? 0, label: i.label, subcategory: i.subcategory,
      source: aug && !gateCopy ? 'augmented' : sourceTag(i), role, hash: itemHash(gateCopy ? i.key.split('#aug:')[0] : i.key), ...condition,
    };
  });
  const outDir = join(bundledModelsDir(), info.id.replace(/[^a-z0-9.-]+/gi, '_'));
  const work = mkdtempSync(join(tmpdir(), 'catwatch-bundle-'));
  try {
    // A bundled folder holding the new basis and dataset, so runTraining sees exactly what users will get.
    const stage = join(work, 'bundled', info.id.replace(/[^a-z0-9.-]+/gi, '_'));
    mkdirSync(stage, { recursive: true });
    writeShippedFiles(stage, { backboneId: info.id, basisId: basis.id, items: shipped });
    writeFileSync(join(stage, 'head.json'), JSON.stringify({ format: 'catwatch-model/v2', basis: basisToJSON(basis) }));
    writeFileSync(join(stage, 'manifest.json'), JSON.stringify({ version: 'staging', threshold: 0.5, backbone: { id: info.id } }));
    const registry = createRegistry({ dataDir: join(work, 'data'), bundledDir: join(work, 'bundled') });
    const config = parseConfig({}, { baseDir: process.cwd(), env: {} });
    const cache = openEmbeddingCache(dataDir);
    const t = config.train;
    const result = await runTraining(
      { label: 'cat', positives: [], negatives: [], synthetic: 0, augmentPerPositive: 0, augmentNegativesEvery: 0, targetFpr: t.targetFpr, head: t.head, hiddenUnits: t.hiddenUnits, loss: t.loss, focalAlpha: t.focalAlpha, focalGamma: t.focalGamma, reason: 'bundled', force: true },
      { backbone: info, embed: () => Promise.reject(new Error('nothing to embed')), cache, registry, log: createLogger({ level: 'warn', pretty: false, destination: 2 }), bundled: { basis, dataset: { backboneId: info.id, basisId: basis.id, items: shipped } } },
    );
    cache.close();
    mkdirSync(outDir, { recursive: true });
    cpSync(join(work, 'data', 'models', result.version, 'head.json'), join(outDir, 'head.json'));
    cpSync(join(work, 'data', 'models', result.version, 'manifest.json'), join(outDir, 'manifest.json'));
    rmSync(join(outDir, CONDITIONS_DIR), { recursive: true, force: true });
    writeShippedFiles(outDir, { backboneId: info.id, basisId: basis.id, items: shipped });
    process.stdout.write(`${JSON.stringify({ backbone: info.id, dir: outDir, items: shipped.length, decision: result.decision, metrics: result.manifest.metrics, gate: result.manifest.gate })}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
