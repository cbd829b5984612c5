/**
 * The objectron detector converted to ONNX (src/score/tflite) against the TFLite interpreter it replaces, on real
 * photos: every raw output, the embedding, the best cat anchor and the bundled head's score must agree, since the
 * converted runtime keeps the backbone id and so every head trained on tflite-wasm.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage } from '../../src/image/decode-image.js';
import { resizeRgb } from '../../src/image/resize-rgb.js';
import {
  bestAnchor, readObjectronAssets, summariseObjectron, OBJECTRON_INPUT_PX, type ObjectronAssets, type ObjectronRunner,
} from '../../src/score/backbones/objectron-assets.js';
import { createObjectronTfliteRunner } from '../../src/score/backbones/objectron-tflite.js';
import { createObjectronOnnxRunner } from '../../src/score/backbones/objectron-onnx.js';
import { OBJECTRON_ID } from '../../src/score/backbones/objectron-backbone.js';
import { createRegistry } from '../../src/registry/registry.js';
import { createTargetModel } from '../../src/model/target-model.js';
import { bundledModelsDir } from '../../src/util/package-root.js';
import { silentLogger } from '../../src/util/log.js';
import { devDataDir, fixturesDir, skipWithoutShared } from '../helpers/paths.js';

const skip = skipWithoutShared();
const TOLERANCE = 1e-3;

/** `count` photos spread evenly over a folder, so the sample is fixed. */
function spread(dir: string, count: number): string[] {
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  return Array.from({ length: count }, (_, i) => join(dir, files[Math.floor((i * files.length) / count)]));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

let assets: ObjectronAssets;
let tflite: ObjectronRunner;
let onnx: ObjectronRunner;
before(async () => {
  if (skip) return;
  assets = await readObjectronAssets();
  tflite = await createObjectronTfliteRunner({ model: assets.model, log: silentLogger() });
  onnx = await createObjectronOnnxRunner({ model: assets.model, log: silentLogger(), executionProviders: ['cpu'], intraOpNumThreads: 1 });
});
after(async () => {
  await tflite?.close();
  await onnx?.close();
});

test('objectron on ONNX Runtime matches tflite-wasm on real photos: raw outputs, embedding, best anchor, head score', { skip }, async (t) => {
  const files = [
    join(fixturesDir, 'chelsea.png'),
    ...spread(join(devDataDir, 'cat'), 12),
    ...readdirSync(join(devDataDir, 'notcat')).sort().flatMap((group) => spread(join(devDataDir, 'notcat', group), 3)),
  ];
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-numerics-'));
  const model = createTargetModel(createRegistry({ dataDir, bundledDir: bundledModelsDir() }).loadCurrent(OBJECTRON_ID));
  const pixels = await Promise.all(files.map(async (f) => resizeRgb(await decodeImage(f), OBJECTRON_INPUT_PX, OBJECTRON_INPUT_PX).data));
  // One batched ONNX call for all of them: batching must not change a number either.
  const [reference, converted] = [await tflite.run(pixels), await onnx.run(pixels)];
  const worst = { boxes: 0, logits: 0, features: 0, embedding: 0, score: 0 };
  files.forEach((file, i) => {
    const [a, b] = [reference[i], converted[i]];
    worst.boxes = Math.max(worst.boxes, maxAbsDiff(a.boxes, b.boxes));
    worst.logits = Math.max(worst.logits, maxAbsDiff(a.logits, b.logits));
    worst.features = Math.max(worst.features, maxAbsDiff(a.features, b.features));
    assert.equal(bestAnchor(b, assets.targetClass), bestAnchor(a, assets.targetClass), `best cat anchor of ${file}`);
    const [ea, eb] = [summariseObjectron(a, assets.targetClass), summariseObjectron(b, assets.targetClass)];
    worst.embedding = Math.max(worst.embedding, maxAbsDiff(ea.embedding, eb.embedding));
    worst.score = Math.max(worst.score, Math.abs(model.score(ea) - model.score(eb)));
  });
  rmSync(dataDir, { recursive: true, force: true });
  t.diagnostic(`max |diff| over ${files.length} photos: ${JSON.stringify(worst)}`);
  for (const [what, diff] of Object.entries(worst)) assert.ok(diff <= TOLERANCE, `max |diff| of ${what} over ${files.length} photos: ${diff}`);
  assert.ok(worst.logits > 0, 'the two runtimes really ran (their numbers differ in the last bits)');
});
