/**
 * The situations motion gating must get right (issue 14), on synthetic 640x360 frames at 5 fps: a flash, the IR
 * switch, a shadow over half the frame, a cat that stops, a polygon mask and a dark scene. "Regions" are what the
 * scoring stage would run the model on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RgbImage } from '../../src/image/image.js';
import { createMotionDetector, type MotionDetector, type MotionResult } from '../../src/motion/motion-detector.js';
import { contains, frame, H, motionConfig, W } from '../helpers/synthetic-frames.js';

const FRAME_MS = 200;

/** Applies `f` to every pixel value (channel-wise) of a copy. */
function mapPixels(img: RgbImage, f: (v: number, index: number) => number): RgbImage {
  return { ...img, data: img.data.map((v, i) => Math.max(0, Math.min(255, Math.round(f(v, i))))) };
}

/** Feeds `frames` from time `startMs` on, one per FRAME_MS; returns every result. */
function feed(detector: MotionDetector, frames: readonly RgbImage[], startMs: number): MotionResult[] {
  return frames.map((f, k) => detector.detect(f, startMs + k * FRAME_MS));
}

/** A detector that has seen 10 frames of the still scene (noise varies per frame). */
function settled(fields: Record<string, unknown> = {}): MotionDetector {
  const detector = createMotionDetector({ config: motionConfig(fields), width: W, height: H });
  feed(detector, Array.from({ length: 10 }, (_, k) => frame([], 4, 500 + k)), 0);
  return detector;
}

const square = (k: number) => ({ x: 60 + 20 * k, y: 150, size: 60 });
const regionCount = (results: readonly MotionResult[]): number => results.reduce((n, r) => n + r.regions.length, 0);

test('a flash (two frames 100 levels brighter): no region is scored, and motion is seen again after it', () => {
  const detector = settled();
  const flash = feed(detector, [0, 1].map((k) => mapPixels(frame([], 4, 600 + k), (v) => v + 100)), 2000);
  assert.ok(flash[0].calibrating, 'the flash puts the detector into calibration');
  const after = feed(detector, Array.from({ length: 10 }, (_, k) => frame([], 4, 610 + k)), 2400);
  assert.equal(regionCount([...flash, ...after]), 0, `regions during and after the flash: ${JSON.stringify([...flash, ...after].map((r) => r.regions.length))}`);
  assert.equal(after.at(-1)!.calibrating, false, 'calibration ends once the scene is still again');
  const moving = feed(detector, [0, 1, 2].map((k) => frame([square(k)], 4, 620 + k)), 4400);
  assert.ok(moving.every((r, k) => r.regions.some((reg) => contains(reg, square(k).x, square(k).y, square(k).size))), 'a moving square after the flash');
});

test('the IR switch (colour to grey, brighter and flatter for good): no region while relearning, then motion again', () => {
  const detector = settled();
  const ir = (img: RgbImage): RgbImage => {
    const data = new Uint8Array(img.data.length);
    for (let p = 0; p < data.length; p += 3) {
      const luma = 0.299 * img.data[p] + 0.587 * img.data[p + 1] + 0.114 * img.data[p + 2];
      data.fill(Math.min(255, Math.round(90 + luma * 0.6)), p, p + 3);
    }
    return { ...img, data };
  };
  const switched = feed(detector, Array.from({ length: 25 }, (_, k) => ir(frame([], 4, 700 + k))), 2000);
  assert.ok(switched[0].calibrating, 'the switch starts a calibration');
  assert.equal(regionCount(switched), 0, `regions after the switch: ${JSON.stringify(switched.map((r) => r.regions.length))}`);
  assert.equal(switched.at(-1)!.calibrating, false);
  const moving = feed(detector, [0, 1, 2].map((k) => ir(frame([square(k)], 4, 730 + k))), 7000);
  assert.ok(moving.every((r) => r.regions.length === 1), 'a moving square in the IR picture');
});

test('a shadow over the left half: dropped as a change of light (no region, no calibration); an object in the shade is still seen', () => {
  const detector = settled();
  const shade = (img: RgbImage): RgbImage => mapPixels(img, (v, i) => (Math.floor(i / 3) % W < W / 2 ? v * 0.55 : v));
  const shadowed = feed(detector, Array.from({ length: 10 }, (_, k) => shade(frame([], 4, 800 + k))), 2000);
  assert.equal(regionCount(shadowed), 0, `regions from the shadow: ${JSON.stringify(shadowed.map((r) => r.regions.length))}`);
  assert.ok(shadowed.every((r) => !r.calibrating), 'half a frame is not a global change');
  const moving = feed(detector, [0, 1, 2].map((k) => shade(frame([square(k)], 4, 820 + k))), 4000);
  assert.ok(moving.every((r, k) => r.regions.some((reg) => contains(reg, square(k).x, square(k).y, square(k).size))), 'a square moving in the shade');
});

test('a cat that walks in and stops: its region is scored every frame for the 10 s it sits still', () => {
  const detector = settled();
  feed(detector, [0, 1, 2, 3, 4].map((k) => frame([square(k)], 4, 900 + k)), 2000);
  const stopped = square(4);
  const sitting = feed(detector, Array.from({ length: 50 }, (_, k) => frame([stopped], 4, 910 + k)), 3000);
  const missing = sitting.map((r, k) => (r.regions.some((reg) => contains(reg, stopped.x, stopped.y, stopped.size)) ? -1 : k)).filter((k) => k >= 0);
  assert.deepEqual(missing, [], 'frames in which the still square had no region');
});

test('a polygon mask: motion inside the triangle is ignored, motion beside it (inside its bounding box) is not', () => {
  // Triangle with corners top-left, bottom-left, top-right of the frame: the upper-left half.
  const detector = settled({ masks: [{ points: [[0, 0], [0, 1], [1, 0]] }] });
  const inside = feed(detector, [0, 1, 2].map((k) => frame([{ x: 40 + 20 * k, y: 40, size: 60 }], 4, 1000 + k)), 2000);
  assert.equal(regionCount(inside), 0);
  const outside = feed(detector, [0, 1, 2].map((k) => frame([{ x: 480 + 20 * k, y: 260, size: 60 }], 4, 1010 + k)), 3000);
  assert.ok(outside.every((r) => r.regions.length === 1), `outside the triangle: ${JSON.stringify(outside.map((r) => r.regions))}`);
});

test('a dark scene: a faint object is seen with contrast normalisation, not without', () => {
  const dark = (img: RgbImage): RgbImage => mapPixels(img, (v) => v * 0.15);
  const faintSquare = (k: number, img: RgbImage): RgbImage => {
    const s = square(k);
    return mapPixels(img, (v, i) => {
      const p = Math.floor(i / 3);
      return p % W >= s.x && p % W < s.x + s.size && Math.floor(p / W) >= s.y && Math.floor(p / W) < s.y + s.size ? v + 12 : v;
    });
  };
  const run = (improveContrast: boolean): number => {
    const detector = createMotionDetector({ config: motionConfig({ improveContrast }), width: W, height: H });
    feed(detector, Array.from({ length: 10 }, (_, k) => dark(frame([], 1, 1100 + k))), 0);
    return regionCount(feed(detector, [0, 1, 2].map((k) => faintSquare(k, dark(frame([], 1, 1110 + k)))), 2000));
  };
  assert.equal(run(true), 3);
  assert.equal(run(false), 0);
});
