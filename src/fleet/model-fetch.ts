/**
 * Fetches the model file a verified pointer names into `<dataDir>/fleet/models/<version>.json` with the registry's
 * pull code (sha256-checked, atomic rename; a mismatch deletes it and installs nothing). The URL is http(s) (a public
 * or presigned object URL), a local file path, or `s3://<bucket>/<key>` of the fleet's own bucket, read with the
 * node's credentials into a temp file first.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pullVerifiedFile } from '../registry/pull-model.js';
import { CatwatchError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { ModelPointer } from './model-pointer.js';
import type { FleetBucket } from './s3-bucket.js';

export interface ModelFetchDeps {
  dataDir: string;
  bucket: FleetBucket;
  bucketName: string;
  maxBytes: number;
  log: Logger;
}

export function s3ModelUrl(bucketName: string, key: string): string {
  return `s3://${bucketName}/${key}`;
}

export async function fetchPointedModel(pointer: ModelPointer, deps: ModelFetchDeps): Promise<string> {
  const dir = join(deps.dataDir, 'fleet', 'models');
  const path = join(dir, `${pointer.version}.json`);
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(pointer.url);
  if (s3 === null) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pointer.url) && !/^https?:\/\//i.test(pointer.url)) {
      throw new CatwatchError('E_USAGE', `model pointer URL ${pointer.url.slice(0, 100)} is neither http(s), s3:// nor a file path`);
    }
    await pullVerifiedFile({ source: pointer.url, path, sha256: pointer.sha256, maxBytes: deps.maxBytes, log: deps.log });
    return path;
  }
  if (s3[1] !== deps.bucketName) {
    throw new CatwatchError('E_FLEET_S3', `model pointer names bucket ${s3[1]}, not the fleet bucket ${deps.bucketName}: nothing fetched`);
  }
  await mkdir(dir, { recursive: true });
  const staged = join(dir, `.${pointer.version}.s3`);
  try {
    // The bucket refuses an object over the limit before and while reading it.
    const body = await deps.bucket.get(s3[2], deps.maxBytes);
    await writeFile(staged, body);
    await pullVerifiedFile({ source: staged, path, sha256: pointer.sha256, maxBytes: deps.maxBytes, log: deps.log });
  } finally {
    await rm(staged, { force: true });
  }
  return path;
}
