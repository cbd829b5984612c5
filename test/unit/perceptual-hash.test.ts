import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { dHash, hammingDistance, hashFromHex, hashToHex } from '../../src/mine/perceptual-hash.js';
import type { RgbImage } from '../../src/image/image.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { devDataDir, fixturesDir, skipWithoutShared } from '../helpers/paths.js';

const chelseaPath = join(fixturesDir, 'chelsea.png');

async function rawOf(pipeline: Sharp): Promise<RgbImage> {
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

test('hamming distance counts differing bits of 64-bit hashes', () => {
  assert.equal(hammingDistance(0n, 0n), 0);
  assert.equal(hammingDistance(0n, 0xffff_ffff_ffff_ffffn), 64);
  assert.equal(hammingDistance(0b1011n, 0b0001n), 2);
  assert.equal(hammingDistance(1n << 63n, 0n), 1);
});

test('hex form round-trips and has 16 digits', () => {
  for (const h of [0n, 1n, 0xdead_beef_0123_4567n, 0xffff_ffff_ffff_ffffn]) {
    assert.equal(hashToHex(h).length, 16);
    assert.equal(hashFromHex(hashToHex(h)), h);
  }
  assert.throws(() => hashFromHex('xyz'), RangeError);
});

test('a horizontal gradient falling to the right sets every bit, a rising one none', () => {
  const width = 90;
  const height = 40;
  const falling = new Uint8Array(width * height * 3);
  const rising = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      falling.fill(255 - x * 2, (y * width + x) * 3, (y * width + x) * 3 + 3);
      rising.fill(x * 2, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  assert.equal(dHash({ data: falling, width, height }), 0xffff_ffff_ffff_ffffn);
  assert.equal(dHash({ data: rising, width, height }), 0n);
});

test('images smaller than the 9x8 grid hash without error', () => {
  const img = { data: new Uint8Array([0, 0, 0, 255, 255, 255, 10, 10, 10, 200, 200, 200]), width: 2, height: 2 };
  assert.equal(typeof dHash(img), 'bigint');
  assert.throws(() => dHash({ data: new Uint8Array(5), width: 2, height: 2 }), RangeError);
});

test('a re-encoded, slightly brighter, resized copy stays near; a mirrored copy does not', async () => {
  const original = await rawOf(sharp(chelseaPath));
  const jpeg = await sharp(chelseaPath).removeAlpha().jpeg({ quality: 40 }).toBuffer();
  const variant = await rawOf(sharp(jpeg).modulate({ brightness: 1.1 }).resize({ width: Math.round(original.width * 0.7) }));
  const mirrored = await rawOf(sharp(chelseaPath).flop());
  const h = dHash(original);
  const near = hammingDistance(h, dHash(variant));
  const far = hammingDistance(h, dHash(mirrored));
  assert.ok(near <= 5, `variant distance ${near}`);
  assert.ok(far >= 20, `mirrored distance ${far}`);
});

test('different real photos are far apart', { skip: skipWithoutShared() }, async () => {
  const dir = join(devDataDir, 'notcat', 'scene');
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).slice(0, 12);
  assert.equal(files.length, 12, `12 scene photos in ${dir}`);
  const hashes = await Promise.all(files.map(async (f) => dHash(await decodeImage(join(dir, f)))));
  let closest = 64;
  for (let i = 0; i < hashes.length; i++) for (let j = i + 1; j < hashes.length; j++) closest = Math.min(closest, hammingDistance(hashes[i], hashes[j]));
  assert.ok(closest >= 6, `closest pair of ${files.length} different scenes at distance ${closest}`);
});
