import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/util/rng.js';

const draw = (seed: number, n: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

test('same seed gives the same stream, different seeds differ', () => {
  assert.deepEqual(draw(42, 100), draw(42, 100));
  assert.notDeepEqual(draw(42, 100), draw(43, 100));
  const a = createRng(7);
  const b = createRng(7);
  assert.deepEqual([a.int(10), a.normal(), a.normal(), a.next()], [b.int(10), b.normal(), b.normal(), b.next()]);
  assert.deepEqual(a.shuffle([1, 2, 3, 4, 5, 6, 7, 8]), b.shuffle([1, 2, 3, 4, 5, 6, 7, 8]));
});

test('next is in [0, 1) and roughly uniform; int covers its range', () => {
  const rng = createRng(1);
  const bins = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const v = rng.next();
    assert.ok(v >= 0 && v < 1);
    bins[Math.floor(v * 10)]++;
  }
  for (const c of bins) assert.ok(Math.abs(c - 10_000) < 500, `bin count ${c}`);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const k = rng.int(7);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
    seen.add(k);
  }
  assert.equal(seen.size, 7);
  assert.throws(() => rng.int(0), RangeError);
});

test('normal has mean 0 and variance 1', () => {
  const rng = createRng(3);
  let sum = 0;
  let sumSq = 0;
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const v = rng.normal();
    sum += v;
    sumSq += v * v;
  }
  assert.ok(Math.abs(sum / n) < 0.02);
  assert.ok(Math.abs(sumSq / n - 1) < 0.03);
});

test('shuffle is a permutation and works on typed arrays', () => {
  const rng = createRng(5);
  const a = rng.shuffle(Uint32Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual([...a], Array.from({ length: 50 }, (_, i) => i));
});
