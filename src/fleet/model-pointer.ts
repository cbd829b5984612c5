/**
 * The fleet's model pointer: `{version, url, sha256, issuedAtMs, signature}`, published retained by the trainer. The
 * signature is Ed25519 over the canonical JSON of the other fields (keys in that fixed order), base64; a node installs
 * a version only when the pointer parses and verifies against the trainer's public key. `issuedAtMs` is signed too,
 * so an old pointer replayed on the topic (a rollback to a weaker model by someone who may publish there) is told
 * from a new one (pointer-follower.ts refuses pointers older than the last it accepted).
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { CatwatchError } from '../util/errors.js';

const pointerFields = {
  version: z.string().regex(/^[\w.-]{1,64}$/).refine((v) => !v.startsWith('.'), 'must not start with a dot'),
  url: z.string().min(1).max(4096),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits'),
  issuedAtMs: z.number().int().positive(),
};
const unsignedSchema = z.strictObject(pointerFields);
const pointerSchema = z.strictObject({ ...pointerFields, signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'expected base64').max(200) });

/** What the trainer signs; `issuedAtMs` defaults to now. */
export type UnsignedPointer = Omit<z.infer<typeof unsignedSchema>, 'issuedAtMs'> & { issuedAtMs?: number };
export type ModelPointer = z.infer<typeof pointerSchema>;

/** The signed bytes: the fields in a fixed order, so signer and verifier agree whatever the JSON looked like. */
function canonicalBytes(p: z.infer<typeof unsignedSchema>): Buffer {
  return Buffer.from(JSON.stringify({ version: p.version, url: p.url, sha256: p.sha256, issuedAtMs: p.issuedAtMs }), 'utf8');
}

function ed25519Key(pem: string | KeyObject, kind: 'private' | 'public'): KeyObject {
  let key: KeyObject;
  try {
    key = typeof pem === 'string' ? (kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem)) : pem;
  } catch (err) {
    throw new CatwatchError('E_FLEET_SIGNATURE', `the fleet ${kind} key is not a PEM key: ${(err as Error).message}; write one with catwatch fleet keygen DIR`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new CatwatchError('E_FLEET_SIGNATURE', `the fleet ${kind} key is ${key.asymmetricKeyType ?? 'unknown'}, expected ed25519 (catwatch fleet keygen DIR)`);
  }
  return key;
}

export function signPointer(pointer: UnsignedPointer, privateKeyPem: string | KeyObject): ModelPointer {
  const parsed = unsignedSchema.safeParse({ ...pointer, issuedAtMs: pointer.issuedAtMs ?? Date.now() });
  if (!parsed.success) throw new CatwatchError('E_FLEET_SIGNATURE', `model pointer cannot be signed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const signature = sign(null, canonicalBytes(parsed.data), ed25519Key(privateKeyPem, 'private')).toString('base64');
  return { ...parsed.data, signature };
}

/** The pointer, typed, when it is well-formed and signed by `publicKeyPem`; else E_FLEET_SIGNATURE saying why. */
export function verifyPointer(pointer: unknown, publicKeyPem: string | KeyObject): ModelPointer {
  const parsed = pointerSchema.safeParse(pointer);
  if (!parsed.success) {
    throw new CatwatchError('E_FLEET_SIGNATURE', `model pointer refused: malformed (${parsed.error.issues.map((i) => `${i.path.join('.') || 'pointer'}: ${i.message}`).join('; ')})`);
  }
  const ok = verify(null, canonicalBytes(parsed.data), ed25519Key(publicKeyPem, 'public'), Buffer.from(parsed.data.signature, 'base64'));
  if (!ok) throw new CatwatchError('E_FLEET_SIGNATURE', `model pointer for version ${parsed.data.version} refused: its signature does not verify with the fleet public key`);
  return parsed.data;
}

/** Parses a pointer message (MQTT payload) and verifies it; anything that is not JSON is refused the same way. */
export function verifyPointerMessage(payload: Buffer | string, publicKeyPem: string | KeyObject): ModelPointer {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString());
  } catch (err) {
    throw new CatwatchError('E_FLEET_SIGNATURE', 'model pointer refused: the message is not JSON', { cause: err });
  }
  return verifyPointer(value, publicKeyPem);
}
