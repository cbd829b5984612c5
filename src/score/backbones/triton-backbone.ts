/**
 * The offline default backbone (objectron) scored on a remote GPU: a KServe v2 / NVIDIA Triton server that runs the
 * export of `catwatch models export-triton`. Crops are resized exactly as locally, each embed() call is one request
 * (the server's dynamic batching merges the workers' concurrent requests), and the raw outputs go through the local
 * post-processing, so the numbers, and the backbone id, are the local backbone's: trained heads and the embedding
 * cache stay valid whichever side scored.
 *
 * The local objectron backbone stands by: a batch the server fails (timeout, 5xx, connection refused, protocol
 * error) is scored locally, so no region is lost, and the server rests for `retryAfterMs`; then it is checked again
 * (ready, same export) before it gets batches. A server that serves another model is refused the same way.
 */
import type { Logger } from '../../util/log.js';
import { errorMessage, isCatwatchError } from '../../util/errors.js';
import type { Config } from '../../config/schema.js';
import type { Backbone, BackboneOutput } from '../../model/backbone.js';
import { createKserveClient } from '../triton/kserve-client.js';
import { createObjectronRemote, type ObjectronRemote } from '../triton/objectron-remote.js';
import {
  OBJECTRON_EMBEDDING_DIM, OBJECTRON_INPUT_PX, objectronPixels, readObjectronAssets, summariseObjectron,
} from './objectron-assets.js';
import { createObjectronBackbone, OBJECTRON_ID, type ObjectronBackboneDeps } from './objectron-backbone.js';

export type TritonSettings = NonNullable<Config['model']['triton']>;

export interface TritonBackboneDeps {
  readonly log: Logger;
  readonly triton: TritonSettings;
  /** How the local objectron backbone runs (engine, providers, threads). */
  readonly local?: Omit<ObjectronBackboneDeps, 'log' | 'model'>;
  /** Builds the local backbone, on first need; default createObjectronBackbone. */
  readonly createLocal?: () => Promise<Backbone>;
  /** Clock in ms for the retry delay; default Date.now. */
  readonly now?: () => number;
}

/**
 * - `starting`: not checked yet; `up`: batches go to the server; `down`: it failed, batches score locally until the
 *   retry; `refused`: it serves another model (not the export of this backbone), checked again at each retry.
 */
export type TritonState = 'starting' | 'up' | 'down' | 'refused';

export interface TritonStats {
  /** True while batches go to the server. */
  readonly up: boolean;
  readonly state: TritonState;
  /** `<url> <model>@<version>`, credentials removed. */
  readonly server: string;
  /** Batches sent to the server (one request each; more when a batch exceeds the served max_batch_size). */
  readonly requests: number;
  /** Failed server calls: inference requests and checks (ready, metadata, config). */
  readonly failures: number;
  /** embed() calls scored by the local backbone. */
  readonly fallbackBatches: number;
  /** Why the server is not in use; absent while up. */
  readonly reason?: string;
  /** Bodies sent to and received from the server, in bytes. */
  readonly requestBytes: number;
  readonly responseBytes: number;
}

export interface TritonBackbone extends Backbone {
  /** Counters and state of the server link, for stats and health. Cheap; a fresh object each call. */
  tritonStats(): TritonStats;
}

interface Link {
  state: TritonState;
  retryAtMs: number;
  reason?: string;
  requests: number;
  failures: number;
  fallbackBatches: number;
}

