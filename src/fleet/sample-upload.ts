/**
 * Node side: uploads the samples a person labelled (negative or positive) to the shared bucket, content-addressed by
 * the sha256 of the crop JPEG: `<prefix>/samples/<sha256>.jpg` then `<sha256>.json` (the metadata last, so a listed
 * .json always has its crop). Uploaded sample ids are appended to `<dataDir>/fleet/uploaded-ids`; a crop already in
 * the bucket (same bytes from another run) is not sent again (HEAD first). A failed sample is logged and retried
 * next round; a round never throws.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SampleRecord, SampleState } from '../store/sample-rows.js';
import type { Logger } from '../util/log.js';
import { boundedMap } from './bounded-map.js';
import { FLEET_LABELS, samplesKeyPart, type FleetSampleMeta } from './sample-meta.js';
import type { FleetBucket } from './s3-bucket.js';

export interface SampleUploadDeps {
  bucket: FleetBucket;
  /** The sample store (only `list` is used). */
  store: { list(options: { state?: SampleState }): SampleRecord[] };
  dataDir: string;
  nodeId: string;
  log: Logger;
  /** Uploads in flight at once (default 4). */
  concurrency?: number;
}

export interface UploadRound {
  uploaded: number;
  alreadyPresent: number;
  failed: number;
}

export function uploadedIdsFile(dataDir: string): string {
  return join(dataDir, 'fleet', 'uploaded-ids');
}

function readUploadedIds(file: string): Set<number> {
  if (!existsSync(file)) return new Set();
  return new Set(readFileSync(file, 'utf8').split('\n').filter((l) => /^\d+$/.test(l)).map(Number));
}

export function createSampleUpload(deps: SampleUploadDeps) {
  const log = deps.log.child({ component: 'fleet-upload' });
  const idsFile = uploadedIdsFile(deps.dataDir);
  let uploadedIds: Set<number> | undefined;

  async function uploadOne(sample: SampleRecord, label: FleetSampleMeta['label']): Promise<'uploaded' | 'present'> {
    const crop = await readFile(join(deps.dataDir, sample.cropFile));
    const sha256 = createHash('sha256').update(crop).digest('hex');
    const base = deps.bucket.key(`${samplesKeyPart}${sha256}`);
    const meta: FleetSampleMeta = {
      sha256, node: deps.nodeId, camera: sample.camera, label, capturedAtMs: sample.capturedAtMs, backboneId: sample.backboneId, score: sample.score,
    };
    const present = await deps.bucket.exists(`${base}.json`);
    if (!present) {
      await deps.bucket.put(`${base}.jpg`, crop, 'image/jpeg');
      await deps.bucket.put(`${base}.json`, `${JSON.stringify(meta)}\n`, 'application/json');
    }
    mkdirSync(dirname(idsFile), { recursive: true });
    appendFileSync(idsFile, `${sample.id}\n`);
    uploadedIds?.add(sample.id);
    return present ? 'present' : 'uploaded';
  }

  return {
    /** One round: every labelled sample not uploaded yet. Never throws. */
    async runOnce(): Promise<UploadRound> {
      const round: UploadRound = { uploaded: 0, alreadyPresent: 0, failed: 0 };
      try {
        uploadedIds ??= readUploadedIds(idsFile);
        const done = uploadedIds;
        const todo = FLEET_LABELS.flatMap((label) => deps.store.list({ state: label }).filter((s) => !done.has(s.id)).map((s) => ({ s, label })));
        await boundedMap(todo, deps.concurrency ?? 4, async ({ s, label }) => {
          try {
            if ((await uploadOne(s, label)) === 'uploaded') round.uploaded++;
            else round.alreadyPresent++;
          } catch (err) {
            round.failed++;
            log.warn({ sample: s.id, err: (err as Error).message }, 'sample upload failed, retrying next round');
          }
        });
      } catch (err) {
        log.error({ err: (err as Error).message }, 'sample upload round failed');
      }
      if (round.uploaded + round.failed > 0) log.info(round, 'samples uploaded');
      return round;
    },
  };
}
