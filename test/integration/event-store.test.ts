import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore, eventRecord } from '../../src/store/event-store.js';
import { openDatabase } from '../../src/store/database.js';

test('event history: an event is one row through new, update and end; snapshots replace each other, stay under the quota, and old events go', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-events-'));
  const db = openDatabase(dataDir);
  t.after(() => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  let limits = { maxRows: 100, snapshotQuotaMb: 1 };
  const store = createEventStore({ db, dataDir, limits: () => limits });
  const payload = (type: string, score: number, end: number | null) => ({ type, id: '1700000000.abc-yard', camera: 'yard', label: 'cat', start_time: 1_700_000_000, end_time: end, top_score: score, box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 }, model_version: 'v1' });
  store.record(eventRecord(payload('new', 0.7, null)));
  store.record(eventRecord(payload('update', 0.9, null)));
  store.record(eventRecord({ ...payload('end', 0.8, 1_700_000_012), box: null }));
  const [e] = store.list();
  assert.deepEqual({ ...e }, { id: '1700000000.abc-yard', camera: 'yard', label: 'cat', startMs: 1_700_000_000_000, endMs: 1_700_000_012_000, topScore: 0.9, box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 }, modelVersion: 'v1', snapshotFile: null });

  const jpeg = (kb: number) => Buffer.alloc(kb * 1024, 7);
  await store.saveSnapshot(e.id, jpeg(10));
  await store.saveSnapshot(e.id, jpeg(20));
  const withSnapshot = store.get(e.id);
  assert.ok(withSnapshot?.snapshotFile && existsSync(join(dataDir, withSnapshot.snapshotFile)), 'the best snapshot replaces the earlier one');
  for (let i = 1; i <= 5; i++) {
    store.record({ id: `e${i}`, camera: 'porch', label: 'cat', startMs: 1_700_000_100_000 + i * 1000, endMs: null, topScore: 0.8, box: null, modelVersion: 'v1' });
    await store.saveSnapshot(`e${i}`, jpeg(300));
  }
  const kept = store.list({ limit: 100 }).filter((x) => x.snapshotFile !== null).map((x) => x.id);
  assert.deepEqual(kept, ['e5', 'e4', 'e3'], 'under 1 MB of snapshots: the oldest snapshots went (their rows stay)');
  assert.equal(existsSync(join(dataDir, 'events', 'e1.jpg')), false);
  assert.equal(store.list({ camera: 'porch' }).length, 5);
  limits = { maxRows: 2, snapshotQuotaMb: 1 };
  store.prune();
  assert.deepEqual(store.list().map((x) => x.id), ['e5', 'e4'], 'retention: the newest events');
  assert.equal(existsSync(join(dataDir, 'events', 'e3.jpg')), false, 'and their snapshots went with the rows');
});
