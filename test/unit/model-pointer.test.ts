import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { signPointer, verifyPointer, verifyPointerMessage } from '../../src/fleet/model-pointer.js';
import { isCatwatchError } from '../../src/util/errors.js';

const pem = { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } } as const;
const keys = generateKeyPairSync('ed25519', pem);
const other = generateKeyPairSync('ed25519', pem);
const unsigned = { version: '20261203T090000Z', url: 's3://fleet/catwatch/models/20261203T090000Z.json', sha256: 'a'.repeat(64) };
const refused = (err: unknown) => isCatwatchError(err, 'E_FLEET_SIGNATURE');

test('a signed pointer verifies, whatever the key order of its JSON', () => {
  const pointer = signPointer(unsigned, keys.privateKey);
  assert.deepEqual(verifyPointer(pointer, keys.publicKey), pointer);
  const reordered = JSON.stringify({ signature: pointer.signature, issuedAtMs: pointer.issuedAtMs, sha256: pointer.sha256, url: pointer.url, version: pointer.version });
  assert.deepEqual(verifyPointerMessage(reordered, keys.publicKey), pointer);
});

test('a changed field, a changed signature or another key is refused', () => {
  const pointer = signPointer(unsigned, keys.privateKey);
  const flipped = Buffer.from(pointer.signature, 'base64');
  flipped[0] ^= 1;
  assert.throws(() => verifyPointer({ ...pointer, signature: flipped.toString('base64') }, keys.publicKey), refused);
  assert.throws(() => verifyPointer({ ...pointer, sha256: 'b'.repeat(64) }, keys.publicKey), refused);
  assert.throws(() => verifyPointer({ ...pointer, version: '20261203T090001Z' }, keys.publicKey), refused);
  assert.throws(() => verifyPointer({ ...pointer, url: 'https://evil.example/model.json' }, keys.publicKey), refused);
  assert.throws(() => verifyPointer({ ...pointer, issuedAtMs: pointer.issuedAtMs + 1 }, keys.publicKey), refused, 'the issue time is signed too');
  assert.throws(() => verifyPointer(pointer, other.publicKey), refused);
});

test('malformed pointers are refused with the reason', () => {
  const pointer = signPointer(unsigned, keys.privateKey);
  assert.throws(() => verifyPointerMessage('not json', keys.publicKey), refused);
  assert.throws(() => verifyPointer({ ...pointer, extra: 1 }, keys.publicKey), refused);
  assert.throws(() => verifyPointer({ ...pointer, version: '../../etc' }, keys.publicKey), /version/);
  assert.throws(() => verifyPointer({ ...pointer, sha256: 'XYZ' }, keys.publicKey), /sha256/);
  assert.throws(() => verifyPointer({ version: pointer.version }, keys.publicKey), refused);
  assert.throws(() => verifyPointer(pointer, 'not a pem'), refused);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024, ...pem });
  assert.throws(() => verifyPointer(pointer, rsa.publicKey), /expected ed25519/);
  assert.throws(() => signPointer({ ...unsigned, sha256: 'short' }, keys.privateKey), refused);
});
