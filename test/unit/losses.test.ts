import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classBalanceWeights, createLoss, focalLoss, logSigmoid, weightedBce } from '../../src/train/losses.js';
import { sigmoid } from '../../src/util/sigmoid.js';
import { createRng } from '../../src/util/rng.js';

test('focal-loss gradient matches a central finite difference', () => {
  const rng = createRng(11);
  for (let k = 0; k < 2000; k++) {
    const logit = (rng.next() - 0.5) * 24;
    const label = rng.int(2) as 0 | 1;
    const alpha = 0.05 + 0.9 * rng.next();
    const gamma = [0, 0.5, 1, 2, 3.7][rng.int(5)];
    const h = 1e-5;
    const numeric = (focalLoss(logit + h, label, alpha, gamma).loss - focalLoss(logit - h, label, alpha, gamma).loss) / (2 * h);
    const { dLogit } = focalLoss(logit, label, alpha, gamma);
    assert.ok(Math.abs(numeric - dLogit) <= 1e-6 + 1e-5 * Math.abs(dLogit), `z=${logit} y=${label} a=${alpha} g=${gamma}: ${dLogit} vs ${numeric}`);
  }
});

test('focal loss with gamma 0 equals alpha-weighted BCE', () => {
  for (const logit of [-30, -5, -0.3, 0, 0.7, 4, 40]) {
    for (const label of [0, 1] as const) {
      const focal = focalLoss(logit, label, 0.3, 0);
      const bce = weightedBce(logit, label, 0.3, 0.7);
      assert.ok(Math.abs(focal.loss - bce.loss) < 1e-12 * Math.max(1, bce.loss), `${logit} ${label}`);
      assert.ok(Math.abs(focal.dLogit - bce.dLogit) < 1e-12);
    }
  }
});

test('losses are finite and exact at extreme logits', () => {
  assert.equal(logSigmoid(-800), -800);
  assert.equal(sigmoid(-800), 0);
  const bad = weightedBce(-800, 1, 1, 1);
  assert.equal(bad.loss, 800);
  assert.equal(bad.dLogit, -1);
  const focal = focalLoss(-800, 1, 0.5, 2);
  assert.ok(Number.isFinite(focal.loss) && Number.isFinite(focal.dLogit));
  const easy = focalLoss(800, 1, 0.5, 0.5);
  assert.equal(easy.loss, 0);
  assert.ok(Number.isFinite(easy.dLogit));
});

test('focal loss down-weights easy examples relative to BCE', () => {
  const easy = focalLoss(4, 1, 0.5, 2).loss / weightedBce(4, 1, 0.5, 0.5).loss;
  const hard = focalLoss(-4, 1, 0.5, 2).loss / weightedBce(-4, 1, 0.5, 0.5).loss;
  assert.ok(easy < 0.001 && hard > 0.9);
});

test('balanced-bce gradient matches a finite difference and class weights balance', () => {
  const { positiveWeight, negativeWeight } = classBalanceWeights(100, 900);
  assert.ok(Math.abs(positiveWeight * 100 - negativeWeight * 900) < 1e-9);
  assert.ok(Math.abs(positiveWeight * 100 + negativeWeight * 900 - 1000) < 1e-9);
  const soft = classBalanceWeights(100, 900, 0.99);
  assert.ok(soft.positiveWeight / soft.negativeWeight < positiveWeight / negativeWeight);
  const loss = createLoss({ kind: 'balanced-bce', positiveWeight, negativeWeight });
  for (const z of [-9, -1, 0, 2.5, 12]) {
    for (const y of [0, 1] as const) {
      const numeric = (loss(z + 1e-5, y).loss - loss(z - 1e-5, y).loss) / 2e-5;
      assert.ok(Math.abs(numeric - loss(z, y).dLogit) < 1e-6);
    }
  }
  assert.throws(() => createLoss({ kind: 'focal', alpha: 1, gamma: 2 }), RangeError);
});
