/**
 * Training for many nodes, end to end on real parts: two nodes with real sample stores (crops of real photos) upload
 * to an S3-compatible server (test/helpers/fake-s3.ts: no Debian package provides one), the trainer downloads all of
 * them, uploads a model version and publishes its signed pointer retained on a real mosquitto; both nodes verify,
 * fetch (sha256-checked) and make it current. A pointer with a tampered signature or a wrong sha256 is refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFleetStage, type FleetConfig, type FleetStage } from '../../src/fleet/fleet-stage.js';
import { writeFleetKeyPair } from '../../src/fleet/keygen.js';
import { packModelVersion } from '../../src/fleet/model-bundle.js';
import { signPointer } from '../../src/fleet/model-pointer.js';
import { fleetSamplesDir } from '../../src/fleet/sample-download.js';
import { fleetSampleItems } from '../../src/fleet/sample-items.js';
import { decodeImage } from '../../src/image/decode-image.js';
import { resizeRgb } from '../../src/image/resize-rgb.js';
import { createMqttPublisher, type MqttPublisher } from '../../src/publish/mqtt-publisher.js';
import { createOutbox } from '../../src/publish/outbox.js';
import { createRegistry, type Registry } from '../../src/registry/registry.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { createSampleStore, type SampleStore } from '../../src/store/sample-store.js';
import { silentLogger } from '../../src/util/log.js';
import { bundledModelsDir } from '../../src/util/package-root.js';
import { startFakeS3, type FakeS3 } from '../helpers/fake-s3.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { devDataDir, fixturesDir, skipWithoutShared } from '../helpers/paths.js';
import { pollUntil } from '../helpers/poll.js';

const BASE = 'cwfleet';
const TOPIC = `${BASE}/fleet/model`;
const BACKBONE = 'mobilenetv2-12-int8@83530ad811bc';
const POINTER_MAX_BYTES = 16 * 1024;
const log = silentLogger();

interface Member { name: string; dataDir: string; db: Db; store: SampleStore; registry: Registry; publisher: MqttPublisher; stage: FleetStage }

let s3: FakeS3;
let broker: Mosquitto;
let keys: { privateKeyPath: string; publicKeyPath: string };
const members: Member[] = [];
const tempDirs: string[] = [];

function fleetConfig(role: FleetConfig['role']): FleetConfig {
  return {
    role, syncIntervalS: 3600, maxModelMb: 64, trustNodeLabels: false, trainLocally: false,
    s3: { endpoint: s3.endpoint, region: 'us-east-1', bucket: s3.bucket, prefix: 'site1', accessKeyId: 'test-key', secretAccessKey: 'test-secret' },
    ...(role === 'trainer' ? { signingKey: keys.privateKeyPath } : { publicKey: keys.publicKeyPath }),
  };
}

function member(name: string, role: FleetConfig['role']): Member {
  const dataDir = mkdtempSync(join(tmpdir(), `cw-fleet-${name}-`));
  tempDirs.push(dataDir);
  const db = openDatabase(dataDir);
  const store = createSampleStore({ db, dataDir, log });
  const registry = createRegistry({ dataDir, bundledDir: bundledModelsDir() });
  const publisher = createMqttPublisher({ url: broker.url, baseTopic: BASE, nodeId: name, outbox: createOutbox({ db, maxMessages: 100 }), log, reconnectPeriodMs: 200 });
  const stage = createFleetStage({
    config: fleetConfig(role), nodeId: name, dataDir, registry, store, pointerTopic: TOPIC, log,
    subscribe: (topic, onMessage) => publisher.onRetainedState(topic, onMessage, POINTER_MAX_BYTES),
    publishRetained: async (topic, payload) => publisher.publishDurable(topic, payload, { retain: true }),
  });
  const m = { name, dataDir, db, store, registry, publisher, stage };
  members.push(m);
  return m;
}

/** Adds one sample per photo (a 96 px crop of it) and labels them; returns the sample ids. */
async function addSamples(m: Member, photos: Array<{ file: string; label: 'positive' | 'negative' | 'mined' }>): Promise<void> {
  for (const [i, p] of photos.entries()) {
    const img = await decodeImage(p.file);
    const s = await m.store.add({
      camera: 'yard', capturedAtMs: Date.UTC(2026, 11, 1, 12, 0, i), score: 0.4, reason: 'uncertain', modelVersion: null,
      phash: i.toString(16).padStart(16, '0'), crop: resizeRgb(img, 96, 96), frame: resizeRgb(img, 160, 90), embedding: null, backboneId: BACKBONE,
    });
    if (p.label !== 'mined') m.store.label([s.id], p.label);
  }
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const firstPhoto = (sub: string, n = 0): string => join(devDataDir, sub, readdirSync(join(devDataDir, sub)).sort()[n]);

/** A version in `registry` made by the registry's own save: the bundled model under a new version name. */
function saveVersion(registry: Registry, version: string): string {
  const bundled = registry.bundled(BACKBONE);
  assert.ok(bundled, `bundled model for ${BACKBONE} missing from ${bundledModelsDir()}`);
  return registry.save({ ...bundled.manifest, version, createdAt: new Date().toISOString(), reason: 'fleet-test' }, bundled.head);
}

describe('fleet: samples to S3, signed model pointer over MQTT', { skip: skipWithoutShared() }, () => {
  let nodeA: Member;
  let nodeB: Member;
  let trainer: Member;

  before(async () => {
    s3 = await startFakeS3({ bucket: 'catwatch-fleet', accessKeyId: 'test-key', pageSize: 3 });
    broker = await startMosquitto();
    const keyDir = mkdtempSync(join(tmpdir(), 'cw-fleet-keys-'));
    tempDirs.push(keyDir);
    keys = writeFleetKeyPair(keyDir);
    nodeA = member('node-a', 'node');
    nodeB = member('node-b', 'node');
    trainer = member('trainer', 'trainer');
    await addSamples(nodeA, [
      { file: join(fixturesDir, 'chelsea.png'), label: 'positive' }, { file: firstPhoto('cat'), label: 'positive' },
      { file: firstPhoto('notcat/dog'), label: 'negative' }, { file: firstPhoto('notcat/scene'), label: 'mined' },
    ]);
    // Node B holds one crop identical to node A's (chelsea): content-addressed, it is stored once.
    await addSamples(nodeB, [
      { file: join(fixturesDir, 'chelsea.png'), label: 'positive' }, { file: firstPhoto('notcat/person'), label: 'negative' },
      { file: firstPhoto('notcat/object'), label: 'negative' },
    ]);
    for (const m of members) await m.publisher.start();
  });

  after(async () => {
    for (const m of members.reverse()) {
      await m.stage.stop();
      await m.publisher.stop();
      m.db.close();
    }
    await broker?.stop();
    await s3?.close();
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });

  test('both nodes upload their labelled samples, once, content-addressed', async () => {
    await nodeA.stage.syncNow();
    await nodeB.stage.syncNow();
    const crops = [...s3.objects.keys()].filter((k) => k.startsWith('site1/samples/') && k.endsWith('.jpg'));
    // A: 3 labelled (the mined one stays home); B: 3 labelled, one of them A's chelsea crop.
    assert.equal(crops.length, 5);
    for (const k of crops) assert.equal(`site1/samples/${sha256(s3.objects.get(k) ?? Buffer.alloc(0))}.jpg`, k);
    assert.equal(nodeA.stage.stats().samplesUploaded, 3);
    assert.equal(nodeB.stage.stats().samplesUploaded, 2, 'the chelsea crop was in the bucket already');
    const meta = JSON.parse((s3.objects.get(crops[0].replace(/\.jpg$/, '.json')) ?? '').toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(meta).sort(), ['backboneId', 'camera', 'capturedAtMs', 'label', 'node', 'score', 'sha256']);

    const putsBefore = s3.requests.filter((r) => r.method === 'PUT').length;
    await nodeA.stage.syncNow();
    await nodeB.stage.syncNow();
    assert.equal(s3.requests.filter((r) => r.method === 'PUT').length, putsBefore, 'a second round uploads nothing');
  });

  test('an S3 failure is counted and retried next round, never thrown', async () => {
    await addSamples(nodeA, [{ file: firstPhoto('notcat/animal'), label: 'negative' }]);
    s3.refuseAll = true;
    await nodeA.stage.syncNow();
    s3.refuseAll = false;
    assert.equal(nodeA.stage.stats().sampleFailures, 1);
    assert.equal(nodeA.stage.stats().samplesUploaded, 3);
    await nodeA.stage.syncNow();
    assert.equal(nodeA.stage.stats().samplesUploaded, 4);
    assert.equal([...s3.objects.keys()].filter((k) => k.startsWith('site1/samples/') && k.endsWith('.jpg')).length, 6);
  });

  test('the trainer downloads every sample, verified by sha256, usable as training items', async () => {
    await trainer.stage.syncNow();
    const dir = fleetSamplesDir(trainer.dataDir);
    const local = ['positive', 'negative'].flatMap((label) => readdirSync(join(dir, label)).filter((f) => f.endsWith('.jpg')).map((f) => ({ label, f })));
    assert.equal(local.length, 6);
    assert.equal(local.filter((l) => l.label === 'positive').length, 2);
    for (const { label, f } of local) assert.equal(`${sha256(readFileSync(join(dir, label, f)))}.jpg`, f);
    const bucketShas = [...s3.objects.keys()].filter((k) => k.endsWith('.jpg') && k.includes('/samples/')).map((k) => /([0-9a-f]{64})/.exec(k)?.[1]).sort();
    assert.deepEqual(local.map((l) => l.f.slice(0, 64)).sort(), bucketShas);
    const items = fleetSampleItems(dir);
    assert.equal(items.length, 6);
    assert.equal(items.filter((i) => i.label === 1).length, 2);
    assert.ok(items.every((i) => i.confirmed === false), 'another node\'s labels are not confirmed by default (issue 27.4)');
    assert.ok(fleetSampleItems(dir, { trusted: true }).every((i) => i.confirmed === true), 'fleet.trustNodeLabels');
    assert.equal(trainer.stage.stats().samplesDownloaded, 6);
    const gets = () => s3.requests.filter((r) => r.method === 'GET' && r.key.includes('/samples/') && /\.(json|jpg)$/.test(r.key)).length;
    const before = gets();
    await trainer.stage.syncNow();
    assert.equal(trainer.stage.stats().samplesDownloaded, 6, 'nothing downloaded twice');
    assert.equal(gets(), before, 'a second round fetches no sample object at all, only the listing (issue 27.11)');
  });

  test('the trainer publishes a signed pointer; both nodes swap to it (B subscribes after it is retained)', async () => {
    const version = saveVersion(trainer.registry, 'fleet-v1');
    nodeA.stage.start();
    await pollUntil('node A subscribed', 10_000, () => (nodeA.publisher.isConnected() ? true : undefined));
    const pointer = await trainer.stage.publishModel(version);
    assert.match(pointer.url, /^s3:\/\/catwatch-fleet\/site1\/models\/fleet-v1\.json$/);
    assert.equal(sha256(s3.objects.get('site1/models/fleet-v1.json') ?? Buffer.alloc(0)), pointer.sha256);
    await pollUntil('node A on fleet-v1', 20_000, () => (nodeA.registry.currentVersion() === version ? true : undefined), () => JSON.stringify(nodeA.stage.stats()));
    nodeB.stage.start();
    await pollUntil('node B on fleet-v1', 20_000, () => (nodeB.registry.currentVersion() === version ? true : undefined), () => JSON.stringify(nodeB.stage.stats()));
    for (const m of [nodeA, nodeB]) {
      assert.equal(m.registry.loadCurrent(BACKBONE).manifest.version, version);
      assert.deepEqual(m.registry.load(version).head, trainer.registry.load(version).head);
      assert.equal(m.stage.stats().installed, 1);
      assert.equal(m.stage.stats().refused, 0);
    }
  });

  test('a pointer with a tampered signature is refused: nothing installed, counted', async () => {
    const version = saveVersion(trainer.registry, 'fleet-v2');
    const good = await trainer.stage.publishModel(version);
    // The good v2 pointer is installed first; then a forged v3 pointer reuses v2's file with a flipped signature.
    await pollUntil('nodes on fleet-v2', 20_000, () => (nodeA.registry.currentVersion() === version && nodeB.registry.currentVersion() === version ? true : undefined));
    const signature = Buffer.from(good.signature, 'base64');
    signature[10] ^= 0x40;
    const forged = { ...good, version: 'fleet-v3', signature: signature.toString('base64') };
    trainer.publisher.publishDurable(TOPIC, JSON.stringify(forged), { retain: true });
    for (const m of [nodeA, nodeB]) {
      await pollUntil(`${m.name} refuses the forged pointer`, 20_000, () => (m.stage.stats().refusedSignature === 1 ? true : undefined), () => JSON.stringify(m.stage.stats()));
      assert.equal(m.registry.currentVersion(), version);
      assert.equal(existsSync(join(m.dataDir, 'models', 'fleet-v3')), false);
      assert.match(m.stage.stats().lastRefusal ?? '', /signature does not verify/);
    }
  });

  test('a correctly signed pointer with a wrong sha256 is refused: nothing installed, no partial file', async () => {
    const version = saveVersion(trainer.registry, 'fleet-v4');
    // The way main.ts hands it training outcomes: a gate-rejected run is not published, a completed one is.
    trainer.stage.onTrainState({ state: 'rejected', version: 'fleet-v4-rejected' });
    trainer.stage.onTrainState({ state: 'complete', version });
    await pollUntil('nodes on fleet-v4', 20_000, () => (nodeA.registry.currentVersion() === version && nodeB.registry.currentVersion() === version ? true : undefined));
    const bad = signPointer({ version: 'fleet-v5', url: 's3://catwatch-fleet/site1/models/fleet-v4.json', sha256: 'f'.repeat(64) }, readFileSync(keys.privateKeyPath, 'utf8'));
    trainer.publisher.publishDurable(TOPIC, JSON.stringify(bad), { retain: true });
    for (const m of [nodeA, nodeB]) {
      await pollUntil(`${m.name} refuses the wrong sha256`, 20_000, () => (m.stage.stats().refusedChecksum === 1 ? true : undefined), () => JSON.stringify(m.stage.stats()));
      assert.equal(m.registry.currentVersion(), version);
      assert.equal(existsSync(join(m.dataDir, 'models', 'fleet-v5')), false);
      assert.deepEqual(readdirSync(join(m.dataDir, 'fleet', 'models')).filter((f) => f.includes('fleet-v5')), []);
      assert.equal(m.stage.stats().refused, 2);
    }
    assert.equal(trainer.stage.stats().modelsPublished, 3);
    assert.equal(trainer.stage.stats().publishFailures, 0);
  });

  test('a pointer to a plain https-style object URL (public-read bucket) is fetched with the same checks', async () => {
    const version = saveVersion(trainer.registry, 'fleet-v6');
    const body = packModelVersion(trainer.registry, version);
    s3.objects.set('site1/public/fleet-v6.json', body);
    s3.publicRead = true;
    const url = `${s3.endpoint}/${s3.bucket}/site1/public/fleet-v6.json`;
    const pointer = signPointer({ version, url, sha256: sha256(body) }, readFileSync(keys.privateKeyPath, 'utf8'));
    trainer.publisher.publishDurable(TOPIC, JSON.stringify(pointer), { retain: true });
    await pollUntil('nodes on fleet-v6', 20_000, () => (nodeA.registry.currentVersion() === version && nodeB.registry.currentVersion() === version ? true : undefined),
      () => JSON.stringify(nodeA.stage.stats()));
    assert.ok(s3.requests.some((r) => r.method === 'GET' && r.key === 'site1/public/fleet-v6.json'));
    s3.publicRead = false;
  });
  test('an older signed pointer replayed is refused; the same pointer again (a reconnect) does not undo a local rollback', async () => {
    const older = signPointer({ version: 'fleet-v6', url: 'unused', sha256: 'a'.repeat(64), issuedAtMs: 1 }, readFileSync(keys.privateKeyPath, 'utf8'));
    const staleBefore = nodeA.stage.stats().refusedStale;
    trainer.publisher.publishDurable(TOPIC, JSON.stringify(older), { retain: true });
    await pollUntil('the replay refused', 20_000, () => (nodeA.stage.stats().refusedStale > staleBefore ? true : undefined), () => JSON.stringify(nodeA.stage.stats()));
    assert.equal(nodeA.registry.currentVersion(), 'fleet-v6');

    const version = saveVersion(trainer.registry, 'fleet-v7');
    const pointer = await trainer.stage.publishModel(version);
    await pollUntil('node A on fleet-v7', 20_000, () => (nodeA.registry.currentVersion() === version ? true : undefined), () => JSON.stringify(nodeA.stage.stats()));
    nodeA.registry.use('fleet-v6'); // the user rolls back on this node
    const received = nodeA.stage.stats().pointersReceived;
    trainer.publisher.publishDurable(TOPIC, JSON.stringify(pointer), { retain: true });
    await pollUntil('the same pointer received again', 20_000, () => (nodeA.stage.stats().pointersReceived > received ? true : undefined));
    await nodeA.stage.settled();
    assert.equal(nodeA.registry.currentVersion(), 'fleet-v6', 'the local rollback stays');
  });
});