export async function createTritonBackbone(deps: TritonBackboneDeps): Promise<TritonBackbone> {
  const { triton } = deps;
  const now = deps.now ?? Date.now;
  const client = createKserveClient({ url: triton.url, timeoutMs: triton.timeoutMs });
  const remote = createObjectronRemote({ client, model: triton.model, version: triton.version, backboneId: OBJECTRON_ID });
  const log = deps.log.child({ backbone: 'triton', server: remote.server });
  const { targetClass } = await readObjectronAssets();
  const link: Link = { state: 'starting', retryAtMs: 0, requests: 0, failures: 0, fallbackBatches: 0 };
  const local = lazyLocal(deps.createLocal ?? (() => createObjectronBackbone({ ...deps.local, log: deps.log })));
  const guard = createServerGuard({ remote, link, log, now, retryAfterMs: triton.retryAfterMs });
  if (!(await guard.usable())) await local.get(); // ready to score before the first batch
  let closed = false;
  log.info({ state: link.state, timeoutMs: triton.timeoutMs, retryAfterMs: triton.retryAfterMs }, 'backbone loaded');

  const embedRemote = async (pixels: Uint8Array[]): Promise<BackboneOutput[] | undefined> => {
    if (!(await guard.usable())) return undefined;
    link.requests++;
    try {
      const raw = await remote.run(pixels);
      return raw.map((r) => summariseObjectron(r, targetClass));
    } catch (err) {
      guard.failed(err);
      return undefined;
    }
  };
  return {
    id: OBJECTRON_ID,
    get runtime() {
      const fallback = local.current();
      return link.state !== 'up' && fallback ? `${fallback.runtime} (triton fallback)` : remote.runtime;
    },
    embeddingDim: OBJECTRON_EMBEDDING_DIM,
    hasPrior: true,
    async embed(images) {
      if (closed) throw new Error('triton backbone used after close()');
      if (images.length === 0) return [];
      const pixels = objectronPixels(images);
      const served = await embedRemote(pixels);
      if (served) return served;
      link.fallbackBatches++;
      const fallback = await local.get();
      return fallback.embed(pixels.map((data) => ({ data, width: OBJECTRON_INPUT_PX, height: OBJECTRON_INPUT_PX })));
    },
    remoteStats: () => tritonStatsOf(link, remote),
    tritonStats: () => tritonStatsOf(link, remote),
    async close() {
      if (closed) return;
      closed = true;
      await local.close();
      log.info('backbone closed');
    },
  };
}

function tritonStatsOf(link: Link, remote: ObjectronRemote): TritonStats {
  return {
    up: link.state === 'up', state: link.state, server: remote.server, requests: link.requests, failures: link.failures,
    fallbackBatches: link.fallbackBatches, ...(link.reason === undefined ? {} : { reason: link.reason }), ...remote.traffic,
  };
}

interface ServerGuardDeps {
  readonly remote: ObjectronRemote;
  readonly link: Link;
  readonly log: Logger;
  readonly now: () => number;
  readonly retryAfterMs: number;
}

/** When the server may get a batch, and the transitions between up, down and refused (each logged once). */
function createServerGuard(deps: ServerGuardDeps): { usable(): Promise<boolean>; failed(err: unknown): void } {
  const { link, log } = deps;
  let checking: Promise<boolean> | undefined;
  const failed = (err: unknown): void => {
    link.failures++;
    const next: TritonState = isCatwatchError(err, 'E_TRITON_MODEL_MISMATCH') ? 'refused' : 'down';
    link.reason = errorMessage(err);
    link.retryAtMs = deps.now() + deps.retryAfterMs;
    if (link.state !== next) {
      const fields = { reason: link.reason, retryAfterMs: deps.retryAfterMs };
      if (next === 'refused') log.error(fields, 'triton model refused, scoring locally');
      else log.warn(fields, 'triton server unavailable, scoring locally');
    }
    link.state = next;
  };
  const check = async (): Promise<boolean> => {
    try {
      await deps.remote.verify();
    } catch (err) {
      failed(err);
      return false;
    }
    if (link.state === 'down' || link.state === 'refused') log.info({ after: link.reason }, 'triton server back');
    else log.info('triton server in use');
    link.state = 'up';
    link.reason = undefined;
    return true;
  };
  return {
    usable() {
      if (link.state === 'up') return Promise.resolve(true);
      if (deps.now() < link.retryAtMs) return Promise.resolve(false);
      // One check at a time: concurrent batches wait for it rather than each probing the server.
      checking ??= check().finally(() => (checking = undefined));
      return checking;
    },
    failed,
  };
}

/** The local backbone, built once on first need (a failed build is retried at the next need). */
function lazyLocal(create: () => Promise<Backbone>): { get(): Promise<Backbone>; current(): Backbone | undefined; close(): Promise<void> } {
  let pending: Promise<Backbone> | undefined;
  let built: Backbone | undefined;
  return {
    get() {
      pending ??= create().then(
        (backbone) => (built = backbone),
        (err: unknown) => {
          pending = undefined;
          throw err;
        },
      );
      return pending;
    },
    current: () => built,
    async close() {
      // A build still in progress is waited for, so its session is released too.
      const backbone = await pending?.catch(() => undefined);
      await backbone?.close();
    },
  };
}
