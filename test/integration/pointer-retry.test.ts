/**
 * Issue 27.3 and 27.9: a node whose model fetch failed (the bucket was down) tries again with a growing delay and installs the
 * model once the bucket answers, without a new pointer or a reconnect. A bad checksum is final: never tried again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyFleetStats } from '../../src/fleet/fleet-stats.js';
import { writeFleetKeyPair } from '../../src/fleet/keygen.js';
import { packModelVersion } from '../../src/fleet/model-bundle.js';
import { signPointer } from '../../src/fleet/model-pointer.js';
import { createPointerFollower } from '../../src/fleet/pointer-follower.js';
import type { FleetBucket } from '../../src/fleet/s3-bucket.js';
import { createRegistry } from '../../src/registry/registry.js';
import { OBJECTRON_ID } from '../../src/score/backbones/objectron-backbone.js';
import { CatwatchError } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/log.js';
import { bundledModelsDir } from '../../src/util/package-root.js';
import { pollUntil } from '../helpers/poll.js';

function setup(t: { after: (fn: () => void) => void }, body: (bundle: Buffer) => Buffer, backboneId?: string) {
  const root = mkdtempSync(join(tmpdir(), 'cw-retry-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const trainer = createRegistry({ dataDir: join(root, 'trainer'), bundledDir: bundledModelsDir() });
  const bundled = trainer.bundled(OBJECTRON_ID)!;
  const version = trainer.save({ ...bundled.manifest, version: 'fleet-r1', createdAt: new Date().toISOString(), reason: 'retry-test' }, bundled.head);
  const bundle = packModelVersion(trainer, version);
  const keys = writeFleetKeyPair(join(root, 'keys'));
  const pointer = signPointer({ version, url: 's3://fleet/site/models/fleet-r1.json', sha256: createHash('sha256').update(bundle).digest('hex') }, readFileSync(keys.privateKeyPath, 'utf8'));
  let gets = 0;
  let bucketUp = false;
  const bucket = {
    get: async () => {
      gets++;
      if (!bucketUp) throw new CatwatchError('E_FLEET_S3', 'S3 GET of site/models/fleet-r1.json failed: connect ECONNREFUSED');
      return body(bundle);
    },
    close: () => undefined,
  } as unknown as FleetBucket;
  const node = createRegistry({ dataDir: join(root, 'node'), bundledDir: bundledModelsDir() });
  const stats = emptyFleetStats('node');
  const follower = createPointerFollower({ registry: node, dataDir: join(root, 'node'), bucket: () => bucket, bucketName: 'fleet', maxBytes: 64 << 20, publicKeyPem: readFileSync(keys.publicKeyPath, 'utf8'), stats, log: silentLogger(), retryDelayMs: 50, backboneId: () => backboneId });
  t.after(() => follower.stop());
  return { version, node, stats, follower, payload: Buffer.from(JSON.stringify(pointer)), gets: () => gets, up: () => void (bucketUp = true) };
}

test('a model fetch that failed is tried again until the bucket answers, then installed', async (t) => {
  const s = setup(t, (bundle) => bundle);
  s.follower.push(s.payload);
  await s.follower.settled();
  assert.notEqual(s.node.currentVersion(), s.version);
  assert.equal(s.stats.refused, 1);
  assert.equal(s.follower.retryPending(), true);
  await pollUntil('a second try', 5000, () => (s.gets() >= 2 ? true : undefined));
  s.up();
  await pollUntil('the model installed by a retry', 10_000, () => (s.node.currentVersion() === s.version ? true : undefined), () => JSON.stringify(s.stats));
  assert.equal(s.stats.installed, 1);
  assert.equal(s.stats.pointersReceived, 1, 'no new pointer was needed');
});

test('a bad checksum is final: not tried again', async (t) => {
  const s = setup(t, (bundle) => Buffer.concat([bundle, Buffer.from(' ')]));
  s.up();
  s.follower.push(s.payload);
  await s.follower.settled();
  assert.equal(s.stats.refusedChecksum, 1);
  assert.equal(s.follower.retryPending(), false, 'no retry scheduled');
  assert.equal(s.gets(), 1);
});

test('a model for another backbone than the node runs is refused, not installed, not tried again (issue 27.9)', async (t) => {
  const s = setup(t, (bundle) => bundle, 'mobilenetv2-12-int8@83530ad811bc');
  s.up();
  s.follower.push(s.payload);
  await s.follower.settled();
  assert.notEqual(s.node.currentVersion(), s.version);
  assert.equal(s.node.list().some((m) => m.version === s.version), false, 'nothing saved');
  assert.match(s.stats.lastRefusal ?? '', /trained on objectron.*but this node runs mobilenetv2-12-int8/);
  assert.equal(s.follower.retryPending(), false);
});

test('the same model for the backbone the node runs is installed', async (t) => {
  const s = setup(t, (bundle) => bundle, OBJECTRON_ID);
  s.up();
  s.follower.push(s.payload);
  await s.follower.settled();
  assert.equal(s.node.currentVersion(), s.version);
});
