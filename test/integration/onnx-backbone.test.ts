import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Backbone, BackboneOutput } from '../../src/model/backbone.js';
import type { RgbImage } from '../../src/image/image.js';
import { createOnnxMobileNetV2Backbone } from '../../src/score/backbones/onnx-mobilenetv2.js';
import { isCatwatchError } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/log.js';
import { loadDevPhotos, mean } from '../helpers/dev-photos.js';
import { modelsMirrorDir, skipWithoutShared } from '../helpers/paths.js';

const modelPath = join(modelsMirrorDir, 'mobilenetv2-12-int8.onnx');
const skip = skipWithoutShared() || (existsSync(modelPath) ? false : `shared model not found at ${modelPath}`);
const log = silentLogger();

describe('ONNX MobileNetV2 backbone', { skip }, () => {
  let backbone: Backbone;
  let cats: RgbImage[];
  let notCats: RgbImage[];
  let catOut: BackboneOutput[];
  let notCatOut: BackboneOutput[];

  before(async () => {
    backbone = await createOnnxMobileNetV2Backbone({ modelPath, log, intraOpNumThreads: 1 });
    ({ cats, notCats } = await loadDevPhotos());
    catOut = await backbone.embed(cats);
    notCatOut = await backbone.embed(notCats);
  });
  after(async () => {
    await backbone?.close();
  });

  test('describes itself', () => {
    assert.match(backbone.id, /^mobilenetv2-12-int8@83530ad811bc$/);
    assert.equal(backbone.runtime, 'onnxruntime-cpu');
    assert.equal(backbone.embeddingDim, 1280);
    assert.equal(backbone.hasPrior, true);
  });

  test('gives one finite 1280-d embedding and a probability per image', () => {
    assert.equal(catOut.length, cats.length);
    assert.equal(notCatOut.length, notCats.length);
    for (const out of [...catOut, ...notCatOut]) {
      assert.equal(out.embedding.length, 1280);
      assert.ok(out.embedding.every(Number.isFinite));
      // The feature map is after ReLU6, so its averages lie in [0, 6].
      assert.ok(out.embedding.every((v) => v >= 0 && v <= 6));
      assert.ok(out.prior !== undefined && out.prior >= 0 && out.prior <= 1);
    }
  });

  test('the prior is higher on cats than on other photos', () => {
    const catPrior = mean(catOut.map((o) => o.prior ?? 0));
    const notCatPrior = mean(notCatOut.map((o) => o.prior ?? 0));
    assert.ok(catPrior > notCatPrior + 0.2, `mean prior cats ${catPrior.toFixed(3)} vs others ${notCatPrior.toFixed(3)}`);
  });

  test('a batch gives the same outputs, in order, as single images', async () => {
    const mixed = [notCats[0], cats[1], cats[2], notCats[3]];
    const batched = await backbone.embed(mixed);
    for (let i = 0; i < mixed.length; i++) {
      const [single] = await backbone.embed([mixed[i]]);
      assert.ok(Math.abs((batched[i].prior ?? 0) - (single.prior ?? 0)) < 1e-5);
      const maxDiff = Math.max(...batched[i].embedding.map((v, k) => Math.abs(v - single.embedding[k])));
      assert.ok(maxDiff < 1e-4, `embedding ${i} differs by ${maxDiff}`);
    }
    assert.deepEqual(await backbone.embed([]), []);
  });

  test('an unavailable GPU provider falls back to CPU', async () => {
    const lines: string[] = [];
    const captured = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const gpuFirst = await createOnnxMobileNetV2Backbone({ modelPath, log: captured, executionProviders: ['tensorrt', 'cuda', 'cpu'], intraOpNumThreads: 1 });
    try {
      // Only where onnxruntime-node's GPU libraries and a GPU are present does a GPU provider win.
      assert.match(gpuFirst.runtime, /^onnxruntime-(cpu|cuda|tensorrt)$/);
      if (gpuFirst.runtime === 'onnxruntime-cpu') {
        const warnings = lines.map((l) => JSON.parse(l) as { provider: string; next: string; reason: string; msg: string });
        assert.deepEqual(warnings.map((w) => [w.msg, w.provider, w.next]), [
          ['onnx execution provider unavailable, falling back', 'tensorrt', 'cuda'],
          ['onnx execution provider unavailable, falling back', 'cuda', 'cpu'],
        ]);
        assert.ok(warnings.every((w) => w.reason.length > 0));
      }
      const [out] = await gpuFirst.embed([cats[0]]);
      assert.ok(Math.abs((out.prior ?? 0) - (catOut[0].prior ?? 0)) < 0.05);
    } finally {
      await gpuFirst.close();
    }
  });
});

describe('ONNX MobileNetV2 backbone errors', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'catwatch-onnx-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a missing model says how to pull it', async () => {
    await assert.rejects(createOnnxMobileNetV2Backbone({ modelPath: join(dir, 'absent.onnx'), log }), (err) => {
      assert.ok(isCatwatchError(err, 'E_MODEL_MISSING'));
      assert.match(err.message, /catwatch models pull mobilenetv2-12-int8/);
      return true;
    });
  });

  test('a file that is not the model is refused', async () => {
    const junk = join(dir, 'junk.onnx');
    await writeFile(junk, 'this is not a protobuf model');
    await assert.rejects(createOnnxMobileNetV2Backbone({ modelPath: junk, log }), (err) => isCatwatchError(err, 'E_MODEL_INVALID'));
  });
});
