/**
 * The bundled model's operating point (issue 24), as shipped in models/: calibrated for the track rule the config
 * defaults to, night never below day, and strict enough that a mid prior can never pass, whatever the head says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load-config.js';
import { createRegistry } from '../../src/registry/registry.js';
import { createTargetModel } from '../../src/model/target-model.js';
import { priorPart } from '../../src/model/score-combiner.js';
import { OBJECTRON_ID } from '../../src/score/backbones/objectron-backbone.js';
import { bundledModelsDir } from '../../src/util/package-root.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

test('the bundled objectron model ships an operating point for the default track rule; a mid prior cannot reach it', () => {
  const registry = createRegistry({ dataDir: mkdtempSync(join(tmpdir(), 'cw-op-')), bundledDir: bundledModelsDir() });
  const version = registry.loadCurrent(OBJECTRON_ID);
  const point = version.manifest.operatingPoint;
  assert.ok(point, 'operatingPoint in the bundled manifest (npm run bench -- footage -- --write)');
  const defaults = parseConfig({}, { baseDir: process.cwd(), env: {} }).events;
  assert.deepEqual(point.rule, { minHits: defaults.minHits, windowFrames: defaults.windowFrames }, 'recalibrate after changing the default track rule');
  assert.ok(point.night >= point.day);
  const model = createTargetModel(version);
  assert.equal(model.eventThreshold('day'), point.day);
  assert.equal(model.eventThreshold('night'), point.night);
  assert.ok(point.day > model.threshold, 'stricter than the photo threshold');
  // The highest score a frame with this prior can get: the head's largest upward push at full trust.
  const combiner = model.parts!.combiner;
  const best = (prior: number) => sigmoid(priorPart(combiner, prior) + combiner.headUpCap);
  assert.ok(best(0.45) < point.day, `prior 0.45 reaches at most ${best(0.45)}`);
  assert.ok(best(0.45) >= model.threshold, 'it did pass the photo threshold: the point is what stops it');
  // model.threshold in the config replaces both.
  const overridden = createTargetModel(version, { thresholdOverride: 0.7 });
  assert.deepEqual([overridden.eventThreshold('day'), overridden.eventThreshold('night')], [0.7, 0.7]);
});
