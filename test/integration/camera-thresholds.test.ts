import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';
import { createCameraThresholds } from '../../src/events/camera-thresholds.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { createTargetModel } from '../../src/model/target-model.js';
import { createRegistry } from '../../src/registry/registry.js';
import { openDatabase } from '../../src/store/database.js';
import { createSampleStore } from '../../src/store/sample-store.js';
import { silentLogger } from '../../src/util/log.js';
import { bundledModelsDir } from '../../src/util/package-root.js';
import { fixturesDir } from '../helpers/paths.js';

const OBJECTRON = 'objectron-ssd-mnv2-openimages@0.4.1675468480';

test('false-alarm budget: a camera whose labelled false alarms exceed it gets a higher threshold, scored by the current model; others keep the model threshold', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-thresholds-'));
  const db = openDatabase(dataDir);
  t.after(() => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const store = createSampleStore({ db, dataDir, log: silentLogger() });
  const model = createTargetModel(createRegistry({ dataDir, bundledDir: bundledModelsDir() }).loadCurrent(OBJECTRON));
  const photo = await decodeImage(join(fixturesDir, 'chelsea.png'));
  const nowMs = Date.UTC(2026, 0, 10, 12);
  const dim = 1308; // the objectron embedding: 24 class logits, the target box, 1280 pooled features
  // Negatives of camera "yard" with stored embedding and prior: the budget scores them again with the model.
  const embedding = (seed: number) => Float32Array.from({ length: dim }, (_, i) => Math.abs(Math.sin(seed * 7 + i)) * 0.5);
  const added: Array<{ id: number; score: number }> = [];
  for (const [i, prior] of [0.6, 0.8, 0.9, 0.95].entries()) {
    const e = embedding(i);
    const s = await store.add({ camera: 'yard', capturedAtMs: nowMs - (i + 1) * 600_000, score: 0, reason: 'event', modelVersion: 'old', phash: '0', crop: photo, frame: photo, embedding: e, backboneId: OBJECTRON, prior, box: null });
    store.label([s.id], 'negative');
    added.push({ id: s.id, score: model.score({ embedding: e, prior }) });
  }
  // An unreviewed event frame counts for nothing (it may be the cat); an old row without prior keeps its stored score.
  await store.add({ camera: 'yard', capturedAtMs: nowMs - 100_000, score: 0.999, reason: 'event', modelVersion: 'old', phash: '1', crop: photo, frame: photo, embedding: null, backboneId: null });
  await store.add({ camera: 'porch', capturedAtMs: nowMs - 100_000, score: 0.1, reason: 'uncertain', modelVersion: 'old', phash: '2', crop: photo, frame: photo, embedding: null, backboneId: null });

  const base = parseConfig({ dataDir, cameras: [{ name: 'yard', url: 'rtsp://127.0.0.1:1/a' }, { name: 'porch', url: 'rtsp://127.0.0.1:1/b' }] }, { baseDir: dataDir, env: {} });
  let config: Config = { ...base, events: { ...base.events, maxFalseAlarmsPerHour: 0 } };
  const thresholds = createCameraThresholds({ config: () => config, samples: store, model: () => model, log: silentLogger(), now: () => nowMs });
  thresholds.start();
  t.after(() => thresholds.stop());

  const highest = Math.max(...added.filter((a) => a.score >= model.threshold).map((a) => a.score));
  const yard = thresholds.report().yard;
  assert.ok(highest > model.threshold, 'the fixture has false alarms at the model threshold');
  assert.ok(yard.threshold > highest && yard.threshold < highest + 1e-5, `just above the highest rescored negative ${highest}: ${yard.threshold}`);
  assert.equal(yard.falseAlarmsPerHour, 0);
  assert.ok(yard.falseAlarmsPerHourAtFloor > 0);
  assert.equal(yard.negatives, 4, 'the unreviewed event frame is not a negative');
  assert.equal(thresholds.forCamera('yard', model.version), yard.threshold);
  assert.equal(thresholds.forCamera('yard', 'another-model'), undefined, 'thresholds belong to the model that scored the samples');
  assert.equal(thresholds.report().porch.threshold, model.threshold, 'within budget: the model threshold');

  const { maxFalseAlarmsPerHour: _off, ...eventsWithoutBudget } = config.events;
  config = { ...config, events: eventsWithoutBudget };
  thresholds.applyConfig();
  assert.deepEqual(thresholds.report(), {}, 'budget off: no camera thresholds');
});
