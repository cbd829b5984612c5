/**
 * A full disk while events are being published (issue 15): SQLite's `max_page_count` makes the database full, the
 * way a full file system does (SQLITE_FULL). Events must be held in memory, reported, and delivered to a real
 * mosquitto in their order once space returns; the database must stay intact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { createMqttPublisher } from '../../src/publish/mqtt-publisher.js';
import { createOutbox } from '../../src/publish/outbox.js';
import { openDatabase } from '../../src/store/database.js';
import { silentLogger } from '../../src/util/log.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { pollUntil } from '../helpers/poll.js';

const event = (n: number): string => JSON.stringify({ n, padding: 'x'.repeat(20_000) });

test('disk full: events are held in memory and reported, no throw; once space returns they are stored and delivered in order', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-disk-full-'));
  const db = openDatabase(dataDir);
  t.after(() => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const broker = await startMosquitto();
  t.after(() => broker.stop());
  const received: number[] = [];
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  t.after(() => client.endAsync());
  await client.subscribeAsync('cwfull/events', { qos: 1 });
  client.on('message', (_topic, payload) => received.push((JSON.parse(payload.toString()) as { n: number }).n));

  const outbox = createOutbox({ db, maxMessages: 1000 });
  // The broker is not connected yet: everything waits in the outbox.
  outbox.push('cwfull/events', event(1));
  const pages = (db.pragma('page_count', { simple: true }) as number);
  db.pragma(`max_page_count = ${pages}`);
  for (let n = 2; n <= 6; n++) outbox.push('cwfull/events', event(n));
  assert.match(String(outbox.storageError()), /full/i);
  assert.ok(outbox.heldInMemory() >= 4, `held ${outbox.heldInMemory()}`);
  assert.equal(outbox.depth(), 6);

  // Space returns; the publisher connects and drains: stored first, then the held ones, in order.
  db.pragma('max_page_count = 1073741823');
  const publisher = createMqttPublisher({ url: broker.url, baseTopic: 'cwfull', outbox, log: silentLogger(), reconnectPeriodMs: 200 });
  await publisher.start();
  t.after(() => publisher.stop());
  publisher.publishDurable('cwfull/events', event(7));
  await pollUntil('all 7 events delivered', 10_000, async () => (received.length >= 7 ? received : undefined));
  assert.deepEqual(received, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(outbox.storageError(), undefined);
  assert.equal(outbox.heldInMemory(), 0);
  await pollUntil('the outbox to empty', 5000, async () => (outbox.depth() === 0 ? true : undefined));
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
});

test('disk full for good: memory stays bounded (oldest held dropped and counted), the database stays intact', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-disk-full-'));
  const db = openDatabase(dataDir);
  try {
    const outbox = createOutbox({ db, maxMessages: 100_000 });
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    for (let n = 0; n < 1500; n++) outbox.push('cwfull/events', event(n));
    assert.equal(outbox.heldInMemory(), 1000);
    assert.ok(outbox.droppedCount() >= 500);
    const [first] = outbox.peek(1);
    assert.ok((JSON.parse(first.payload.toString()) as { n: number }).n >= 500, 'the oldest were the ones dropped');
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
