import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitHead, type FitHeadOptions, type Sample } from '../../src/train/fit-head.js';
import { HeadModel, type HeadModelJson } from '../../src/model/head-model.js';
import { auroc } from '../../src/train/metrics.js';
import { createRng, type Rng } from '../../src/util/rng.js';

const DIM = 48;

/**
 * Positives are shifted by 4 along one direction of a Gaussian cloud with uneven offsets and scales (so
 * standardisation matters); the prior is only weakly informative, so the head has to use the embedding.
 */
function makeProblem(rng: Rng, count: number, positiveRate: number): Sample[] {
  const dirRng = createRng(99);
  const direction = Float64Array.from({ length: DIM }, () => dirRng.normal());
  const norm = Math.hypot(...direction);
  const scale = Float64Array.from({ length: DIM }, (_, i) => 0.5 + (i % 5));
  return Array.from({ length: count }, () => {
    const label = (rng.next() < positiveRate ? 1 : 0) as 0 | 1;
    const embedding = new Float32Array(DIM);
    for (let i = 0; i < DIM; i++) embedding[i] = (rng.normal() + label * 4 * (direction[i] / norm)) * scale[i] + 10 * (i % 3);
    const prior = 1 / (1 + Math.exp(-((2 * label - 1) + 1.5 * rng.normal())));
    return { embedding, prior, label };
  });
}

const rng = createRng(2024);
const train = makeProblem(rng, 3000, 0.1);
const val = makeProblem(rng, 800, 0.1);
const testSet = makeProblem(rng, 1500, 0.1);

function testAuroc(model: HeadModel, usePrior: boolean): number {
  const scores = testSet.map((s) => model.predictLogit(s.embedding, usePrior ? s.prior : undefined));
  return auroc(scores, testSet.map((s) => s.label));
}

const cases: Array<{ name: string; options: FitHeadOptions }> = [
  { name: 'logistic, prior as feature, focal', options: { priorMode: 'feature' } },
  { name: 'logistic, prior as offset, focal', options: { priorMode: 'offset' } },
  { name: 'MLP, prior as feature, balanced BCE', options: { priorMode: 'feature', hiddenSize: 16, loss: { kind: 'balanced-bce' } } },
  { name: 'MLP, prior as offset, focal', options: { priorMode: 'offset', hiddenSize: 16, loss: { kind: 'focal', alpha: 0.25, gamma: 2 } } },
  { name: 'logistic, no prior, balanced BCE without oversampling', options: { priorMode: 'none', oversampleMinority: false, loss: { kind: 'balanced-bce' } } },
];

for (const { name, options } of cases) {
  test(`head learns a separable problem: ${name}`, () => {
    const prior = options.priorMode !== 'none';
    const result = fitHead({ train, val, options: { maxEpochs: 30, learningRate: 1e-2, seed: 5, ...options } });
    const score = testAuroc(result.model, prior);
    assert.ok(score > 0.99, `test AUROC ${score}`);
    assert.ok(result.bestEpoch >= 1 && result.bestEpoch <= result.history.length);
    if (!result.stoppedEarly) assert.equal(result.history.length, 30);
    const bestRecord = result.history[result.bestEpoch - 1];
    assert.ok(result.history.every((h) => h.valLoss >= bestRecord.valLoss - 1e-4));

    // JSON round trip predicts bit-identically.
    const json = JSON.parse(JSON.stringify(result.model)) as HeadModelJson;
    const reloaded = HeadModel.fromJSON(json);
    for (const s of testSet.slice(0, 200)) {
      const p = prior ? s.prior : undefined;
      assert.equal(reloaded.predictLogit(s.embedding, p), result.model.predictLogit(s.embedding, p));
    }
  });
}

test('training is deterministic for a seed', () => {
  const options: FitHeadOptions = { priorMode: 'offset', hiddenSize: 8, maxEpochs: 3, seed: 77 };
  const a = fitHead({ train, val, options });
  const b = fitHead({ train, val, options });
  assert.deepEqual(a.model.params, b.model.params);
  assert.deepEqual(a.history, b.history);
  const c = fitHead({ train, val, options: { ...options, seed: 78 } });
  assert.notDeepEqual(a.model.params, c.model.params);
});

test('early stopping stops after `patience` epochs without improvement and restores the best epoch', () => {
  // A large learning rate on a tiny training set overfits fast, so validation loss turns up early.
  const small = train.slice(0, 120);
  const result = fitHead({ train: small, val, options: { priorMode: 'none', hiddenSize: 32, learningRate: 0.05, maxEpochs: 200, patience: 3, seed: 3 } });
  assert.ok(result.stoppedEarly);
  assert.equal(result.history.length, result.bestEpoch + 3);
  const valScores = val.map((s) => result.model.predictLogit(s.embedding));
  assert.ok(Math.abs(auroc(valScores, val.map((s) => s.label)) - result.history[result.bestEpoch - 1].valAuroc) < 1e-9);
});

test('offset mode starts from the prior and needs priors; bad input is rejected', () => {
  const model = fitHead({ train, val: [], options: { priorMode: 'offset', maxEpochs: 1, learningRate: 0 } }).model;
  const s = testSet[0];
  const priorLogit = Math.log(s.prior! / (1 - s.prior!));
  assert.ok(Math.abs(model.predictLogit(s.embedding, s.prior) - priorLogit) < 1e-9);
  assert.throws(() => model.predictLogit(s.embedding), TypeError);
  assert.throws(() => model.predictLogit(new Float32Array(DIM + 1), 0.5), RangeError);
  assert.throws(() => fitHead({ train: train.filter((t) => t.label === 0), val, options: { priorMode: 'none' } }), RangeError);
});
