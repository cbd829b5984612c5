/**
 * Trainer side: copies every fleet sample from the bucket into `<dir>/<label>/<sha256>.jpg` (+ `.json`), where
 * `<dir>` is `<dataDir>/fleet/samples` by default. Training reads them like any folder of photos:
 * `<dir>/negative` is a `train.negatives` folder (subcategory "negative"), and `fleetSampleItems` (sample-items.ts)
 * gives them as labelled store-like items with node, camera and capture time. A crop whose bytes do not hash to its
 * key is skipped (and counted), never written; files already there are not fetched again.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../registry/atomic-write.js';
import type { Logger } from '../util/log.js';
import { boundedMap } from './bounded-map.js';
import { FLEET_LABELS, fleetSampleMetaSchema, samplesKeyPart } from './sample-meta.js';
import type { FleetBucket } from './s3-bucket.js';

/** A sample's metadata is a few hundred bytes and its crop a small JPEG: larger objects are not samples. */
const SAMPLE_META_MAX_BYTES = 64 * 1024;
const SAMPLE_CROP_MAX_BYTES = 4 * 1024 * 1024;

export interface SampleDownloadDeps {
  bucket: FleetBucket;
  /** The local folder the samples go to (`<dataDir>/fleet/samples`). */
  dir: string;
  log: Logger;
  concurrency?: number;
}

export interface DownloadRound {
  downloaded: number;
  alreadyLocal: number;
  /** Metadata that does not parse, or a crop that does not match its sha256. */
  rejected: number;
  failed: number;
}

export function fleetSamplesDir(dataDir: string): string {
  return join(dataDir, 'fleet', 'samples');
}

/** Keys refused once (bad metadata, a crop that does not match): never fetched again. */
const REJECTED_FILE = 'rejected-keys.txt';

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function createSampleDownload(deps: SampleDownloadDeps) {
  const log = deps.log.child({ component: 'fleet-download' });
  const rejectedPath = join(deps.dir, REJECTED_FILE);
  let rejected: Set<string> | undefined;
  const rejectedKeys = (): Set<string> => (rejected ??= new Set(existsSync(rejectedPath) ? readFileSync(rejectedPath, 'utf8').split('\n').filter(Boolean) : []));
  // The sample's sha256 is in its key: a sample already here costs no request at all.
  const isLocal = (sha: string): boolean => FLEET_LABELS.some((label) => existsSync(join(deps.dir, label, `${sha}.jpg`)));

  function reject(metaKey: string, why: string): 'rejected' {
    log.warn({ key: metaKey }, why);
    rejectedKeys().add(metaKey);
    mkdirSync(deps.dir, { recursive: true });
    appendFileSync(rejectedPath, `${metaKey}\n`);
    return 'rejected';
  }

  async function fetchOne(metaKey: string): Promise<keyof DownloadRound> {
    const sha = /([0-9a-f]{64})\.json$/.exec(metaKey)?.[1];
    if (sha === undefined || rejectedKeys().has(metaKey)) return 'rejected';
    if (isLocal(sha)) return 'alreadyLocal';
    const parsed = fleetSampleMetaSchema.safeParse(parseJson(await deps.bucket.get(metaKey, SAMPLE_META_MAX_BYTES)));
    if (!parsed.success || parsed.data.sha256 !== sha) return reject(metaKey, 'fleet sample metadata refused');
    const labelDir = join(deps.dir, parsed.data.label);
    const cropPath = join(labelDir, `${sha}.jpg`);
    if (existsSync(cropPath)) return 'alreadyLocal';
    const crop = await deps.bucket.get(metaKey.replace(/\.json$/, '.jpg'), SAMPLE_CROP_MAX_BYTES);
    if (createHash('sha256').update(crop).digest('hex') !== sha) return reject(metaKey, 'fleet sample crop does not match its sha256, skipped');
    mkdirSync(labelDir, { recursive: true });
    // Metadata first: a crop on disk always has its metadata beside it.
    writeFileAtomic(join(labelDir, `${sha}.json`), `${JSON.stringify(parsed.data)}\n`);
    writeFileAtomic(cropPath, crop);
    return 'downloaded';
  }

  return {
    /** One round over the whole bucket listing. Never throws. */
    async runOnce(): Promise<DownloadRound> {
      const round: DownloadRound = { downloaded: 0, alreadyLocal: 0, rejected: 0, failed: 0 };
      try {
        const keys = (await deps.bucket.list(deps.bucket.key(samplesKeyPart))).filter((k) => k.endsWith('.json'));
        await boundedMap(keys, deps.concurrency ?? 4, async (key) => {
          try {
            round[await fetchOne(key)]++;
          } catch (err) {
            round.failed++;
            log.warn({ key, err: (err as Error).message }, 'fleet sample download failed, retrying next round');
          }
        });
      } catch (err) {
        log.error({ err: (err as Error).message }, 'fleet sample listing failed');
      }
      if (round.downloaded + round.rejected + round.failed > 0) log.info(round, 'fleet samples downloaded');
      return round;
    },
  };
}
