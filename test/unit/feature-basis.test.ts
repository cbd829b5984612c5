import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basisFromJSON, basisToJSON, projectEmbedding } from '../../src/model/feature-basis.js';
import { nearestPrototypeDistance, trustAt } from '../../src/model/feature-guard.js';
import { fitFeatureBasis } from '../../src/train/fit-basis.js';
import { fitFeatureGuard } from '../../src/train/fit-guard.js';
import { createRng } from '../../src/util/rng.js';

/** Points in 20 dimensions that vary mostly along one known direction (after standardisation). */
function cloud(n: number): Float32Array[] {
  const rng = createRng(11);
  return Array.from({ length: n }, () => {
    const t = 3 * rng.normal();
    return Float32Array.from({ length: 20 }, (_, i) => (i < 10 ? t : -t) + 0.2 * rng.normal());
  });
}

test('the first component of the fitted basis is the dominant direction, and the basis survives a JSON round trip', () => {
  const points = cloud(500);
  const basis = fitFeatureBasis(points, 4);
  const first = basis.components.subarray(0, 20);
  const expected = 1 / Math.sqrt(20);
  for (let i = 0; i < 20; i++) assert.ok(Math.abs(Math.abs(first[i]) - expected) < 0.02, `component ${i}: ${first[i]}`);
  assert.ok(Math.sign(first[0]) !== Math.sign(first[15]), 'the two halves move against each other');
  const reloaded = basisFromJSON(JSON.parse(JSON.stringify(basisToJSON(basis))));
  assert.equal(reloaded.id, basis.id);
  assert.deepEqual(projectEmbedding(reloaded, points[3]), projectEmbedding(basis, points[3]));
});

test('the guard trusts points like the training data and distrusts points far from it', () => {
  const points = cloud(600);
  const basis = fitFeatureBasis(points, 4);
  const coords = points.map((p) => projectEmbedding(basis, p));
  const guard = fitFeatureGuard(coords, { prototypes: 64 });
  const inside = cloud(50).map((p) => trustAt(guard, nearestPrototypeDistance(guard, projectEmbedding(basis, p))));
  assert.ok(inside.filter((t) => t === 1).length >= 45, `trust inside: ${inside.join(',')}`);
  const far = Float32Array.from({ length: 20 }, (_, i) => (i % 2 ? 40 : -40));
  assert.equal(trustAt(guard, nearestPrototypeDistance(guard, projectEmbedding(basis, far))), 0);
});
