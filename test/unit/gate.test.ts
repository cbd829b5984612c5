import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoordSample } from '../../src/train/coord-sample.js';
import { priorScorer, runGate, type GateScorer } from '../../src/train/gate.js';
import { createRng } from '../../src/util/rng.js';

/** A gate set like the shipped one: cats of two sources, dogs, objects, people; the prior ranks them well. */
function gateSet(options: { confirmedNegatives?: number } = {}): CoordSample[] {
  const rng = createRng(5);
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const item = (label: 0 | 1, subcategory: string, source: string): CoordSample => ({
    coords: Float32Array.from([rng.next()]), prior: sigmoid((label ? 3 : -3) + 1.5 * rng.normal()), label, subcategory, source,
  });
  return [
    ...Array.from({ length: 120 }, (_, i) => item(1, 'positive', i % 2 ? 'asirra' : 'oxpet')),
    ...Array.from({ length: 60 }, () => item(0, 'dog', 'asirra')),
    ...Array.from({ length: 80 }, () => item(0, 'object', 'imagenetsample')),
    ...Array.from({ length: 40 }, () => item(0, 'person', 'humanseg')),
    ...Array.from({ length: options.confirmedNegatives ?? 0 }, () => item(0, 'mined', 'confirmed')),
  ];
}

const prior = priorScorer(0.6);

test('a candidate that calls everything a cat is rejected with its reasons', () => {
  const everything: GateScorer = { name: 'candidate', threshold: 0.5, score: (s) => 0.9 + 0.1 * s.prior };
  const gate = runGate({ candidate: everything, baseline: prior, prior, items: gateSet(), targetFpr: 0.01 });
  assert.equal(gate.accepted, false);
  assert.ok(gate.reasons.some((r) => /FPR at its threshold/.test(r)), gate.reasons.join('; '));
});

test('a candidate equal to the prior passes; the same on a set too small to tell is rejected', () => {
  const same: GateScorer = { name: 'candidate', threshold: 0.6, score: (s) => s.prior };
  assert.deepEqual(runGate({ candidate: same, baseline: prior, prior, items: gateSet(), targetFpr: 0.01 }).reasons, []);
  const small = gateSet().filter((_, i) => i % 3 === 0);
  const gate = runGate({ candidate: same, baseline: prior, prior, items: small, targetFpr: 0.01 });
  assert.equal(gate.accepted, false);
  assert.ok(gate.reasons.every((r) => /validation too small to tell/.test(r)) && gate.reasons.length > 0, gate.reasons.join('; '));
});

test("the user's confirmed negatives are compared on their own", () => {
  const items = gateSet({ confirmedNegatives: 20 });
  // Accepts every confirmed negative, otherwise the prior: invisible in the pooled figures, caught on its own.
  const candidate: GateScorer = { name: 'candidate', threshold: 0.6, score: (s) => (s.source === 'confirmed' ? 0.99 : s.prior) };
  const gate = runGate({ candidate, baseline: prior, prior, items, targetFpr: 0.01 });
  assert.ok(gate.reasons.some((r) => /of your 20 confirmed negatives/.test(r)), gate.reasons.join('; '));
});

test('camera conditions: a candidate that forgot the night is refused under night-ir only; clean figures ignore the copies', () => {
  const clean = gateSet();
  const night = clean.map((s) => ({ ...s, condition: 'night-ir' as const }));
  const far = clean.map((s) => ({ ...s, condition: 'far' as const }));
  // Ranks night copies at random (its head never saw one), everything else like the prior.
  const rng = createRng(9);
  const noise = new Map(night.map((s) => [s, rng.next()]));
  const forgot: GateScorer = { name: 'candidate', threshold: 0.6, score: (s) => (s.condition === 'night-ir' ? (noise.get(s as (typeof night)[number]) ?? 0) : s.prior) };
  const gate = runGate({ candidate: forgot, baseline: prior, prior, items: [...clean, ...night, ...far], targetFpr: 0.01 });
  assert.equal(gate.counts.positives, 120, 'the clean counts hold the photos only');
  assert.deepEqual(Object.keys(gate.byCondition), ['far', 'night-ir']);
  assert.equal(gate.byCondition['night-ir'].items, clean.length);
  assert.ok(gate.byCondition['night-ir'].candidate.auroc < gate.byCondition['night-ir'].baseline.auroc - 0.1);
  assert.equal(gate.accepted, false);
  assert.ok(gate.reasons.length > 0 && gate.reasons.every((r) => r.startsWith('under night-ir:')), gate.reasons.join('; '));

  // The same candidate on a night set too small to decide on: reported nowhere, accepted.
  const fewNight = night.filter((s) => s.label === 1).slice(0, 10).concat(night.filter((s) => s.label === 0).slice(0, 20));
  const small = runGate({ candidate: forgot, baseline: prior, prior, items: [...clean, ...fewNight], targetFpr: 0.01 });
  assert.deepEqual(small.reasons, []);
  assert.deepEqual(Object.keys(small.byCondition), []);
});
