import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createObjectronBackbone } from '../../src/score/backbones/objectron-backbone.js';
import type { Backbone } from '../../src/model/backbone.js';
import type { RgbImage } from '../../src/image/image.js';
import { silentLogger } from '../../src/util/log.js';
import { devDataDir, skipWithoutShared } from '../helpers/paths.js';

const skip = skipWithoutShared();

/** `count` files spread evenly over the sorted folder, so the sample is fixed and not just one prefix. */
function sample(dir: string, count: number): string[] {
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  const step = files.length / count;
  return Array.from({ length: Math.min(count, files.length) }, (_, i) => join(dir, files[Math.floor(i * step)]));
}

async function loadRgb(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

let backbone: Backbone;
before(async () => {
  if (!skip) backbone = await createObjectronBackbone({ log: silentLogger() });
});
after(async () => {
  await backbone?.close();
});

test('objectron backbone: shapes, boxes, and a prior that separates cats from dogs and scenes', { skip }, async () => {
  const cats = await Promise.all(sample(join(devDataDir, 'cat'), 20).map(loadRgb));
  const others = await Promise.all([
    ...sample(join(devDataDir, 'notcat', 'dog'), 10),
    ...sample(join(devDataDir, 'notcat', 'scene'), 10),
  ].map(loadRgb));

  assert.equal(backbone.id, 'objectron-ssd-mnv2-openimages@0.4.1675468480');
  assert.equal(backbone.runtime, 'onnxruntime-cpu');
  assert.equal(backbone.hasPrior, true);
  const catOut = await backbone.embed(cats);
  const otherOut = await backbone.embed(others);
  assert.equal(catOut.length, cats.length);
  assert.equal(otherOut.length, others.length);
  for (const out of [...catOut, ...otherOut]) {
    assert.equal(out.embedding.length, backbone.embeddingDim);
    assert.ok(out.embedding.every(Number.isFinite), 'embedding is finite');
    assert.ok(out.prior !== undefined && out.prior >= 0 && out.prior <= 1, `prior ${out.prior}`);
    const box = out.box!;
    assert.ok(box.x >= 0 && box.y >= 0 && box.w > 0 && box.h > 0 && box.x + box.w <= 1 + 1e-6 && box.y + box.h <= 1 + 1e-6,
      `box ${JSON.stringify(box)}`);
  }
  const catPrior = mean(catOut.map((o) => o.prior!));
  const otherPrior = mean(otherOut.map((o) => o.prior!));
  assert.ok(catPrior > 0.6 && otherPrior < 0.25, `mean prior cats ${catPrior.toFixed(3)}, non-cats ${otherPrior.toFixed(3)}`);
});

test('objectron backbone: output order follows input order and repeats exactly', { skip }, async () => {
  const [cat] = await Promise.all(sample(join(devDataDir, 'cat'), 1).map(loadRgb));
  const [dog] = await Promise.all(sample(join(devDataDir, 'notcat', 'dog'), 1).map(loadRgb));
  const [single] = await backbone.embed([dog]);
  const [a, b] = await Promise.all([backbone.embed([cat, dog]), backbone.embed([dog])]);
  assert.ok(a[0].prior! > a[1].prior!);
  assert.deepEqual(a[1].embedding, single.embedding);
  assert.deepEqual(b[0].embedding, single.embedding);
});

test('objectron backbone: embed after close() rejects', { skip }, async () => {
  const own = await createObjectronBackbone({ log: silentLogger() });
  await own.close();
  await own.close();
  await assert.rejects(own.embed([{ data: new Uint8Array(3), width: 1, height: 1 }]), /after close/);
});
