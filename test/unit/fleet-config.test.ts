import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../src/config/schema.js';
import { writeFleetKeyPair } from '../../src/fleet/keygen.js';
import { isCatwatchError } from '../../src/util/errors.js';

const s3 = { endpoint: 'http://127.0.0.1:9000', bucket: 'catwatch-fleet', accessKeyId: 'k', secretAccessKey: 's' };

test('fleet is off by default and gets its defaults when given', () => {
  assert.equal(configSchema.parse({}).fleet, undefined);
  const fleet = configSchema.parse({ fleet: { s3, publicKey: '/etc/catwatch/fleet-public.pem' } }).fleet;
  assert.equal(fleet?.role, 'node');
  assert.equal(fleet?.syncIntervalS, 300);
  assert.equal(fleet?.s3.prefix, 'catwatch');
  assert.equal(fleet?.s3.region, 'us-east-1');
});

test('a trainer needs a signing key, a node a public key, and the bucket settings are checked', () => {
  const issues = (fleet: unknown) => {
    const r = configSchema.safeParse({ fleet });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  assert.match(issues({ s3, role: 'trainer' }).join('\n'), /fleet\.signingKey: a trainer needs fleet\.signingKey/);
  assert.match(issues({ s3 }).join('\n'), /fleet\.publicKey: a node needs fleet\.publicKey/);
  assert.match(issues({ s3: { ...s3, endpoint: 'ftp://x' }, publicKey: '/k' }).join('\n'), /fleet\.s3\.endpoint/);
  assert.match(issues({ s3: { ...s3, bucket: 'Not_A_Bucket' }, publicKey: '/k' }).join('\n'), /fleet\.s3\.bucket/);
  assert.match(issues({ s3: { ...s3, extra: 1 }, publicKey: '/k' }).join('\n'), /extra/);
});

test('keygen writes an Ed25519 pair, the private key 0600, and never overwrites one', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-keygen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const paths = writeFleetKeyPair(join(dir, 'keys'));
  assert.equal(statSync(paths.privateKeyPath).mode & 0o777, 0o600);
  assert.equal(createPrivateKey(readFileSync(paths.privateKeyPath)).asymmetricKeyType, 'ed25519');
  assert.equal(createPublicKey(readFileSync(paths.publicKeyPath)).asymmetricKeyType, 'ed25519');
  const before = readFileSync(paths.privateKeyPath, 'utf8');
  assert.throws(() => writeFleetKeyPair(join(dir, 'keys')), (err) => isCatwatchError(err, 'E_USAGE') && /exists already/.test(err.message));
  assert.equal(readFileSync(paths.privateKeyPath, 'utf8'), before);
});
