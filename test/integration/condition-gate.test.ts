/**
 * The gate under camera conditions (issue 25), on the bundled objectron model's real shipped set: its reference
 * photos ship under every condition, and a retraining is compared with the current (bundled) model under each.
 * Everything is shipped coordinates: nothing to embed, so the test needs no backbone. That a candidate worse under
 * one condition is refused is test/unit/gate.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load-config.js';
import { CAMERA_CONDITIONS, type CameraCondition } from '../../src/image/camera-condition.js';
import { createRegistry } from '../../src/registry/registry.js';
import { OBJECTRON_ID } from '../../src/score/backbones/objectron-backbone.js';
import { openEmbeddingCache } from '../../src/train/embedding-cache.js';
import type { ShippedItem } from '../../src/train/shipped-dataset.js';
import { loadBundledBase, runTraining, type TrainRunResult } from '../../src/train/train-run.js';
import { silentLogger } from '../../src/util/log.js';
import { bundledModelsDir } from '../../src/util/package-root.js';

async function trainWith(conditions: readonly CameraCondition[]): Promise<TrainRunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-condition-gate-'));
  const registry = createRegistry({ dataDir, bundledDir: bundledModelsDir() });
  const cache = openEmbeddingCache(dataDir);
  const t = parseConfig({}, { baseDir: process.cwd(), env: {} }).train;
  try {
    return await runTraining(
      {
        label: 'cat', positives: [], negatives: [], synthetic: 0, augmentPerPositive: 0, targetFpr: t.targetFpr, head: t.head, hiddenUnits: t.hiddenUnits,
        loss: t.loss, focalAlpha: t.focalAlpha, focalGamma: t.focalGamma, reason: 'test', cameraConditions: conditions,
      },
      {
        backbone: { id: OBJECTRON_ID, runtime: 'onnxruntime', embeddingDim: 1308, hasPrior: true },
        embed: () => Promise.reject(new Error('nothing to embed')), cache, registry, log: silentLogger(), bundled: loadBundledBase(registry, OBJECTRON_ID),
      },
    );
  } finally {
    cache.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('the bundled set ships every reference photo under every camera condition', () => {
  const base = loadBundledBase(createRegistry({ dataDir: '/nonexistent', bundledDir: bundledModelsDir() }), OBJECTRON_ID);
  if (!base) throw new Error('the bundled objectron model ships no dataset');
  const items: readonly ShippedItem[] = base.dataset.items;
  for (const condition of CAMERA_CONDITIONS) {
    const copies = items.filter((s) => s.role === 'reference' && s.condition === condition);
    const photos = items.filter((s) => s.role === 'reference' && s.condition === undefined && !s.source.startsWith('npmfaces'));
    assert.equal(copies.length, photos.length, `${condition}: every reference photo has a copy`);
    assert.deepEqual(new Set(copies.map((s) => s.hash)), new Set(photos.map((s) => s.hash)), `${condition}: copies keep their photo's hash (so its half)`);
  }
});

test('a retraining on the shipped set is compared under every camera condition, and one as good as the bundled model passes', async () => {
  const result = await trainWith(parseConfig({}, { baseDir: process.cwd(), env: {} }).train.cameraConditions);
  const byCondition = result.manifest.gate?.byCondition ?? {};
  assert.deepEqual(Object.keys(byCondition).sort(), [...CAMERA_CONDITIONS].sort(), 'every condition decided on');
  for (const [condition, c] of Object.entries(byCondition)) {
    assert.ok(c.items >= 300 && c.candidate.auroc > 0.5 && c.baseline.auroc > 0.5, `${condition}: ${JSON.stringify(c)}`);
  }
  // The same data, seed, defaults and code as the bundled model: no condition may refuse it.
  assert.deepEqual(result.gate.reasons, []);
  assert.equal(result.accepted, true);
});
