import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RgbImage } from '../../src/image/image.js';
import { createMotionDetector } from '../../src/motion/motion-detector.js';
import { blobBoxes } from '../../src/motion/binary-blobs.js';
import { contains, frame, H, motionConfig, W } from '../helpers/synthetic-frames.js';

test('static scene with sensor noise: no motion boxes', () => {
  const detector = createMotionDetector({ config: motionConfig(), width: W, height: H });
  assert.equal(detector.detect(frame([], 4, 10), 0).fullFrame, true);
  for (let i = 1; i <= 20; i += 1) {
    const result = detector.detect(frame([], 4, 10 + i), i * 200);
    assert.deepEqual(result.motionBoxes, []);
    assert.deepEqual(result.regions, []);
  }
});

test('a moving square yields a square region that contains it', () => {
  const detector = createMotionDetector({ config: motionConfig(), width: W, height: H });
  detector.detect(frame([]), 0);
  for (let k = 0; k < 8; k += 1) {
    const sq = { x: 100 + 25 * k, y: 150, size: 50 };
    const result = detector.detect(frame([sq], 4, 100 + k), 200 * (k + 1));
    assert.ok(result.motionBoxes.length >= 1, `frame ${k}: no motion`);
    assert.ok(result.motionBoxes.some((b) => contains(b, sq.x, sq.y, sq.size)), `frame ${k}: box misses the square`);
    assert.equal(result.regions.length, 1, `frame ${k}: ${JSON.stringify(result.regions)}`);
    const region = result.regions[0];
    assert.ok(contains(region, sq.x, sq.y, sq.size), `frame ${k}: region misses the square`);
    assert.ok(Math.abs(region.w * W - region.h * H) < 1e-6, 'region is square in pixels');
    assert.ok(region.h * H >= H / 4 - 1e-6, 'region has the minimum size');
    assert.ok(region.x >= 0 && region.y >= 0 && region.x + region.w <= 1 + 1e-9 && region.y + region.h <= 1 + 1e-9);
  }
});

test('two distant moving objects yield two regions', () => {
  const detector = createMotionDetector({ config: motionConfig(), width: W, height: H });
  detector.detect(frame([]), 0);
  const a = { x: 30, y: 30, size: 40 };
  const b = { x: 560, y: 280, size: 40 };
  const result = detector.detect(frame([a, b]), 200);
  assert.equal(result.regions.length, 2);
  assert.ok(result.regions.some((r) => contains(r, a.x, a.y, a.size)));
  assert.ok(result.regions.some((r) => contains(r, b.x, b.y, b.size)));
});

test('motion inside a mask is ignored, outside it is not', () => {
  const mask = { x: 0.1, y: 0.3, w: 0.5, h: 0.4 };
  const detector = createMotionDetector({ config: motionConfig({ masks: [mask] }), width: W, height: H });
  detector.detect(frame([]), 0);
  for (let k = 0; k < 5; k += 1) {
    const result = detector.detect(frame([{ x: 100 + 25 * k, y: 150, size: 50 }]), 200 * (k + 1));
    assert.deepEqual(result.motionBoxes, []);
  }
  const outside = detector.detect(frame([{ x: 500, y: 20, size: 50 }]), 2000);
  assert.equal(outside.motionBoxes.length, 1);
});

test('blobs under minAreaFraction are dropped', () => {
  const detector = createMotionDetector({ config: motionConfig({ minAreaFraction: 0.05 }), width: W, height: H });
  detector.detect(frame([]), 0);
  assert.deepEqual(detector.detect(frame([{ x: 300, y: 150, size: 30 }]), 200).motionBoxes, []);
  assert.equal(detector.detect(frame([{ x: 300, y: 100, size: 120 }]), 400).motionBoxes.length, 1);
});

test('a higher threshold ignores faint changes', () => {
  const faint = (): RgbImage => {
    const f = frame([]);
    for (let y = 150; y < 200; y += 1) for (let i = (y * W + 300) * 3; i < (y * W + 350) * 3; i += 1) f.data[i] = Math.min(255, f.data[i] + 30);
    return f;
  };
  // Without contrast normalisation the threshold is in the camera's own grey levels.
  const sensitive = createMotionDetector({ config: motionConfig({ threshold: 15, improveContrast: false }), width: W, height: H });
  sensitive.detect(frame([]), 0);
  assert.equal(sensitive.detect(faint(), 200).motionBoxes.length, 1);
  const dull = createMotionDetector({ config: motionConfig({ threshold: 40, improveContrast: false }), width: W, height: H });
  dull.detect(frame([]), 0);
  assert.equal(dull.detect(faint(), 200).motionBoxes.length, 0);
});

test('fullFrame: first frame, every fullFrameIntervalS, and after reset', () => {
  const detector = createMotionDetector({ config: motionConfig({ fullFrameIntervalS: 5 }), width: W, height: H });
  const still = frame([]);
  const seen = [0, 1000, 2000, 4999, 5000, 6000, 9999, 10_000].map((t) => detector.detect(still, t).fullFrame);
  assert.deepEqual(seen, [true, false, false, false, true, false, false, true]);
  detector.reset();
  assert.equal(detector.detect(still, 11_000).fullFrame, true);
  assert.equal(detector.detect(still, 12_000).fullFrame, false);
});

test('motion disabled: every frame is a full frame', () => {
  const detector = createMotionDetector({ config: motionConfig({ enabled: false }), width: W, height: H });
  assert.deepEqual(detector.detect(frame([]), 0), { motionBoxes: [], regions: [], fullFrame: true, calibrating: false });
  assert.deepEqual(detector.detect(frame([{ x: 10, y: 10, size: 50 }]), 100), { motionBoxes: [], regions: [], fullFrame: true, calibrating: false });
});

test('a frame of the wrong size is refused', () => {
  const detector = createMotionDetector({ config: motionConfig(), width: W, height: H });
  assert.throws(() => detector.detect({ data: new Uint8Array(320 * 180 * 3), width: 320, height: 180 }, 0), RangeError);
});

test('blob boxes: 8-connected (diagonals join), a U shape is one blob, apart is apart, the mask is left as it was', () => {
  const rows = [
    '#....##...',
    '.#...##...',
    '..#.......',
    '......#.#.',
    '......#.#.',
    '......###.',
  ];
  const width = rows[0].length;
  const mask = Uint8Array.from(rows.join('').split('').map((c) => (c === '#' ? 1 : 0)));
  const before = mask.slice();
  const boxes = blobBoxes(mask, width, rows.length).sort((a, b) => a.y0 - b.y0 || a.x0 - b.x0);
  assert.deepEqual(boxes, [
    { x0: 0, y0: 0, x1: 2, y1: 2, pixels: 3 },
    { x0: 5, y0: 0, x1: 6, y1: 1, pixels: 4 },
    { x0: 6, y0: 3, x1: 8, y1: 5, pixels: 7 },
  ]);
  assert.deepEqual(mask, before);
});
