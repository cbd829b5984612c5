/**
 * The fleet stage: training for many nodes through one S3-compatible bucket and one retained MQTT topic.
 * - node: every `fleet.syncIntervalS` uploads its labelled samples (sample-upload.ts); follows the retained pointer
 *   topic: a pointer is verified (Ed25519, model-pointer.ts), its model fetched sha256-checked and atomically
 *   (model-fetch.ts), saved to the registry and made current (model-bundle.ts) — the model watcher then swaps to it.
 *   Anything refused is logged and counted; nothing is installed.
 * - trainer: every interval downloads every node's samples (sample-download.ts; `catwatch train` adds them, see
 *   sample-items.ts); a `complete` training state (`onTrainState`) runs `publishModel(version)`: uploads
 *   `<prefix>/models/<version>.json` (model-bundle.ts) and publishes the signed pointer, retained.
 * The MQTT client and the training supervisor are reached through deps callbacks, so this stage imports neither.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Registry } from '../registry/registry.js';
import type { SampleRecord, SampleState } from '../store/sample-rows.js';
import { CatwatchError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { emptyFleetStats, type FleetStats } from './fleet-stats.js';
import type { ModelPointer } from './model-pointer.js';
import { publishFleetModel } from './model-publish.js';
import { createPointerFollower } from './pointer-follower.js';
import { createFleetBucket, type FleetBucket } from './s3-bucket.js';
import { createSampleDownload, fleetSamplesDir } from './sample-download.js';
import { createSampleUpload } from './sample-upload.js';

export type FleetConfig = NonNullable<Config['fleet']>;

export interface FleetStageDeps {
  config: FleetConfig;
  /** This node's id in sample metadata (config.node.id, else the host name). */
  nodeId: string;
  dataDir: string;
  registry: Registry;
  /** The sample store (node role; only `list` is used). */
  store?: { list(options: { state?: SampleState }): SampleRecord[] };
  /** The retained pointer topic, `<base>/fleet/model`. */
  pointerTopic: string;
  /** Node: the backbone it scores with (a pointed model for another backbone is refused). */
  backboneId?: () => string | undefined;
  /** Subscribes to a topic (retained messages delivered); returns an unsubscribe function. Node role. */
  subscribe?: (topic: string, onMessage: (payload: Buffer) => void) => () => void;
  /** Publishes a retained message (QoS 1). Trainer role. */
  publishRetained?: (topic: string, payload: string) => Promise<void>;
  log: Logger;
  /** Default: a client for config.s3. */
  bucket?: FleetBucket;
}

function readKeyFile(path: string | undefined, setting: string): string {
  try {
    return readFileSync(path ?? '', 'utf8');
  } catch (err) {
    throw new CatwatchError('E_CONFIG_INVALID', `${setting}: cannot read the key file ${path ?? '(not set)'} (${(err as Error).message}); catwatch fleet keygen DIR writes a key pair`, { cause: err });
  }
}

/** Trainer: a training that completed (its version is current) is published; a failure is logged and counted, never thrown. */
function publishCompleted(update: { state: string; version?: string }, publish: (version: string) => Promise<ModelPointer>, stats: FleetStats, log: Logger): void {
  const { version } = update;
  if (stats.role !== 'trainer' || update.state !== 'complete' || version === undefined) return;
  publish(version).catch((err: unknown) => {
    stats.publishFailures++;
    log.error({ version, err: (err as Error).message }, 'fleet model publish failed');
  });
}

export function createFleetStage(deps: FleetStageDeps) {
  const log = deps.log.child({ component: 'fleet' });
  const { config } = deps;
  const stats = emptyFleetStats(config.role);
  let bucket: FleetBucket | undefined;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  let follower: ReturnType<typeof createPointerFollower> | undefined;
  let round: Promise<unknown> = Promise.resolve();

  const getBucket = (): FleetBucket => (bucket ??= deps.bucket ?? createFleetBucket(config.s3));

  async function syncRound(): Promise<void> {
    if (config.role === 'node') {
      if (!deps.store) return;
      const r = await createSampleUpload({ bucket: getBucket(), store: deps.store, dataDir: deps.dataDir, nodeId: deps.nodeId, log }).runOnce();
      stats.samplesUploaded += r.uploaded;
      stats.sampleFailures += r.failed;
    } else {
      const r = await createSampleDownload({ bucket: getBucket(), dir: fleetSamplesDir(deps.dataDir), log }).runOnce();
      stats.samplesDownloaded += r.downloaded;
      stats.sampleFailures += r.failed;
    }
  }

  /** One sync round at a time; a round never throws (the upload/download modules log and count). */
  const sync = (): Promise<void> => {
    const next = round.then(syncRound, syncRound);
    round = next;
    return next;
  };

  async function publishModel(version: string): Promise<ModelPointer> {
    if (!deps.publishRetained) throw new CatwatchError('E_USAGE', 'the fleet trainer needs deps.publishRetained to publish the model pointer');
    const pointer = await publishFleetModel(version, {
      registry: deps.registry, bucket: getBucket(), bucketName: config.s3.bucket, signingKeyPem: readKeyFile(config.signingKey, 'fleet.signingKey'),
      pointerTopic: deps.pointerTopic, publishRetained: deps.publishRetained, lastIssuedPath: join(deps.dataDir, 'fleet', 'last-issued.json'), log,
    });
    stats.modelsPublished++;
    return pointer;
  }

  return {
    name: 'fleet',
    /** Detection runs without it: a bucket or key problem is reported, not fatal. */
    critical: false,
    start(): void {
      if (config.role === 'node') {
        const f = createPointerFollower({
          registry: deps.registry, dataDir: deps.dataDir, bucket: getBucket, bucketName: config.s3.bucket, maxBytes: config.maxModelMb * 1024 * 1024,
          publicKeyPem: readKeyFile(config.publicKey, 'fleet.publicKey'), stats, log, backboneId: deps.backboneId,
        });
        follower = f;
        unsubscribe = deps.subscribe?.(deps.pointerTopic, (payload) => f.push(payload));
      }
      timer = setInterval(() => void sync(), config.syncIntervalS * 1000);
      timer.unref();
      void sync();
      log.info({ role: config.role, bucket: config.s3.bucket, intervalS: config.syncIntervalS }, 'fleet started');
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      unsubscribe?.();
      unsubscribe = undefined;
      // Abort what is in flight first: a stalled endpoint must not hold the service past its stop deadline.
      follower?.stop();
      bucket?.close();
      await Promise.allSettled([round, follower?.settled()]);
      bucket = undefined;
    },
    /** Uploads (node) or downloads (trainer) now; resolves when that round ended. */
    syncNow: sync,
    /** Resolves when every pointer received so far has been handled. */
    settled: (): Promise<void> => follower?.settled() ?? Promise.resolve(),
    /** Trainer: uploads `version` from the registry and publishes its signed pointer (retained); throws on failure. */
    publishModel,
    /** Trainer: give it every training state update (the `train-state` bus event); a `complete` one is published. */
    onTrainState: (update: { state: string; version?: string }): void => publishCompleted(update, publishModel, stats, log),
    stats: (): FleetStats => ({ ...stats }),
  };
}

export type FleetStage = ReturnType<typeof createFleetStage>;
