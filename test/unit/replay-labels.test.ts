import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadReplayLabels, scoreClip } from '../../src/replay/replay-labels.js';
import { isCatwatchError } from '../../src/util/errors.js';

test('a visit is detected by an overlapping event; an event overlapping no visit is a false event', () => {
  const visits: Array<[number, number]> = [[4, 9], [30, 40]];
  const events: Array<[number, number]> = [[4.4, 12.6], [20, 25], [28, 31]];
  const s = scoreClip(events, visits, 3600);
  assert.deepEqual(s, { visits: 2, detectedVisits: 2, recall: 1, falseEvents: 1, falseEventsPerHour: 1, timeToFirstDetectionS: [0.4, 0] });
  assert.deepEqual(scoreClip([], visits, 60).recall, 0);
  assert.deepEqual(scoreClip([[1, 2]], [], 360), { visits: 0, detectedVisits: 0, recall: null, falseEvents: 1, falseEventsPerHour: 10, timeToFirstDetectionS: [] });
});

test('the labels file: YAML or JSON, every problem named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-labels-'));
  const good = join(dir, 'good.yml');
  writeFileSync(good, 'a.mp4: [[1, 2.5]]\nb.mp4: []\n');
  assert.deepEqual(loadReplayLabels(good), { 'a.mp4': [[1, 2.5]], 'b.mp4': [] });
  const bad = join(dir, 'bad.yml');
  writeFileSync(bad, 'a.mp4: [[3, 2]]\nb.mp4: "soon"\n');
  assert.throws(() => loadReplayLabels(bad), (err) => isCatwatchError(err, 'E_REPLAY_LABELS') && err.details.some((d) => /a\.mp4.*ends after it starts/.test(d)) && err.details.some((d) => /b\.mp4/.test(d)));
  const broken = join(dir, 'broken.yml');
  writeFileSync(broken, 'a.mp4: [[1, 2]\n');
  assert.throws(() => loadReplayLabels(broken), (err) => isCatwatchError(err, 'E_REPLAY_LABELS'));
  assert.throws(() => loadReplayLabels(join(dir, 'missing.yml')), (err) => isCatwatchError(err, 'E_REPLAY_LABELS') && /missing\.yml/.test((err as Error).message));
});
