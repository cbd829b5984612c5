import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  auroc, confusionAt, expectedCalibrationError, fprAtTpr, fprBySubcategory, prCurve, rocCurve,
} from '../../src/train/metrics.js';
import { createRng } from '../../src/util/rng.js';

function bruteForceAuroc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

/** Trapezoid area under the ROC points; equals the tie-aware AUROC. */
function trapezoid(points: Array<{ fpr: number; tpr: number }>): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) area += ((points[i].fpr - points[i - 1].fpr) * (points[i].tpr + points[i - 1].tpr)) / 2;
  return area;
}

test('AUROC equals a brute-force pair count on random data with ties', () => {
  const rng = createRng(21);
  for (let round = 0; round < 30; round++) {
    const n = 20 + rng.int(300);
    const levels = 2 + rng.int(20); // few levels: many ties
    const labels = Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
    labels[0] = 1;
    labels[1] = 0;
    const scores = labels.map((y) => rng.int(levels) + (y ? rng.int(3) : 0));
    const expected = bruteForceAuroc(scores, labels);
    assert.ok(Math.abs(auroc(scores, labels) - expected) < 1e-12);
    assert.ok(Math.abs(trapezoid(rocCurve(scores, labels)) - expected) < 1e-12);
  }
  assert.ok(Number.isNaN(auroc([1, 2], [1, 1])));
});

test('ROC, PR, FPR at 95% TPR and confusion on a small known case', () => {
  const scores = [0.9, 0.8, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1];
  const labels = [1, 1, 0, 1, 0, 1, 0, 0];
  assert.deepEqual(rocCurve(scores, labels).map((p) => [p.fpr, p.tpr]), [[0, 0], [0, 0.25], [0.25, 0.5], [0.25, 0.75], [0.5, 0.75], [0.5, 1], [0.75, 1], [1, 1]]);
  const pr = prCurve(scores, labels);
  assert.deepEqual(pr[1], { threshold: 0.8, recall: 0.5, precision: 2 / 3 });
  assert.equal(fprAtTpr(scores, labels, 0.95), 0.5);
  assert.equal(fprAtTpr(scores, labels, 0.75), 0.25);
  const c = confusionAt(scores, labels, 0.6);
  assert.deepEqual([c.tp, c.fp, c.tn, c.fn], [3, 1, 3, 1]);
  assert.equal(c.precision, 0.75);
  assert.equal(c.recall, 0.75);
  assert.equal(confusionAt(scores, labels, 2).precision, 1);
});

test('expected calibration error', () => {
  // Bin [0.2, 0.3): mean prob 0.25, 1 of 4 positive -> 0; bin [0.9, 1]: mean 0.95, all 4 positive -> 0.05 * 4/8.
  const probs = [0.2, 0.25, 0.25, 0.3 - 1e-9, 0.9, 0.95, 1, 0.95];
  const labels = [1, 0, 0, 0, 1, 1, 1, 1];
  assert.ok(Math.abs(expectedCalibrationError(probs, labels) - 0.025) < 1e-6);
  const rng = createRng(4);
  const p = Array.from({ length: 50_000 }, () => rng.next());
  const y = p.map((v) => (rng.next() < v ? 1 : 0));
  assert.ok(expectedCalibrationError(p, y) < 0.01);
  assert.ok(expectedCalibrationError(p.map((v) => v * 0.5), y) > 0.2);
});

test('FPR per negative subcategory', () => {
  const scores = [0.9, 0.1, 0.8, 0.7, 0.2, 0.95];
  const labels = [0, 0, 0, 0, 0, 1];
  const sources = ['near', 'near', 'synthetic', 'synthetic', undefined, 'cat'];
  assert.deepEqual(fprBySubcategory(scores, labels, sources, 0.75), {
    near: { negatives: 2, falsePositives: 1, fpr: 0.5 },
    synthetic: { negatives: 2, falsePositives: 1, fpr: 0.5 },
    unknown: { negatives: 1, falsePositives: 0, fpr: 0 },
  });
});
