/**
 * Node side of the model pointer: verify (Ed25519), skip if already current, fetch the model sha256-checked and
 * atomically, install it in the registry and make it current (as `catwatch models use` does; the model watcher then
 * swaps the scorer to it). Every refusal is logged and counted in `stats`; nothing is installed. One pointer at a time.
 * A fetch that failed for a reason that may pass (the network, the bucket) is tried again with a growing delay until
 * it works or a newer pointer arrives; a bad signature, checksum or an old pointer is not.
 */
import type { Registry } from '../registry/registry.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../registry/atomic-write.js';
import { CatwatchError, isCatwatchError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { FleetStats } from './fleet-stats.js';
import { installModelBundle } from './model-bundle.js';
import { fetchPointedModel } from './model-fetch.js';
import { verifyPointerMessage, type ModelPointer } from './model-pointer.js';
import type { FleetBucket } from './s3-bucket.js';

export interface PointerFollowerDeps {
  registry: Registry;
  dataDir: string;
  bucket: () => FleetBucket;
  bucketName: string;
  maxBytes: number;
  publicKeyPem: string;
  /** Mutated: pointersReceived, installed, refused*, lastRefusal, pointerVersion. */
  stats: FleetStats;
  log: Logger;
  /** The backbone this node scores with (undefined while unknown): a model for another one is refused. */
  backboneId?: () => string | undefined;
  /** First delay before a failed fetch is tried again (doubling up to 10 minutes). */
  retryDelayMs?: number;
}

const MAX_RETRY_DELAY_MS = 600_000;
/** Refusals that another try cannot change. */
const FINAL_REFUSALS = ['E_FLEET_SIGNATURE', 'E_PULL_CHECKSUM', 'E_FLEET_STALE', 'E_FLEET_BACKBONE', 'E_USAGE'] as const;

/** The last pointer this node accepted, kept across restarts (a file written atomically); unreadable = none. */
function createAcceptedPointer(path: string): { read(): { version: string; issuedAtMs: number } | undefined; write(p: ModelPointer): void } {
  return {
    read() {
      if (!existsSync(path)) return undefined;
      try {
        const value = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown; issuedAtMs?: unknown };
        return typeof value.version === 'string' && typeof value.issuedAtMs === 'number' ? { version: value.version, issuedAtMs: value.issuedAtMs } : undefined;
      } catch {
        return undefined;
      }
    },
    write: (p) => writeFileAtomic(path, `${JSON.stringify({ version: p.version, issuedAtMs: p.issuedAtMs })}\n`),
  };
}

export function createPointerFollower(deps: PointerFollowerDeps) {
  const { stats, log } = deps;
  let chain: Promise<void> = Promise.resolve();
  let retry: { timer: NodeJS.Timeout; payload: Buffer; delayMs: number } | undefined;
  let stopped = false;

  function scheduleRetry(payload: Buffer): void {
    const delayMs = retry?.payload === payload ? Math.min(MAX_RETRY_DELAY_MS, retry.delayMs * 2) : (deps.retryDelayMs ?? 30_000);
    const timer = setTimeout(() => {
      if (retry?.timer === timer) chain = chain.then(() => follow(payload, true));
    }, delayMs);
    timer.unref();
    retry = { timer, payload, delayMs };
    log.info({ retryInS: delayMs / 1000 }, 'model fetch will be tried again');
  }

  function refuse(err: unknown, version: string | undefined): void {
    stats.refused++;
    if (isCatwatchError(err, 'E_FLEET_SIGNATURE')) stats.refusedSignature++;
    if (isCatwatchError(err, 'E_PULL_CHECKSUM')) stats.refusedChecksum++;
    if (isCatwatchError(err, 'E_FLEET_STALE')) stats.refusedStale++;
    stats.lastRefusal = (err as Error).message;
    log.warn({ version, code: isCatwatchError(err) ? err.code : undefined, err: (err as Error).message }, 'model pointer refused');
  }

  const accepted = createAcceptedPointer(join(deps.dataDir, 'fleet', 'last-pointer.json'));

  async function follow(payload: Buffer, isRetry = false): Promise<void> {
    if (stopped || (isRetry && retry?.payload !== payload)) return;
    if (!isRetry) {
      stats.pointersReceived++;
      if (retry) clearTimeout(retry.timer);
      retry = undefined;
    }
    let pointer: ModelPointer | undefined;
    try {
      pointer = verifyPointerMessage(payload, deps.publicKeyPem);
      const last = accepted.read();
      if (last && pointer.issuedAtMs < last.issuedAtMs) {
        throw new CatwatchError('E_FLEET_STALE', `model pointer for version ${pointer.version} refused: issued ${new Date(pointer.issuedAtMs).toISOString()}, before the one this node follows (${last.version}, ${new Date(last.issuedAtMs).toISOString()}): a replayed old pointer`);
      }
      // The same pointer again (the retained message at every reconnect): applied once, so a local rollback stays.
      const seen = last?.issuedAtMs === pointer.issuedAtMs && last.version === pointer.version;
      if (!seen && deps.registry.currentVersion() !== pointer.version) {
        const path = await fetchPointedModel(pointer, { dataDir: deps.dataDir, bucket: deps.bucket(), bucketName: deps.bucketName, maxBytes: deps.maxBytes, log });
        installModelBundle(deps.registry, path, pointer.version, deps.backboneId?.());
        stats.installed++;
        log.info({ version: pointer.version }, 'fleet model installed');
      }
      if (!seen) accepted.write(pointer);
      stats.pointerVersion = pointer.version;
      retry = undefined;
    } catch (err) {
      refuse(err, pointer?.version);
      if (pointer && !stopped && !FINAL_REFUSALS.some((code) => isCatwatchError(err, code))) scheduleRetry(payload);
    }
  }

  return {
    /** Queues a pointer message (MQTT payload); never throws. */
    push(payload: Buffer): void {
      chain = chain.then(() => follow(payload));
    },
    /** Resolves when every pointer pushed so far has been handled. */
    settled: (): Promise<void> => chain,
    /** A failed fetch is waiting to be tried again. */
    retryPending: (): boolean => retry !== undefined,
    /** No more retries. */
    stop(): void {
      stopped = true;
      if (retry) clearTimeout(retry.timer);
      retry = undefined;
    },
  };
}
