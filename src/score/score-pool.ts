/**
 * The scoring pool: N worker threads, one backbone each, so every core embeds. Requests from all cameras (and the
 * CLI) wait in one bounded queue; an idle worker takes up to `batchSize` images at once, so regions from several
 * cameras share a backbone call. A full queue rejects instead of growing: callers keep only their newest frame.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../util/log.js';
import type { BackboneOutput, RemoteBackboneStats } from '../model/backbone.js';
import type { RgbImage } from '../image/image.js';
import type { BackboneSpec } from './backbone-spec.js';
import type { EmbedRequest, WorkerInit, WorkerMessage } from './score-worker.js';

export interface BackboneInfo { id: string; runtime: string; embeddingDim: number; hasPrior: boolean }

export interface ScorePoolDeps {
  spec: BackboneSpec;
  log: Logger;
  /** 0 = one per core. */
  workers: number;
  batchSize: number;
  queueMax?: number;
}

export interface ScorePool {
  start(): Promise<BackboneInfo>;
  stop(): Promise<void>;
  embed(images: readonly RgbImage[]): Promise<BackboneOutput[]>;
  stats(): { queueDepth: number; workers: number; busy: number; rejected: number; inferenceMs: number[] };
  /** The remote inference server as the workers last saw it (summed over workers); undefined for local backbones. */
  remoteStats(): RemoteBackboneStats | undefined;
  /** Heartbeat: resolves true when every worker answered a ping within `timeoutMs` (false with no worker left). */
  ping(timeoutMs: number): Promise<boolean>;
}

interface Pending { image: RgbImage; resolve: (o: BackboneOutput) => void; reject: (e: Error) => void }
interface Slot { worker: Worker; busy: boolean; batchId?: number; pongs: Map<number, () => void>; remote?: TimedRemoteStats }

/** A worker's last view of the inference server, with when it reported it. */
export type TimedRemoteStats = RemoteBackboneStats & { readonly atMs: number };

const CLOSE_TIMEOUT_MS = 1500;

/**
 * Stack for each worker thread. ONNX Runtime walks the process command line (/proc/self/cmdline) recursively when it
 * creates a session, about 300 bytes of native stack per character: `catwatch score` with 250 file arguments
 * (~15,000 characters) overflowed the worker's default 4 MB stack (SIGSEGV, no output). The stack is reserved
 * virtual memory, touched only as deep as it is used, so it is sized from the command line with a 2x margin.
 */
export function workerStackMb(commandLineBytes: number): number {
  const bytesPerChar = 600;
  return 8 + Math.ceil((commandLineBytes * bytesPerChar) / 2 ** 20);
}

function commandLineBytes(): number {
  return [process.execPath, ...process.execArgv, ...process.argv.slice(1)].reduce((sum, arg) => sum + Buffer.byteLength(arg) + 1, 0);
}

export class ScoreQueueFullError extends Error {
  constructor(queueMax: number) {
    super(`score queue full (${queueMax} images waiting)`);
  }
}

export function createScorePool(deps: ScorePoolDeps): ScorePool {
  const log = deps.log.child({ component: 'score' });
  const queueMax = deps.queueMax ?? 256;
  const queue: Pending[] = [];
  const slots: Slot[] = [];
  const inFlight = new Map<number, Pending[]>();
  const recentMs: number[] = [];
  let nextId = 1;
  let nextPing = 1;
  let rejected = 0;
  let stopping = false;

  function dispatch(): void {
    for (const slot of slots) {
      if (slot.busy || queue.length === 0) continue;
      const batch = queue.splice(0, deps.batchSize);
      const id = nextId++;
      inFlight.set(id, batch);
      slot.busy = true;
      slot.batchId = id;
      postBatch(slot.worker, id, batch);
    }
  }

  function onMessage(slot: Slot, msg: WorkerMessage): void {
    if (msg.type === 'pong') return answerPing(slot, msg.n);
    if (msg.type !== 'result' && msg.type !== 'error') return;
    slot.busy = false;
    slot.batchId = undefined;
    const batch = inFlight.get(msg.id) ?? [];
    inFlight.delete(msg.id);
    if (msg.type === 'result') recordMs(recentMs, msg.ms / Math.max(1, batch.length));
    if (msg.type === 'result' && msg.remote) slot.remote = { ...msg.remote, atMs: Date.now() };
    settle(batch, msg);
    dispatch();
  }

  function onCrash(slot: Slot, index: number, err: Error): void {
    log.error({ worker: index, err }, 'score worker crashed');
    // Fail its batch; the pool keeps running on the remaining workers.
    if (slot.batchId !== undefined) {
      for (const p of inFlight.get(slot.batchId) ?? []) p.reject(err);
      inFlight.delete(slot.batchId);
    }
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
  }

  const spawn = (index: number, threads: number): Promise<{ slot: Slot; info: BackboneInfo }> =>
    spawnWorker({ spec: { ...deps.spec, threads }, logLevel: log.level, workerId: index }, onMessage, (slot, err) => onCrash(slot, index, err));

  return {
    async start() {
      stopping = false;
      const cores = availableParallelism();
      const count = deps.workers > 0 ? deps.workers : cores;
      // Split cores between workers so N workers x threads never oversubscribes the machine.
      const threads = Math.max(1, Math.floor(cores / count));
      const started = await Promise.all(Array.from({ length: count }, (_, i) => spawn(i, threads)));
      for (const s of started) slots.push(s.slot);
      const info = started[0].info;
      log.info({ backbone: info.id, runtime: info.runtime, workers: count, threadsPerWorker: threads }, 'scoring workers ready');
      return info;
    },
    remoteStats: () => sumRemoteStats(slots.flatMap((s) => (s.remote ? [s.remote] : []))),
    async stop() {
      stopping = true;
      for (const p of queue.splice(0)) p.reject(new Error('score pool stopped'));
      await Promise.all(slots.splice(0).map(closeWorker));
      for (const batch of inFlight.values()) for (const p of batch) p.reject(new Error('score pool stopped'));
      inFlight.clear();
    },
    embed(images) {
      if (stopping) return Promise.reject(new Error('score pool stopped'));
      if (queue.length + images.length > queueMax) {
        rejected += images.length;
        return Promise.reject(new ScoreQueueFullError(queueMax));
      }
      const promises = images.map((image) => new Promise<BackboneOutput>((resolve, reject) => queue.push({ image, resolve, reject })));
      dispatch();
      return Promise.all(promises);
    },
    ping: (timeoutMs) => pingAll(slots, nextPing++, timeoutMs),
    stats: () => ({ queueDepth: queue.length, workers: slots.length, busy: slots.filter((s) => s.busy).length, rejected, inferenceMs: [...recentMs] }),
  };
}

