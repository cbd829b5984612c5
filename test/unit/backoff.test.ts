import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackoff } from '../../src/ingest/backoff.js';

/** A repeating sequence of "random" numbers. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

test('full jitter: uniform below an exponential ceiling, capped', () => {
  const b = createBackoff({ initialMs: 100, maxMs: 1000, healthyResetMs: 10_000, jitter: 'full', random: () => 0.999999 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => b.next()), [100, 200, 400, 800, 1000, 1000]);
  const half = createBackoff({ initialMs: 100, maxMs: 1000, healthyResetMs: 10_000, jitter: 'full', random: () => 0.5 });
  assert.deepEqual([1, 2, 3].map(() => half.next()), [50, 100, 200]);
});

test('decorrelated jitter: never below initialMs, never above maxMs, grows from the previous delay', () => {
  const top = createBackoff({ initialMs: 100, maxMs: 2000, healthyResetMs: 10_000, random: () => 1 });
  assert.deepEqual([1, 2, 3, 4, 5].map(() => top.next()), [300, 900, 2000, 2000, 2000]);
  const low = createBackoff({ initialMs: 100, maxMs: 2000, healthyResetMs: 10_000, random: () => 0 });
  assert.deepEqual([1, 2, 3].map(() => low.next()), [100, 100, 100]);
  const mixed = createBackoff({ initialMs: 100, maxMs: 2000, healthyResetMs: 10_000, random: sequence(0.3, 0.9, 0.1, 0.7) });
  for (let i = 0; i < 50; i += 1) {
    const d = mixed.next();
    assert.ok(d >= 100 && d <= 2000, `delay ${d} out of range`);
  }
});

test('a run healthy for healthyResetMs starts the sequence over; a shorter one does not', () => {
  const b = createBackoff({ initialMs: 100, maxMs: 10_000, healthyResetMs: 5000, jitter: 'full', random: () => 0.999999 });
  b.next();
  b.next();
  assert.equal(b.next(4999), 400);
  assert.equal(b.attempts(), 3);
  assert.equal(b.next(5000), 100);
  assert.equal(b.attempts(), 1);
  b.reset();
  assert.equal(b.attempts(), 0);
  assert.equal(b.next(), 100);
});

test('many failures do not overflow the cap', () => {
  const b = createBackoff({ initialMs: 1000, maxMs: 30_000, healthyResetMs: 30_000, jitter: 'full', random: () => 0.5 });
  let last = 0;
  for (let i = 0; i < 5000; i += 1) last = b.next();
  assert.equal(last, 15_000);
});

test('rejects nonsensical bounds', () => {
  assert.throws(() => createBackoff({ initialMs: 0, maxMs: 10, healthyResetMs: 1 }), RangeError);
  assert.throws(() => createBackoff({ initialMs: 100, maxMs: 10, healthyResetMs: 1 }), RangeError);
});

test('equal jitter: between half and all of an exponential ceiling, capped', () => {
  const values = [0, 0.5, 0.999, 0.25, 0.75, 0.1, 0.9, 0.3];
  let i = 0;
  const backoff = createBackoff({ initialMs: 1000, maxMs: 8000, healthyResetMs: 5000, jitter: 'equal', random: () => values[i++ % values.length] });
  const delays = Array.from({ length: 8 }, () => backoff.next());
  const ceilings = [1000, 2000, 4000, 8000, 8000, 8000, 8000, 8000];
  delays.forEach((d, k) => {
    assert.ok(d >= ceilings[k] / 2 && d <= ceilings[k], `attempt ${k}: ${d} ms outside [${ceilings[k] / 2}, ${ceilings[k]}]`);
  });
  assert.equal(backoff.next(5000), 500, 'a healthy run starts over at half the first ceiling (random 0)');
});
