import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibratorFromJSON, fitPlatt, fitTemperature } from '../../src/train/calibrate.js';
import { sigmoid } from '../../src/train/losses.js';
import { auroc, expectedCalibrationError } from '../../src/train/metrics.js';
import { createRng } from '../../src/train/rng.js';

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

test('Platt scaling fixes a mis-scaled classifier', () => {
  const val = miscaled(1, 4000, 2);
  const test_ = miscaled(2, 4000, 2);
  const before = expectedCalibrationError(test_.logits.map(sigmoid), test_.labels);
  const platt = fitPlatt(val.logits, val.labels);
  const calibrated = test_.logits.map((z) => platt.apply(z));
  const after = expectedCalibrationError(calibrated, test_.labels);
  assert.ok(before > 0.08, `ECE before ${before}`);
  assert.ok(after < 0.03, `ECE after ${after}`);
  if (platt.json.kind !== 'platt') throw new Error('expected platt');
  assert.ok(Math.abs(platt.json.a - 0.25) < 0.03 && Math.abs(platt.json.b + 0.5) < 0.12, JSON.stringify(platt.json));
  // Monotone, so the ranking is unchanged.
  assert.equal(auroc(calibrated, test_.labels), auroc(test_.logits, test_.labels));
});

test('temperature scaling fixes an over-confident classifier and round-trips through JSON', () => {
  const val = miscaled(3, 4000, 0);
  const test_ = miscaled(4, 4000, 0);
  const temp = fitTemperature(val.logits, val.labels);
  if (temp.json.kind !== 'temperature') throw new Error('expected temperature');
  assert.ok(Math.abs(temp.json.temperature - 4) < 0.4, `T = ${temp.json.temperature}`);
  const before = expectedCalibrationError(test_.logits.map(sigmoid), test_.labels);
  const after = expectedCalibrationError(test_.logits.map((z) => temp.apply(z)), test_.labels);
  assert.ok(after < before / 3 && after < 0.03, `ECE ${before} -> ${after}`);
  const reloaded = calibratorFromJSON(JSON.parse(JSON.stringify(temp.json)));
  assert.equal(reloaded.apply(1.234), temp.apply(1.234));
});

test('Platt stays finite on perfectly separated data (smoothed targets)', () => {
  const logits = [-3, -2, -1, 1, 2, 3];
  const labels = [0, 0, 0, 1, 1, 1];
  const platt = fitPlatt(logits, labels);
  if (platt.json.kind !== 'platt') throw new Error('expected platt');
  assert.ok(Number.isFinite(platt.json.a) && platt.json.a > 0 && platt.json.a < 20);
  assert.ok(platt.apply(3) < 1 && platt.apply(-3) > 0);
  assert.throws(() => fitPlatt([1, 2], [1, 1]), RangeError);
});
