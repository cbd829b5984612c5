import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegionTracks, DEFAULT_TRACK_OPTIONS, iou, type Detection } from '../../src/events/region-tracks.js';

const det = (x: number, y: number, score = 0.5, size = 0.1): Detection => ({ box: { x, y, w: size, h: size }, score });
const FRAME_MS = 200;

test('iou of boxes: same, disjoint, half overlap', () => {
  const a = { x: 0, y: 0, w: 0.2, h: 0.2 };
  assert.equal(iou(a, a), 1);
  assert.equal(iou(a, { x: 0.5, y: 0.5, w: 0.2, h: 0.2 }), 0);
  assert.ok(Math.abs(iou(a, { x: 0.1, y: 0, w: 0.2, h: 0.2 }) - 1 / 3) < 1e-9);
});

test('an object moving steadily keeps one track, with its hits and score history', () => {
  const tracks = createRegionTracks();
  let id: number | undefined;
  for (let i = 0; i < 10; i++) {
    const [u] = tracks.update(i * FRAME_MS, [det(0.1 + i * 0.03, 0.4, 0.5 + i * 0.01)]);
    id ??= u.track.id;
    assert.equal(u.track.id, id, `frame ${i} continues the track`);
  }
  const [t] = tracks.live();
  assert.equal(t.hits, 10);
  assert.equal(t.scores.length, DEFAULT_TRACK_OPTIONS.historyLength, 'the history is bounded');
  assert.ok(Math.abs(t.bestScore - 0.59) < 1e-9);
});

test('two objects crossing keep their own tracks (the motion model carries each through the crossing)', () => {
  const tracks = createRegionTracks();
  const ids = { left: new Set<number>(), right: new Set<number>() };
  for (let i = 0; i <= 12; i++) {
    // One goes right, the other left, at the same height; they cross at i = 6.
    const a = det(0.1 + i * 0.05, 0.4, 0.9);
    const b = det(0.7 - i * 0.05, 0.42, 0.2);
    for (const u of tracks.update(i * FRAME_MS, [a, b])) (u.detection === a ? ids.left : ids.right).add(u.track.id);
  }
  assert.equal(ids.left.size, 1, 'the left-to-right object has one track');
  assert.equal(ids.right.size, 1, 'the right-to-left object has one track');
  assert.notDeepEqual([...ids.left], [...ids.right]);
});

test('a short occlusion keeps the track; a track unseen for maxGapMs dies and the object is born again with a new id', () => {
  const tracks = createRegionTracks({ ...DEFAULT_TRACK_OPTIONS, maxGapMs: 1000 });
  const first = tracks.update(0, [det(0.3, 0.3)])[0].track.id;
  tracks.update(200, [det(0.31, 0.3)]);
  // Hidden for 600 ms (under the gap): the same track.
  assert.equal(tracks.update(800, [det(0.32, 0.3)])[0].track.id, first);
  // Hidden for 1.5 s: gone, and the same place is a new track.
  const again = tracks.update(2300, [det(0.32, 0.3)])[0].track.id;
  assert.notEqual(again, first);
  assert.equal(tracks.live().length, 1, 'the old track was dropped');
});

test('overlapping detections of one frame (full frame and motion region on the same animal) are one detection', () => {
  const tracks = createRegionTracks();
  const updates = tracks.update(0, [det(0.3, 0.3, 0.4), det(0.31, 0.3, 0.8)]);
  assert.equal(updates.length, 1);
  assert.equal(updates[0].detection.score, 0.8, 'the higher score is kept');
});

test('live tracks are bounded per camera', () => {
  const tracks = createRegionTracks({ ...DEFAULT_TRACK_OPTIONS, maxTracks: 4 });
  for (let i = 0; i < 10; i++) tracks.update(i, [det((i % 10) * 0.09, (i % 3) * 0.3, 0.1, 0.05)]);
  assert.equal(tracks.live().length, 4);
});
