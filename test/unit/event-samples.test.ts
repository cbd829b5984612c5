import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEventSampler } from '../../src/mine/event-samples.js';

const obs = (timeMs: number, score: number, camera = 'porch') => ({ camera, timeMs, score, threshold: 0.5 });

test('event frames: the first hit of an open event, then one a second, up to the quota; nothing outside events', () => {
  const sampler = createEventSampler<number>(() => ({ perEvent: 3, intervalMs: 1000 }));
  assert.deepEqual(sampler.observe(obs(0, 0.9), 0), [], 'no event open: not an event frame');
  sampler.transition({ type: 'new', id: 'e1', camera: 'porch' });
  const taken: number[] = [];
  for (let t = 100; t <= 6000; t += 200) taken.push(...sampler.observe(obs(t, t === 300 ? 0.2 : 0.8), t).map((c) => c.item));
  assert.deepEqual(taken, [100, 1100, 2100], 'first hit, one a second, 3 per event');
  sampler.transition({ type: 'end', id: 'e1', camera: 'porch' });
  assert.deepEqual(sampler.observe(obs(7000, 0.9), 7000), [], 'event ended');
  sampler.transition({ type: 'new', id: 'e2', camera: 'porch' });
  const [c] = sampler.observe(obs(8000, 0.4), 8000);
  assert.equal(c, undefined, 'a frame under the threshold is not a hit');
  assert.deepEqual(sampler.observe(obs(8200, 0.7), 8200).map((x) => [x.reason, x.item]), [['event', 8200]], 'a new event has a new quota');
  assert.deepEqual(sampler.observe(obs(8200, 0.7, 'garden'), 1), [], 'events are per camera');
  sampler.reset('porch');
  assert.deepEqual(sampler.observe(obs(9500, 0.9), 9500), [], 'reset (reconnect) forgets the open event');
});

test('event frames: a quota of 0 keeps none', () => {
  const sampler = createEventSampler<number>(() => ({ perEvent: 0, intervalMs: 1000 }));
  sampler.transition({ type: 'new', id: 'e1', camera: 'porch' });
  assert.deepEqual(sampler.observe(obs(0, 0.9), 0), []);
});
