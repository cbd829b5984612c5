/** Trainer side: uploads a registry version as `<prefix>/models/<version>.json` and publishes its signed pointer. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../registry/atomic-write.js';
import type { Registry } from '../registry/registry.js';
import type { Logger } from '../util/log.js';
import { packModelVersion } from './model-bundle.js';
import { s3ModelUrl } from './model-fetch.js';
import { signPointer, type ModelPointer } from './model-pointer.js';
import type { FleetBucket } from './s3-bucket.js';

export interface ModelPublishDeps {
  registry: Registry;
  bucket: FleetBucket;
  bucketName: string;
  signingKeyPem: string;
  pointerTopic: string;
  publishRetained: (topic: string, payload: string) => Promise<void>;
  /** Where the last issuedAtMs is kept (`<dataDir>/fleet/last-issued.json`). */
  lastIssuedPath: string;
  now?: () => number;
  log: Logger;
}

/**
 * The pointer's issuedAtMs: the clock, but always above the last one issued. Nodes refuse a pointer older than the
 * one they follow; a trainer whose clock was once ahead (then corrected) would otherwise issue "old" pointers that
 * every node refuses until someone deletes a file by hand. Kept across restarts.
 */
export function nextIssuedAtMs(path: string, nowMs: number): number {
  let last = 0;
  try {
    if (existsSync(path)) last = Number((JSON.parse(readFileSync(path, 'utf8')) as { issuedAtMs?: unknown }).issuedAtMs) || 0;
  } catch {
    last = 0;
  }
  const issued = Math.max(Math.floor(nowMs), last + 1);
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, `${JSON.stringify({ issuedAtMs: issued })}\n`);
  return issued;
}

export async function publishFleetModel(version: string, deps: ModelPublishDeps): Promise<ModelPointer> {
  const body = packModelVersion(deps.registry, version);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const key = deps.bucket.key(`models/${version}.json`);
  await deps.bucket.put(key, body, 'application/json');
  // Signed only after the upload succeeded: a pointer never names a file that is not there.
  const issuedAtMs = nextIssuedAtMs(deps.lastIssuedPath, (deps.now ?? Date.now)());
  const pointer = signPointer({ version, url: s3ModelUrl(deps.bucketName, key), sha256, issuedAtMs }, deps.signingKeyPem);
  await deps.publishRetained(deps.pointerTopic, JSON.stringify(pointer));
  deps.log.info({ version, sha256, key }, 'fleet model published');
  return pointer;
}
