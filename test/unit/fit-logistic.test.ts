import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibratorFromJSON } from '../../src/model/calibrate.js';
import { fitLogistic } from '../../src/train/fit-combiner.js';
import { sigmoid } from '../../src/util/sigmoid.js';
import { expectedCalibrationError } from '../../src/train/metrics.js';
import { createRng } from '../../src/util/rng.js';

/** Labels drawn from sigmoid(trueLogit); the classifier reports a mis-scaled 4 * trueLogit + bias. */
function miscaled(seed: number, n: number, bias: number): { logits: number[]; labels: number[] } {
  const rng = createRng(seed);
  const logits: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const trueLogit = 1.5 * rng.normal();
    labels.push(rng.next() < sigmoid(trueLogit) ? 1 : 0);
    logits.push(4 * trueLogit + bias);
  }
  return { logits, labels };
}

test('the combiner\'s logistic fit recalibrates a mis-scaled score (Platt scaling)', () => {
  const val = miscaled(1, 4000, 2);
  const held = miscaled(2, 4000, 2);
  const [a, b] = fitLogistic([val.logits], val.labels, undefined);
  assert.ok(Math.abs(a - 0.25) < 0.03 && Math.abs(b + 0.5) < 0.12, `a ${a}, b ${b}`);
  const before = expectedCalibrationError(held.logits.map(sigmoid), held.labels);
  const after = expectedCalibrationError(held.logits.map((z) => sigmoid(a * z + b)), held.labels);
  assert.ok(before > 0.08 && after < 0.03, `ECE ${before} -> ${after}`);
});

test('the logistic fit stays finite on perfectly separated data and needs both classes', () => {
  const [a] = fitLogistic([[-3, -2, -1, 1, 2, 3]], [0, 0, 0, 1, 1, 1], undefined);
  assert.ok(Number.isFinite(a) && a > 0 && a < 20, `a ${a}`);
  assert.throws(() => fitLogistic([[1, 2]], [1, 1], undefined), RangeError);
});

test('calibrations stored by older model versions still load and apply', () => {
  assert.equal(calibratorFromJSON({ kind: 'platt', a: 0.5, b: -1 }).apply(2), sigmoid(0));
  assert.equal(calibratorFromJSON({ kind: 'temperature', temperature: 2 }).apply(4), sigmoid(2));
  assert.throws(() => calibratorFromJSON({ kind: 'temperature', temperature: 0 }), RangeError);
});
