/**
 * Issue 27.2: a bucket endpoint that accepts connections and never answers must not keep the fleet stage (and so
 * `catwatch run`) from stopping within its deadline: stop() aborts what is in flight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFleetStage } from '../../src/fleet/fleet-stage.js';
import { createFleetBucket } from '../../src/fleet/s3-bucket.js';
import { writeFleetKeyPair } from '../../src/fleet/keygen.js';
import { createRegistry } from '../../src/registry/registry.js';
import { openDatabase } from '../../src/store/database.js';
import { createSampleStore } from '../../src/store/sample-store.js';
import { bundledModelsDir } from '../../src/util/package-root.js';
import { silentLogger } from '../../src/util/log.js';
import { isCatwatchError } from '../../src/util/errors.js';

async function hungServer(t: { after: (fn: () => Promise<void> | void) => void }): Promise<{ url: string; connections: () => number }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, connections: () => sockets.length };
}

const s3 = (endpoint: string) => ({ endpoint, region: 'us-east-1', bucket: 'catwatch-fleet', prefix: 'catwatch', accessKeyId: 'id', secretAccessKey: 'secret' });

test('a hung S3 endpoint: the node stage stops within a second, its sync round aborted', async (t) => {
  const hung = await hungServer(t);
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-hung-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const db = openDatabase(dataDir);
  t.after(() => db.close());
  const log = silentLogger();
  const store = createSampleStore({ db, dataDir, log });
  // One labelled sample, so the node's sync round has something to upload.
  const pixels = { data: new Uint8Array(96 * 96 * 3).fill(128), width: 96, height: 96 };
  const sample = await store.add({ camera: 'yard', capturedAtMs: Date.UTC(2026, 11, 1), score: 0.4, reason: 'uncertain', modelVersion: null, phash: '0'.repeat(16), crop: pixels, frame: pixels, embedding: null, backboneId: 'b@1' });
  store.label([sample.id], 'negative');
  const stage = createFleetStage({
    config: { role: 'node', s3: s3(hung.url), publicKey: writeFleetKeyPair(join(dataDir, 'keys')).publicKeyPath, syncIntervalS: 300, maxModelMb: 1, trustNodeLabels: false, trainLocally: false },
    nodeId: 'n1', dataDir, registry: createRegistry({ dataDir, bundledDir: bundledModelsDir() }), store,
    pointerTopic: 'x/fleet/model', log,
  });
  stage.start();
  const deadline = Date.now() + 10_000;
  while (hung.connections() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(hung.connections() > 0, 'the sync round reached the endpoint');
  const started = Date.now();
  await stage.stop();
  assert.ok(Date.now() - started < 1000, `stop took ${Date.now() - started} ms`);
});

test('a hung S3 endpoint: a request fails after the bucket\'s request timeout, naming the key', async (t) => {
  const hung = await hungServer(t);
  const bucket = createFleetBucket(s3(hung.url), { requestTimeoutMs: 300 });
  t.after(() => bucket.close());
  await assert.rejects(bucket.get('catwatch/models/v1.json', 1024), (err) => isCatwatchError(err, 'E_FLEET_S3') && /GET of catwatch\/models\/v1\.json failed/.test((err as Error).message));
});
