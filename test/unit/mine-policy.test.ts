import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMinePolicy, type Candidate, type MinePolicyOptions } from '../../src/mine/mine-policy.js';

const THRESHOLD = 0.6;

function setup(overrides: Partial<MinePolicyOptions> = {}, deps: { maxPendingPerCamera?: number } = {}) {
  let clock = 1_700_000_000_000;
  const options: MinePolicyOptions = { bandLow: 0.2, maxPerCameraPerHour: 60, dedupBits: 6, ...overrides };
  const policy = createMinePolicy<number>({ options: () => options, now: () => clock, windowMs: 2000, graceMs: 1000, ...deps });
  let seq = 0;
  /** Frames every stepMs (frame time = clock), one score each; returns the candidates decided meanwhile. */
  function play(scores: number[], camera = 'yard', stepMs = 200): Array<Candidate<number>> {
    const out: Array<Candidate<number>> = [];
    for (const score of scores) {
      clock += stepMs;
      out.push(...policy.observe({ camera, timeMs: clock, score, threshold: THRESHOLD }, seq++));
    }
    return out;
  }
  return {
    policy,
    play,
    options,
    advance: (ms: number) => (clock += ms),
    flush: () => policy.flush(),
  };
}

const quiet = (n: number) => Array.from({ length: n }, () => 0.05);

test('an uncertain frame among quiet ones is kept once its window has passed', () => {
  const t = setup();
  assert.deepEqual(t.play([...quiet(5), 0.4]), []);
  // 2 s of later frames at 200 ms: decided by the first frame more than 2 s later.
  const later = t.play(quiet(11));
  assert.equal(later.length, 1);
  assert.equal(later[0].reason, 'uncertain');
  assert.equal(later[0].score, 0.4);
  assert.equal(later[0].item, 5);
});

test('scores below bandLow are never candidates; an empty band when bandLow >= threshold', () => {
  const t = setup();
  assert.deepEqual(t.play([...quiet(5), 0.19, ...quiet(20)]), []);
  const u = setup({ bandLow: 0.7 });
  assert.deepEqual(u.play([...quiet(5), 0.59, 0.5, ...quiet(20)]), []);
});

test('a single positive among scored quiet frames is an isolated positive', () => {
  const t = setup();
  const out = t.play([...quiet(10), 0.9, ...quiet(15)]);
  assert.deepEqual(out.map((c) => [c.reason, c.item]), [['isolated-positive', 10]]);
});

test('a two-frame blip: each positive has one supporter (< 2), both are isolated', () => {
  const t = setup();
  const out = t.play([...quiet(10), 0.9, 0.8, ...quiet(15)]);
  assert.deepEqual(out.map((c) => c.reason), ['isolated-positive', 'isolated-positive']);
});

test('a real sighting is not mined: not its first frame, not its last, not the uncertain frames inside it', () => {
  const t = setup();
  const sighting = [0.7, 0.9, 0.95, 0.4, 0.9, 0.92, 0.88, 0.5, 0.91];
  const out = t.play([...quiet(10), ...sighting, ...quiet(20)]);
  assert.deepEqual(out, []);
  assert.equal(t.policy.pendingCount(), 0);
});

test('the uncertain frame right before a sighting is not mined (decided by the frames after it)', () => {
  const t = setup();
  assert.deepEqual(t.play([...quiet(10), 0.45, 0.8, 0.9, 0.85, ...quiet(20)]), []);
});

test('a positive without scored neighbours (periodic full-frame score of a still scene) is no evidence', () => {
  const t = setup();
  t.play([0.9], 'yard', 10_000);
  t.advance(10_000);
  assert.deepEqual(t.flush(), []);
  assert.equal(t.policy.pendingCount(), 0);
});

test('the clock decides candidates when no later frame comes', () => {
  const t = setup();
  t.play([...quiet(5), 0.3]);
  t.advance(2500);
  assert.deepEqual(t.flush(), [], 'inside window + grace: still waiting');
  t.advance(600);
  const out = t.flush();
  assert.deepEqual(out.map((c) => c.reason), ['uncertain']);
  assert.deepEqual(t.flush(), []);
});

test('cameras are independent: positives on one camera do not support another', () => {
  const t = setup();
  t.play(quiet(5), 'a');
  t.play(quiet(5), 'b');
  t.play([0.9], 'a');
  t.play([0.9, 0.9, 0.9], 'b');
  const out = [...t.play(quiet(15), 'a'), ...t.play(quiet(15), 'b')];
  assert.deepEqual(out.map((c) => [c.camera, c.reason]), [['a', 'isolated-positive']]);
});

test('rate limit: at most maxPerCameraPerHour kept per camera in a sliding hour', () => {
  const t = setup({ maxPerCameraPerHour: 3, dedupBits: 0 });
  const results = [1n, 2n, 3n, 4n].map((h) => t.policy.admit('yard', h));
  assert.deepEqual(results, ['kept', 'kept', 'kept', 'rate-limited']);
  assert.equal(t.policy.admit('porch', 5n), 'kept', 'another camera has its own budget');
  t.advance(30 * 60_000);
  assert.equal(t.policy.admit('yard', 6n), 'rate-limited');
  t.advance(30 * 60_000 + 1);
  assert.equal(t.policy.admit('yard', 7n), 'kept', 'an hour after the first, its slot is free again');
  assert.equal(t.policy.counters().rateLimited, 2);
});

test('a rate-limited camera does not even hold candidates', () => {
  const t = setup({ maxPerCameraPerHour: 0 });
  assert.deepEqual(t.play([...quiet(3), 0.4, ...quiet(20)]), []);
  assert.equal(t.policy.counters().candidates, 0);
});

test('dedup: a hash within dedupBits of a recently kept one is a duplicate; 0 turns dedup off', () => {
  const t = setup({ dedupBits: 6 });
  const base = 0x0f0f_0f0f_0f0f_0f0fn;
  assert.equal(t.policy.admit('yard', base), 'kept');
  assert.equal(t.policy.admit('yard', base ^ 0b11111n), 'duplicate', '5 bits apart');
  assert.equal(t.policy.admit('yard', base ^ 0b111111n), 'kept', '6 bits apart');
  assert.equal(t.policy.admit('porch', base), 'kept', 'dedup is per camera');
  t.options.dedupBits = 0;
  assert.equal(t.policy.admit('yard', base), 'kept');
  assert.equal(t.policy.counters().duplicates, 1);
});

test('undecided candidates per camera are bounded; extras are counted, not held', () => {
  const t = setup({}, { maxPendingPerCamera: 3 });
  t.play([...quiet(3), 0.3, 0.35, 0.3, 0.4, 0.3]);
  assert.equal(t.policy.pendingCount(), 3);
  assert.equal(t.policy.counters().overflow, 2);
});

test('reset forgets a camera’s neighbourhood and undecided candidates', () => {
  const t = setup();
  t.play([...quiet(3), 0.4]);
  t.policy.reset('yard');
  assert.equal(t.policy.pendingCount(), 0);
  assert.deepEqual(t.play(quiet(20)), []);
});
