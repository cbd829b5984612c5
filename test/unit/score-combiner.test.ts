import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combinedLogit, headContribution } from '../../src/model/score-combiner.js';
import { fitCombiner, type CombinerInput } from '../../src/train/fit-combiner.js';
import { createRng } from '../../src/util/rng.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Two sources of cats and negatives: the prior ranks them well but not perfectly; the head residual carries real
 * information on source `a` (the prior's mistakes there) and is noise elsewhere, unless `harmful` makes it point the
 * wrong way on source `b`.
 */
function data(options: { harmful: boolean; n?: number }): CombinerInput[] {
  const rng = createRng(7);
  const out: CombinerInput[] = [];
  for (const source of ['a', 'b']) {
    for (let i = 0; i < (options.n ?? 400); i++) {
      const label = (i % 2) as 0 | 1;
      const z = (label ? 2 : -2) + 2.2 * rng.normal();
      const informative = source === 'a' || !options.harmful ? 1 : -1;
      const residual = informative * (label ? 1.5 : -1.5) + rng.normal();
      out.push({ prior: sigmoid(z), residual, trust: 1, label, source });
    }
  }
  return out;
}

test('the head is used when it helps every source, and ignored when it hurts one', () => {
  const helpful = fitCombiner(data({ harmful: false }), { bounds: { up: 4, down: 4 }, targetFpr: 0.05 });
  assert.ok(helpful.combiner.headWeight > 0, `head weight ${helpful.combiner.headWeight}`);
  const harmful = fitCombiner(data({ harmful: true }), { bounds: { up: 4, down: 4 }, targetFpr: 0.05 });
  assert.equal(harmful.combiner.headWeight, 0, 'a head that ranks one source the wrong way gets no weight');
  assert.ok(harmful.combiner.priorWeight > 0);
});

test('a prior below vetoPrior never reaches the threshold, whatever the head and the trust say', () => {
  const fit = fitCombiner(data({ harmful: false }), { bounds: { up: 4, down: 4 }, targetFpr: 0.05 });
  const c = fit.combiner;
  assert.ok(c.vetoPrior > 0 && c.vetoPrior < 0.1, `vetoPrior ${c.vetoPrior}`);
  const rng = createRng(3);
  let highest = 0;
  for (let i = 0; i < 20_000; i++) {
    const prior = c.vetoPrior * rng.next();
    const residual = 1000 * rng.next(); // any head output, up to absurd
    const score = sigmoid(combinedLogit(c, prior, residual, rng.next() < 0.5 ? 1 : rng.next()));
    highest = Math.max(highest, score);
  }
  assert.ok(highest < fit.threshold.threshold, `highest score ${highest} under a confident prior, threshold ${fit.threshold.threshold}`);
  // The same head may still raise an uncertain prior above the threshold: it is a correction, not disabled.
  const uncertain = sigmoid(combinedLogit(c, 0.5, 1000, 1));
  assert.ok(uncertain > sigmoid(combinedLogit(c, 0.5, 0, 1)));
});

test('the head contribution is bounded and scaled by trust', () => {
  const c = fitCombiner(data({ harmful: false }), { bounds: { up: 1, down: 4 }, targetFpr: 0.05 }).combiner;
  for (const residual of [-1e6, -3, 0, 3, 1e6]) {
    const full = headContribution(c, residual, 1);
    assert.ok(full <= c.headWeight * c.boundUp + 1e-12 && full >= -c.headWeight * c.boundDown - 1e-12, `${full} within [-${c.headWeight * c.boundDown}, ${c.headWeight * c.boundUp}]`);
    assert.ok(full <= c.headUpCap + 1e-12);
    assert.ok(headContribution(c, residual, 0) === 0, 'no trust: the prior alone');
    assert.ok(Math.abs(headContribution(c, residual, 0.5) - 0.5 * full) < 1e-12);
  }
});
