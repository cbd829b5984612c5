import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventQuery } from '../../src/web/ui/overview-routes.js';

const q = (query: string) => eventQuery(new URL(`http://localhost/api/events?${query}`));
const status = (fn: () => unknown) => {
  try {
    fn();
    return 200;
  } catch (err) {
    return (err as { status?: number }).status ?? 500;
  }
};

test('event list queries: limit and since are checked (issue 27.10: limit=1.5 answered 500, limit=-1 every row)', () => {
  assert.deepEqual(q(''), { camera: undefined, sinceMs: undefined, limit: 200 });
  assert.equal(q('limit=5&camera=yard').limit, 5);
  assert.equal(q('since=2026-12-07T00:00:00Z').sinceMs, Date.parse('2026-12-07T00:00:00Z'));
  for (const bad of ['limit=1.5', 'limit=-1', 'limit=0', 'limit=1001', 'limit=abc', 'since=yesterday']) assert.equal(status(() => q(bad)), 400, bad);
});
