import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { createSampleCommandHandler } from '../../src/mine/sample-command.js';
import { createMqttPublisher } from '../../src/publish/mqtt-publisher.js';
import { createOutbox } from '../../src/publish/outbox.js';
import type { SampleSetPayload } from '../../src/publish/topics.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { openDatabase } from '../../src/store/database.js';
import { createSampleStore, type SampleStore } from '../../src/store/sample-store.js';
import { silentLogger } from '../../src/util/log.js';
import { cropRgb } from '../../src/image/resize-rgb.js';
import { runCli } from '../helpers/cli.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { fixturesDir } from '../helpers/paths.js';

/** A data folder with `n` mined samples, as the service leaves it. */
async function seededStore(t: { after: (fn: () => void) => void }, n: number): Promise<{ dataDir: string; store: SampleStore; ids: number[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-samples-cli-'));
  const db = openDatabase(dataDir);
  t.after(() => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const store = createSampleStore({ db, dataDir, log: silentLogger() });
  const frame = await decodeImage(join(fixturesDir, 'chelsea.png'));
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const crop = cropRgb(frame, { x: i * 20, y: 10, w: 96, h: 96 });
    const r = await store.add({ camera: 'yard', capturedAtMs: Date.UTC(2024, 0, 2, 3, 4, i), score: 0.35, reason: 'uncertain', modelVersion: 'v1', phash: '0'.repeat(16), crop, frame, embedding: null, backboneId: null });
    ids.push(r.id);
  }
  return { dataDir, store, ids };
}

test('samples list, label and export through the CLI', async (t) => {
  const { dataDir, store, ids } = await seededStore(t, 3);
  const list = await runCli(['samples', 'list', '--data-dir', dataDir, '--json'], { timeoutMs: 15_000 });
  assert.equal(list.code, 0, list.stderr);
  const listed = JSON.parse(list.stdout) as { total: number; samples: Array<{ id: number; state: string; cropPath: string }> };
  assert.equal(listed.total, 3);
  assert.deepEqual(listed.samples.map((s) => s.id), [...ids].reverse());
  assert.ok(listed.samples.every((s) => s.state === 'mined' && existsSync(s.cropPath)));

  const label = await runCli(['samples', 'label', String(ids[0]), String(ids[2]), 'negative', '--data-dir', dataDir], { timeoutMs: 15_000 });
  assert.equal(label.code, 0, label.stderr);
  assert.match(label.stdout, /2 samples labelled negative/);
  assert.deepEqual(store.list().map((s) => s.state), ['negative', 'mined', 'negative']);

  const text = await runCli(['samples', 'list', '--state', 'negative', '--data-dir', dataDir], { timeoutMs: 15_000 });
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.stdout.trim().split('\n').length, 2);
  assert.match(text.stdout, /negative\s+yard\s+2024-01-02 03:04:0\d/);

  const out = mkdtempSync(join(tmpdir(), 'cw-samples-export-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const exported = await runCli(['samples', 'export', out, '--data-dir', dataDir], { timeoutMs: 15_000 });
  assert.equal(exported.code, 0, exported.stderr);
  assert.ok(existsSync(join(out, 'negative', `${ids[0]}.jpg`)));
  assert.ok(existsSync(join(out, 'mined', `${ids[1]}.jpg`)));
  assert.equal((JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { samples: unknown[] }).samples.length, 3);
});

test('samples label refuses unknown ids (exit 1, nothing labelled) and unknown states (exit 2)', async (t) => {
  const { dataDir, store, ids } = await seededStore(t, 1);
  const unknown = await runCli(['samples', 'label', String(ids[0]), '4242', 'positive', '--data-dir', dataDir], { timeoutMs: 15_000 });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /E_STORE: no sample with id 4242/);
  assert.equal(store.get(ids[0])?.state, 'mined');
  const badState = await runCli(['samples', 'label', String(ids[0]), 'maybe', '--data-dir', dataDir], { timeoutMs: 15_000 });
  assert.equal(badState.code, 2);
  assert.match(badState.stderr, /E_USAGE/);
  const empty = await runCli(['samples', 'list', '--data-dir', join(dataDir, 'nothing-here')], { timeoutMs: 15_000 });
  assert.equal(empty.code, 0);
  assert.match(empty.stdout, /no samples yet/);
});

test('<base>/samples/set on a real mosquitto labels a sample; bad payloads are ignored', async (t) => {
  const { dataDir, store, ids } = await seededStore(t, 2);
  const broker = await startMosquitto();
  t.after(() => broker.stop());
  const db = openDatabase(dataDir);
  t.after(() => db.close());
  const publisher = createMqttPublisher({ url: broker.url, baseTopic: 'cwtest', outbox: createOutbox({ db, maxMessages: 100 }), log: silentLogger(), reconnectPeriodMs: 200 });
  const labelled: SampleSetPayload[] = [];
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push((JSON.parse(line) as { msg: string }).msg) });
  publisher.onCommand(publisher.topics.samplesSet, createSampleCommandHandler({ store, log, onLabelled: (p) => labelled.push(p) }));
  const connected = new Promise<void>((resolve) => publisher.onConnect(resolve));
  await publisher.start();
  t.after(() => publisher.stop());
  await connected;

  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  t.after(() => client.endAsync());
  const send = (payload: string) => client.publishAsync('cwtest/samples/set', payload, { qos: 1 });
  const until = async (done: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  // The subscription may still be on its way: repeat the (idempotent) command until it lands.
  while (labelled.length === 0) {
    await send(JSON.stringify({ id: ids[1], label: 'positive' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (labelled.length === 0 && warnings.length > 0) throw new Error(warnings.join('; '));
  }
  assert.deepEqual(labelled[0], { id: ids[1], label: 'positive' });
  assert.equal(store.get(ids[1])?.state, 'positive');

  // Subscribed now: every bad payload reaches the handler, is logged and changes nothing; the next good one works.
  const bad = ['not json', '{"id": "x", "label": "negative"}', `{"id": ${ids[0]}, "label": "cat"}`, '{"id": 4242, "label": "negative"}'];
  for (const payload of bad) await send(payload);
  await send(JSON.stringify({ id: ids[1], label: 'rejected' }));
  await until(() => store.get(ids[1])?.state === 'rejected', 'the label after the bad payloads');
  assert.equal(store.get(ids[0])?.state, 'mined', 'the bad payloads changed nothing');
  assert.deepEqual(warnings, [
    'samples/set payload ignored: not JSON',
    'samples/set payload ignored: expected {"id": N, "label": "negative|positive|rejected|mined"}',
    'samples/set payload ignored: expected {"id": N, "label": "negative|positive|rejected|mined"}',
    'samples/set for an unknown sample ignored',
  ]);
});
