import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sumRemoteStats, type TimedRemoteStats } from '../../src/score/score-pool.js';

const report = (up: boolean, atMs: number, requests: number): TimedRemoteStats => ({
  up, state: up ? 'up' : 'down', server: 'gpu-1:8000/catwatch_objectron', requests, failures: up ? 0 : 1, fallbackBatches: up ? 0 : 1, atMs, ...(up ? {} : { reason: 'connect ECONNREFUSED' }),
});

test('inference-server link: the newest worker report decides, so an idle worker that once saw it down does not keep it down (issue 27.8)', () => {
  const stale = sumRemoteStats([report(false, 1000, 3), report(true, 5000, 40)]);
  assert.equal(stale?.up, true);
  assert.equal(stale?.reason, undefined);
  assert.equal(stale?.requests, 43, 'counters are summed');
  const fresh = sumRemoteStats([report(true, 1000, 3), report(false, 5000, 40)]);
  assert.equal(fresh?.up, false);
  assert.match(fresh?.reason ?? '', /ECONNREFUSED/);
  assert.equal(sumRemoteStats([]), undefined);
});
