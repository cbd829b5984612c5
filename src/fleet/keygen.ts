/** An Ed25519 key pair for the fleet's model pointer: `fleet-signing.pem` (private, mode 0600) and `fleet-public.pem`. */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CatwatchError } from '../util/errors.js';

export const SIGNING_KEY_FILE = 'fleet-signing.pem';
export const PUBLIC_KEY_FILE = 'fleet-public.pem';

export function writeFleetKeyPair(dir: string): { privateKeyPath: string; publicKeyPath: string } {
  const privateKeyPath = join(dir, SIGNING_KEY_FILE);
  const publicKeyPath = join(dir, PUBLIC_KEY_FILE);
  for (const path of [privateKeyPath, publicKeyPath]) {
    if (existsSync(path)) throw new CatwatchError('E_USAGE', `${path} exists already: refusing to overwrite a fleet key (nodes trust its public half); move it away first`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(privateKeyPath, privateKey, { mode: 0o600, flag: 'wx' });
  writeFileSync(publicKeyPath, publicKey, { mode: 0o644, flag: 'wx' });
  return { privateKeyPath, publicKeyPath };
}
