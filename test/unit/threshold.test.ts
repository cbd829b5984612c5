import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confusionAt } from '../../src/train/metrics.js';
import { createRng } from '../../src/util/rng.js';
import { nextUp, thresholdForFpr } from '../../src/train/threshold.js';

test('threshold on known data: exactly the allowed number of negatives pass', () => {
  // Negatives 0..99 (score i / 100), positives 0.5..1.49.
  const scores = [...Array.from({ length: 100 }, (_, i) => i / 100), ...Array.from({ length: 100 }, (_, i) => 0.5 + i / 100)];
  const labels = [...new Array(100).fill(0), ...new Array(100).fill(1)];
  const choice = thresholdForFpr(scores, labels, 0.05);
  assert.equal(choice.threshold, nextUp(0.94)); // 0.95 .. 0.99 pass: 5 of 100 negatives
  assert.equal(choice.fpr, 0.05);
  assert.equal(choice.tpr, 55 / 100); // positives 0.95 .. 1.49
  const c = confusionAt(scores, labels, choice.threshold);
  assert.equal(c.fp, 5);
  // Smallest: one float lower lets a sixth negative through.
  assert.equal(confusionAt(scores, labels, 0.94).fp, 6);
});

test('threshold meets the target FPR on random data and is the smallest such', () => {
  const rng = createRng(8);
  for (const target of [0, 0.001, 0.01, 0.05, 0.2, 1]) {
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const y = rng.next() < 0.2 ? 1 : 0;
      labels.push(y);
      scores.push(Math.round((rng.normal() + 2 * y) * 20) / 20); // rounded: many ties
    }
    const choice = thresholdForFpr(scores, labels, target);
    assert.ok(choice.fpr <= target, `target ${target}: fpr ${choice.fpr}`);
    assert.deepEqual(confusionAt(scores, labels, choice.threshold).fpr, choice.fpr);
    const distinct = [...new Set(scores)].filter((s) => s < choice.threshold);
    if (distinct.length > 0) {
      const lower = Math.max(...distinct); // any lower threshold accepts at least this score too
      assert.ok(confusionAt(scores, labels, lower).fpr > target, `target ${target}: a lower threshold also meets it`);
    }
  }
});

test('tied negatives at the boundary are all rejected', () => {
  const scores = [0.1, 0.2, 0.5, 0.5, 0.5, 0.9, 0.8];
  const labels = [0, 0, 0, 0, 0, 1, 1];
  const choice = thresholdForFpr(scores, labels, 0.5); // 2.5 of 5 allowed: the three 0.5s cannot be split
  assert.equal(choice.fpr, 0);
  assert.equal(choice.threshold, nextUp(0.5));
  assert.equal(choice.tpr, 1);
});
