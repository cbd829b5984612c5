import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCameraEvents, type Transition } from '../../src/events/camera-events.js';
import { median, trackEvidence } from '../../src/events/track-decision.js';
import type { Detection } from '../../src/events/region-tracks.js';
import { rng } from '../helpers/synthetic-frames.js';

const CONFIG = { minHits: 3, windowFrames: 5, quietPeriodS: 2, maxEventS: 600, trackMaxGapS: 6 };
const THRESHOLD = 0.9;
const at = (x: number, score: number): Detection => ({ box: { x, y: 0.4, w: 0.1, h: 0.1 }, score });

function run(frames: Array<Detection[]>, frameMs = 200) {
  const events = createCameraEvents(CONFIG, 'cam', { newId: () => 'e1' });
  const out: Transition[] = [];
  frames.forEach((detections, i) => out.push(...events.observe({ atMs: i * frameMs, detections, threshold: THRESHOLD, mode: 'day' })));
  return { out, events };
}

test('median and track evidence: undefined until minHits, then the median of the last windowFrames', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(trackEvidence({ hits: 2, scores: [0.99, 0.99] }, CONFIG), undefined);
  assert.equal(trackEvidence({ hits: 7, scores: [0.1, 0.1, 0.95, 0.2, 0.2, 0.97, 0.1] }, CONFIG), 0.2);
  // A young track counts its missing frames as 0: 2 hot of 3 is not enough, 3 of 3 is.
  assert.equal(trackEvidence({ hits: 3, scores: [0.99, 0.99, 0.1] }, CONFIG), 0.1);
  assert.equal(trackEvidence({ hits: 3, scores: [0.97, 0.99, 0.98] }, CONFIG), 0.97);
});

test('a single hot frame never starts an event, nor do two hot frames among cold ones', () => {
  const cold = (x: number) => [at(x, 0.1)];
  assert.equal(run([cold(0.3), [at(0.3, 0.999)], cold(0.3), cold(0.3), cold(0.3), cold(0.3)]).out.length, 0);
  assert.equal(run([[at(0.3, 0.99)], [at(0.3, 0.99)], cold(0.3), cold(0.3), cold(0.3), cold(0.3), cold(0.3)]).out.length, 0);
});

test('hot frames from different places are different tracks: IR noise flickering around the frame starts nothing', () => {
  const random = rng(7);
  const frames = Array.from({ length: 20 }, () => [{ ...at(0, 0.97), box: { x: random() * 0.9, y: random() * 0.9, w: 0.05, h: 0.05 } }]);
  assert.equal(run(frames).out.length, 0);
});

test('a steady cat starts one event within minHits frames, carrying its track id; it ends after the quiet period', () => {
  const cat = (i: number) => [at(0.2 + i * 0.01, 0.97)];
  const frames = [...Array.from({ length: 10 }, (_, i) => cat(i)), ...Array.from({ length: 15 }, () => [])];
  const { out } = run(frames);
  const news = out.filter((t) => t.type === 'new');
  assert.equal(news.length, 1);
  assert.equal(news[0].event.startMs, 2 * 200, 'started on the third frame (minHits 3)');
  assert.equal(typeof news[0].event.trackId, 'number');
  assert.equal(news[0].event.mode, 'day');
  const end = out.find((t) => t.type === 'end');
  assert.ok(end && end.event.endMs !== null && end.event.endMs >= 9 * 200 + CONFIG.quietPeriodS * 1000);
});

test('a dog beside a cat: the event follows the confirmed (cat) track and the dog never starts a second one', () => {
  const frames = Array.from({ length: 12 }, (_, i) => [at(0.1 + i * 0.01, 0.97), at(0.7 - i * 0.01, 0.6)]);
  const { out } = run(frames);
  assert.equal(out.filter((t) => t.type === 'new').length, 1);
  assert.ok(out.every((t) => (t.event.box?.x ?? 0) < 0.5), 'every transition carries the cat\'s box');
});

test('the threshold of the frame decides: the same track under a higher (night) threshold starts nothing', () => {
  const events = createCameraEvents(CONFIG, 'cam');
  const out: Transition[] = [];
  for (let i = 0; i < 10; i++) out.push(...events.observe({ atMs: i * 200, detections: [at(0.3, 0.93)], threshold: 0.95, mode: 'night' }));
  assert.equal(out.length, 0);
});
