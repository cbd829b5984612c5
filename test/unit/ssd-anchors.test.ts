import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSsdBox, generateSsdAnchors, type SsdAnchorOptions } from '../../src/score/backbones/ssd-anchors.js';

/** MediaPipe's settings for its 300-px SSD MobileNetV2 models (ObjectDetectionOidV4Subgraph). */
const OPTIONS: SsdAnchorOptions = {
  inputWidth: 300, inputHeight: 300, minScale: 0.2, maxScale: 0.95, anchorOffsetX: 0.5, anchorOffsetY: 0.5,
  strides: [16, 32, 64, 128, 256, 512], aspectRatios: [1, 2, 0.5, 3, 0.3333],
  reduceBoxesInLowestLayer: true, interpolatedScaleAspectRatio: 1,
};
const SCALES = { x: 10, y: 10, w: 5, h: 5 };

function anchor(index: number): number[] {
  return Array.from(generateSsdAnchors(OPTIONS).data.subarray(index * 4, index * 4 + 4));
}

function assertClose(actual: number[], expected: number[], eps = 1e-5): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < eps, `[${i}] ${v} != ${expected[i]}`));
}

test('the 300-px SSD layout has 1917 anchors: 19x19x3 + (10x10 + 5x5 + 3x3 + 2x2 + 1x1) x 6', () => {
  const anchors = generateSsdAnchors(OPTIONS);
  assert.equal(anchors.count, 1917);
  assert.equal(anchors.data.length, 1917 * 4);
});

test('lowest layer: 3 reduced boxes per cell, the first at scale 0.1', () => {
  const cell = 0.5 / 19;
  assertClose(anchor(0), [cell, cell, 0.1, 0.1]);
  assertClose(anchor(1), [cell, cell, 0.2 / Math.SQRT2, 0.2 * Math.SQRT2]);
  assertClose(anchor(2), [cell, cell, 0.2 * Math.SQRT2, 0.2 / Math.SQRT2]);
  assertClose(anchor(3), [cell, 1.5 / 19, 0.1, 0.1]);
});

test('upper layers: 5 aspect ratios plus an interpolated scale, iterated y, x, box', () => {
  // Layer 1 (stride 32, 10x10 map) starts after 19*19*3 = 1083 anchors; its scale is 0.2 + 0.75/5 = 0.35.
  assertClose(anchor(1083), [0.05, 0.05, 0.35, 0.35]);
  assertClose(anchor(1083 + 5), [0.05, 0.05, Math.sqrt(0.35 * 0.5), Math.sqrt(0.35 * 0.5)]);
  assertClose(anchor(1083 + 6), [0.05, 0.15, 0.35, 0.35]);
  // The last anchor: 1x1 map, interpolated with the scale 1.0 beyond the top layer.
  assertClose(anchor(1916), [0.5, 0.5, Math.sqrt(0.95), Math.sqrt(0.95)]);
});

test('decodes [yc, xc, h, w] encodings against the anchor, sizes exponential', () => {
  const anchors = generateSsdAnchors(OPTIONS);
  const index = 1083 + (5 * 10 + 4) * 6; // layer 1, row 5, column 4, ratio 1: centre (0.45, 0.55), size 0.35
  const raw = new Float32Array(1917 * 4);
  raw.set([1, -2, 5 * Math.LN2, 0], index * 4);
  const box = decodeSsdBox(raw, anchors, index, SCALES);
  // yc = 0.55 + 0.1 * 0.35, xc = 0.45 - 0.2 * 0.35, h = 2 * 0.35, w = 0.35
  assertClose([box.x, box.y, box.w, box.h], [0.38 - 0.175, 0.585 - 0.35, 0.35, 0.7]);
});

test('decoded boxes are clamped to the image', () => {
  const anchors = generateSsdAnchors(OPTIONS);
  const box = decodeSsdBox(new Float32Array(1917 * 4), anchors, 1083, SCALES); // centre (0.05, 0.05), size 0.35
  assertClose([box.x, box.y, box.w, box.h], [0, 0, 0.225, 0.225]);
});
