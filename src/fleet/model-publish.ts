/** Trainer side: uploads a registry version as `<prefix>/models/<version>.json` and publishes its signed pointer. */
import { createHash } from 'node:crypto';
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
  log: Logger;
}

export async function publishFleetModel(version: string, deps: ModelPublishDeps): Promise<ModelPointer> {
  const body = packModelVersion(deps.registry, version);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const key = deps.bucket.key(`models/${version}.json`);
  await deps.bucket.put(key, body, 'application/json');
  // Signed only after the upload succeeded: a pointer never names a file that is not there.
  const pointer = signPointer({ version, url: s3ModelUrl(deps.bucketName, key), sha256 }, deps.signingKeyPem);
  await deps.publishRetained(deps.pointerTopic, JSON.stringify(pointer));
  deps.log.info({ version, sha256, key }, 'fleet model published');
  return pointer;
}
