import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../../src/image/decode-image.js';
import { imageStats } from '../../src/image/image-stats.js';
import type { RgbImage } from '../../src/image/image.js';
import { applyCondition, CONDITION_RANGES } from '../../src/train/camera-conditions.js';
import { CAMERA_CONDITIONS } from '../../src/image/camera-condition.js';
import { fixturesDir } from '../helpers/paths.js';

const photo = await decodeImage(readFileSync(join(fixturesDir, 'chelsea.png')));
const clean = imageStats(photo);

const inRange = (value: number, [low, high]: readonly [number, number]) => value >= low && value <= high;

test('every condition is deterministic given its seed, and another seed draws other parameters', async () => {
  for (const condition of CAMERA_CONDITIONS) {
    const [a, b, c] = [await applyCondition(photo, condition, 7), await applyCondition(photo, condition, 7), await applyCondition(photo, condition, 8)];
    assert.deepEqual(Buffer.from(a.image.data), Buffer.from(b.image.data), `${condition}: same seed, same pixels`);
    assert.deepEqual(a.params, b.params);
    assert.notDeepEqual(a.params, c.params, `${condition}: seed 8 draws the same parameters as seed 7`);
    assert.deepEqual([a.image.width, a.image.height], [photo.width, photo.height], `${condition} keeps the photo's size`);
  }
});

test('night IR: no colour left, IR brightness with contrast kept, softer than the photo, a little noise', async () => {
  for (const seed of [1, 2, 3]) {
    const { image, params } = await applyCondition(photo, 'night-ir', seed);
    const s = imageStats(image);
    assert.ok(clean.colourSpread > 60, 'the fixture is a colour photo');
    assert.ok(s.colourSpread <= 2, `channel spread p99 ${s.colourSpread}: IR frames have no colour`);
    assert.ok(Math.abs(s.lumaMean - params.lumaMean) < 6 && inRange(params.lumaMean, CONDITION_RANGES['night-ir'].lumaMean), `mean luma ${s.lumaMean} for a drawn ${params.lumaMean}`);
    // Darkened by a curve, not a gain: contrast relative to brightness grows, as in IR footage (std ~ mean there).
    assert.ok(s.lumaStd / s.lumaMean > clean.lumaStd / clean.lumaMean, `relative contrast ${s.lumaStd / s.lumaMean} vs the photo's ${clean.lumaStd / clean.lumaMean}`);
    assert.ok(s.sharpness < clean.sharpness, `sharpness ${s.sharpness} not below the photo's ${clean.sharpness}`);
  }
});

test('far: the photo holds no more detail than its stated pixel size, back at full size', async () => {
  const { image, params } = await applyCondition(photo, 'far', 5);
  assert.ok(inRange(params.longSidePx, CONDITION_RANGES.far.longSidePx));
  assert.equal(Math.max(params.width, params.height), params.longSidePx);
  assert.equal(Math.round((params.width / params.height) * 10), Math.round((photo.width / photo.height) * 10), 'aspect kept');
  // Detail per output pixel shrinks with the scale factor: a 451 px photo seen at <= 64 px loses most of its edges.
  assert.ok(imageStats(image).sharpness < 0.3 * clean.sharpness, `sharpness ${imageStats(image).sharpness} vs ${clean.sharpness}`);
});

test('motion blur: one bright point becomes a straight streak of the stated length and angle', async () => {
  const size = 101;
  const dot: RgbImage = { data: new Uint8Array(size * size * 3), width: size, height: size };
  dot.data.fill(255, (50 * size + 50) * 3, (50 * size + 50) * 3 + 3);
  const { image, params } = await applyCondition(dot, 'motion-blur', 11);
  const lit: Array<[number, number]> = [];
  for (let p = 0; p < size * size; p++) if (image.data[p * 3] > 0) lit.push([p % size, Math.floor(p / size)]);
  const xs = lit.map(([x]) => x);
  const ys = lit.map(([, y]) => y);
  const spanX = Math.max(...xs) - Math.min(...xs) + 1;
  const spanY = Math.max(...ys) - Math.min(...ys) + 1;
  const radians = (params.angleDeg * Math.PI) / 180;
  assert.ok(Math.abs(Math.hypot(spanX - 1, spanY - 1) - (params.lengthPx - 1)) <= 2, `streak ${spanX}x${spanY} for length ${params.lengthPx}`);
  assert.ok(Math.abs(spanX - 1 - (params.lengthPx - 1) * Math.abs(Math.cos(radians))) <= 2, `horizontal extent ${spanX} at ${params.angleDeg}°`);
  assert.ok(Math.abs(params.angleDeg) <= 30, 'mostly sideways');
});

test('dusk: dark, colour kept, noisier than the photo', async () => {
  const { image, params } = await applyCondition(photo, 'dusk', 3);
  const s = imageStats(image);
  assert.ok(Math.abs(s.lumaMean - params.lumaMean) < 8 && s.lumaMean < 0.7 * clean.lumaMean, `mean luma ${s.lumaMean} for ${params.lumaMean}`);
  assert.ok(s.colourSpread > 16, `channel spread p99 ${s.colourSpread}: dusk still has colour (IR does not)`);
});

test('jpeg: 8x8 blocks appear at the stated camera quality', async () => {
  // A smooth diagonal gradient has no edges of its own: every step at a block border is the codec's.
  const size = 128;
  const ramp: RgbImage = { data: new Uint8Array(size * size * 3), width: size, height: size };
  for (let p = 0; p < size * size; p++) ramp.data.fill(Math.round(((p % size) + Math.floor(p / size)) * 0.9 + 20 * Math.sin(p / 37)), p * 3, p * 3 + 3);
  const { image, params } = await applyCondition(ramp, 'jpeg', 2);
  assert.ok(inRange(params.quality, CONDITION_RANGES.jpeg.quality));
  let atBorder = 0;
  let inside = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size - 1; x++) {
      const step = Math.abs(image.data[(y * size + x + 1) * 3] - image.data[(y * size + x) * 3]);
      if (x % 8 === 7) atBorder += step / 15;
      else inside += step / 105;
    }
  }
  assert.ok(atBorder > 1.3 * inside, `mean step at block borders ${(atBorder / size).toFixed(2)} vs inside ${(inside / size).toFixed(2)}`);
});