function answerPing(slot: Slot, n: number): void {
  slot.pongs.get(n)?.();
  slot.pongs.delete(n);
}

function pingOne(slot: Slot, n: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      slot.pongs.delete(n);
      resolve(false);
    }, timeoutMs);
    slot.pongs.set(n, () => {
      clearTimeout(timer);
      resolve(true);
    });
    slot.worker.postMessage({ type: 'ping', n });
  });
}

async function pingAll(slots: readonly Slot[], n: number, timeoutMs: number): Promise<boolean> {
  if (slots.length === 0) return false;
  const answers = await Promise.all(slots.map((slot) => pingOne(slot, n, timeoutMs)));
  return answers.every(Boolean);
}

/** Starts a worker; resolves once its backbone loaded (rejects when it could not). */
function spawnWorker(init: WorkerInit, onMessage: (slot: Slot, msg: WorkerMessage) => void, onCrash: (slot: Slot, err: Error) => void): Promise<{ slot: Slot; info: BackboneInfo }> {
  const worker = new Worker(new URL('./score-worker.js', import.meta.url), { workerData: init, resourceLimits: { stackSizeMb: workerStackMb(commandLineBytes()) } });
  const slot: Slot = { worker, busy: false, pongs: new Map() };
  return new Promise((resolve, reject) => {
    const onFirst = (msg: WorkerMessage): void => {
      if (msg.type === 'ready') {
        worker.off('message', onFirst);
        worker.on('message', (m: WorkerMessage) => onMessage(slot, m));
        resolve({ slot, info: { id: msg.id, runtime: msg.runtime, embeddingDim: msg.embeddingDim, hasPrior: msg.hasPrior } });
      } else if (msg.type === 'fatal') {
        reject(new Error(`backbone failed to load: ${msg.message}`));
        void worker.terminate();
      }
    };
    worker.on('message', onFirst);
    worker.on('error', (err) => {
      reject(err);
      onCrash(slot, err);
    });
  });
}

/**
 * Asks a worker to release its backbone (native sessions must be freed on their own thread: terminating a worker
 * inside ONNX Runtime can abort the process), then terminates it if it has not exited in time.
 */
async function closeWorker(slot: Slot): Promise<void> {
  const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
  slot.worker.postMessage({ type: 'close' });
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') await slot.worker.terminate();
}

function postBatch(worker: Worker, id: number, batch: readonly Pending[]): void {
  // Copy into transferable buffers: the caller's frame buffer stays usable and is not detached. `new Uint8Array`
  // copies; a Node Buffer's own slice() would be a view sharing (and then detaching) the frame's memory.
  const images = batch.map((p) => ({ data: new Uint8Array(p.image.data).buffer as ArrayBuffer, width: p.image.width, height: p.image.height }));
  worker.postMessage({ id, images } satisfies EmbedRequest, images.map((i) => i.data));
}

const RECENT_MS_KEPT = 500;

function recordMs(recentMs: number[], ms: number): void {
  recentMs.push(ms);
  if (recentMs.length > RECENT_MS_KEPT) recentMs.splice(0, recentMs.length - RECENT_MS_KEPT);
}

function settle(batch: readonly Pending[], msg: Extract<WorkerMessage, { type: 'result' | 'error' }>): void {
  if (msg.type === 'result') batch.forEach((p, i) => p.resolve(msg.outputs[i]));
  else for (const p of batch) p.reject(new Error(msg.message));
}

/**
 * The link as the pool sees it: counters summed over workers, the state from the most recent report. A worker that
 * saw the server down and has been idle since must not keep /healthz failing while the others score through it.
 */
export function sumRemoteStats(perWorker: readonly TimedRemoteStats[]): RemoteBackboneStats | undefined {
  if (perWorker.length === 0) return undefined;
  const newest = perWorker.reduce((a, b) => (b.atMs > a.atMs ? b : a));
  const sum = (key: 'requests' | 'failures' | 'fallbackBatches'): number => perWorker.reduce((n, r) => n + r[key], 0);
  return {
    up: newest.up,
    state: newest.state,
    server: newest.server,
    requests: sum('requests'),
    failures: sum('failures'),
    fallbackBatches: sum('fallbackBatches'),
    ...(newest.reason === undefined ? {} : { reason: newest.reason }),
  };
}
