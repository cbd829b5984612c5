/**
 * The mine stage: sees every scored frame (beside the events stage), lets the policy pick candidate hard negatives,
 * hashes the survivors for dedup and hands them to the sample store. `observe` runs on the scoring path and never
 * waits: JPEG encoding and the durable writes happen in a small bounded queue, and a candidate that finds the queue
 * full is dropped and counted. After each write the disk quota is enforced.
 */
import type { Config } from '../config/schema.js';
import type { ScoredFrame } from '../score/score-stage.js';
import type { Logger } from '../util/log.js';
import type { SampleStore } from '../store/sample-store.js';
import type { NewSample, SampleRecord } from '../store/sample-rows.js';
import { createMinePolicy, type Candidate, type ScoreObservation } from './mine-policy.js';
import { createEventSampler, type EventSampleOptions, type EventTransition } from './event-samples.js';
import { dHash, hashToHex } from './perceptual-hash.js';
import { createSerialQueue } from '../util/serial-queue.js';

export interface MineStageDeps {
  config: () => Config;
  store: SampleStore;
  log: Logger;
  onMined?: (sample: SampleRecord) => void;
  now?: () => number;
  /** Candidates waiting for the store; more are dropped. */
  queueMax?: number;
  /** How long stop() waits for queued writes. */
  stopWaitMs?: number;
  /** How often undecided candidates are checked against the clock. */
  flushIntervalMs?: number;
}

interface Job { candidate: Candidate<ScoredFrame>; phash: string }

export interface MineStats { mined: number; dropped: number; failed: number; queued: number; pending: number; duplicates: number; rateLimited: number }

function newSample({ candidate, phash }: Job): NewSample {
  const scored = candidate.item;
  return {
    camera: candidate.camera,
    capturedAtMs: candidate.timeMs,
    score: candidate.score,
    reason: candidate.reason,
    modelVersion: scored.model.version,
    phash,
    crop: scored.crop ?? scored.frame,
    frame: scored.frame,
    embedding: scored.embedding,
    backboneId: scored.model.backboneId,
    prior: scored.parts.prior,
    box: scored.box,
  };
}

/** Event frames are taken one a second: frames of one second are near-duplicates. */
export function eventSampleOptions(config: Config): EventSampleOptions {
  return { perEvent: config.mine.enabled ? config.mine.eventSamples : 0, intervalMs: 1000 };
}

/** What the mining rules see of a scored frame. */
export function observation(scored: ScoredFrame): ScoreObservation {
  return { camera: scored.frame.camera, timeMs: scored.frame.capturedAtMs, score: scored.score, threshold: scored.model.threshold };
}

export function createMineStage(deps: MineStageDeps) {
  const log = deps.log.child({ component: 'mine' });
  const now = deps.now ?? Date.now;
  const queueMax = deps.queueMax ?? 4;
  const policy = createMinePolicy<ScoredFrame>({ options: () => deps.config().mine, now });
  const eventSampler = createEventSampler<ScoredFrame>(() => eventSampleOptions(deps.config()));
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let mined = 0;
  let dropped = 0;
  let failed = 0;
  /** Why the last sample could not be stored (a full disk), until one is stored again: reported on /healthz. */
  let storeError: string | undefined;

  async function write(job: Job): Promise<void> {
    const record = await deps.store.add(newSample(job));
    mined++;
    storeError = undefined;
    log.debug({ id: record.id, camera: record.camera, reason: record.reason, score: record.score }, 'sample mined');
    deps.store.enforceQuota(deps.config().mine.quotaMb);
    deps.onMined?.(record);
  }

  const queue = createSerialQueue<Job>(queueMax, write, (job, err) => {
    failed++;
    storeError = (err as Error).message;
    log.warn({ camera: job.candidate.camera, err: (err as Error).message }, 'storing a mined sample failed');
  });

  function consider(candidates: Array<Candidate<ScoredFrame>>): void {
    for (const candidate of candidates) {
      // Full queue first: a dropped candidate must not use up a slot of the rate limit or shadow a later duplicate.
      if (queue.waiting() >= queueMax) {
        dropped++;
        continue;
      }
      const scored = candidate.item;
      const hash = dHash(scored.crop ?? scored.frame);
      if (policy.admit(candidate.camera, hash) === 'kept') queue.offer({ candidate, phash: hashToHex(hash) });
    }
  }

  return {
    name: 'mine',
    /** Detection runs without mining: a store that cannot recover is reported, not fatal. */
    critical: false,
    /** Read on every frame (enabled, band, rate) and every write (quota). */
    livePaths: ['mine'],
    applyConfig: () => undefined,
    /** Recovers the store (a crash may have left temp or orphan files), then mines. */
    start(): void {
      const recovered = deps.store.recover();
      log.info({ samples: deps.store.count(), orphanFiles: recovered.orphanFiles, tempFiles: recovered.tempFiles, missingRows: recovered.missingRows.length }, 'sample store ready');
      running = true;
      timer = setInterval(() => consider(policy.flush()), deps.flushIntervalMs ?? 500);
      timer.unref();
    },

    observe(scored: ScoredFrame): void {
      if (!running || !deps.config().mine.enabled) return;
      try {
        const obs = observation(scored);
        consider([...eventSampler.observe(obs, scored), ...policy.observe(obs, scored)]);
      } catch (err) {
        // Mining is a side job of scoring: a bad frame must not break the caller's loop.
        log.warn({ camera: scored.frame.camera, err: (err as Error).message }, 'mining a frame failed');
      }
    },

    /** Event transitions: while an event is open, its frames are kept for review (event-samples.ts). */
    observeEvent(transition: EventTransition): void {
      eventSampler.transition(transition);
    },

    /** Forget a camera's neighbourhood (after a reconnect the earlier frames are not its neighbours). */
    reset(camera: string): void {
      policy.reset(camera);
      eventSampler.reset(camera);
    },

    /** Undecided candidates are dropped; queued writes get up to stopWaitMs to finish. */
    async stop(): Promise<void> {
      running = false;
      if (timer) clearInterval(timer);
      timer = undefined;
      const left = await queue.settle(deps.stopWaitMs ?? 2000);
      if (left > 0) log.warn({ left }, 'mined samples not stored before stop');
      dropped += left;
    },

    storeError: (): string | undefined => storeError,

    stats(): MineStats {
      const c = policy.counters();
      return { mined, dropped, failed, queued: queue.waiting(), pending: policy.pendingCount(), duplicates: c.duplicates, rateLimited: c.rateLimited };
    },
  };
}

export type MineStage = ReturnType<typeof createMineStage>;
